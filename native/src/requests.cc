#include "requests.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "huge_memory.h"
#include "record.h"

namespace custodian {

namespace {
std::mutex registry_mutex;
std::unordered_map<int, std::shared_ptr<RequestSet>> registry;
int next_id = 1;
}  // namespace

RequestSet::RequestSet(int64_t first, int64_t last) : first_(first) {
  if (last < first) return;
  count_ = last - first + 1;
  void *memory = TakeHuge(static_cast<size_t>(count_) * sizeof(PreparedRequest), &bytes_);
  if (!memory) {  // no room: every load fails, and says so
    count_ = 0;
    return;
  }
  slots_ = static_cast<PreparedRequest *>(memory);
  for (int64_t i = 0; i < count_; ++i) new (&slots_[i]) PreparedRequest();
}

RequestSet::~RequestSet() {
  for (int64_t i = 0; i < count_; ++i) slots_[i].~PreparedRequest();
  FreeHuge(slots_, bytes_);
}

bool RequestSet::Load(int64_t row_no, std::string_view record) {
  const int64_t i = row_no - first_;
  if (i < 0 || i >= count_ || slots_[i].loaded) return false;
  PreparedRequest &slot = slots_[i];
  std::string_view text;
  if (record.size() <= PreparedRequest::kInline) {
    std::memcpy(slot.inline_text, record.data(), record.size());
    text = std::string_view(slot.inline_text, record.size());
  } else {
    slot.long_text.assign(record.data(), record.size());
    text = slot.long_text;
  }
  thread_local std::vector<Text> fields;
  if (!ParseRequest(text, fields, slot.request)) return false;
  slot.facts = RequestFacts::Of(slot.request);
  slot.loaded = true;
  return true;
}

int CreateRequestSet(int64_t first, int64_t last) {
  auto set = std::make_shared<RequestSet>(first, last);
  std::lock_guard<std::mutex> lock(registry_mutex);
  const int id = next_id++;
  registry[id] = std::move(set);
  return id;
}

std::shared_ptr<RequestSet> RequestSetById(int id) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  const auto it = registry.find(id);
  return it == registry.end() ? nullptr : it->second;
}

void ReleaseRequestSet(int id) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry.erase(id);
}

}  // namespace custodian
