#include "requests.h"

#include <mutex>
#include <unordered_map>

#include "record.h"

namespace custodian {

namespace {
std::mutex registry_mutex;
std::unordered_map<int, std::shared_ptr<RequestSet>> registry;
int next_id = 1;
}  // namespace

RequestSet::RequestSet(int64_t first, int64_t last) : first_(first) {
  if (last >= first) slots_.resize(static_cast<size_t>(last - first + 1));
}

bool RequestSet::Load(int64_t row_no, std::string_view record) {
  const int64_t i = row_no - first_;
  if (i < 0 || i >= static_cast<int64_t>(slots_.size()) || slots_[i]) return false;
  auto prepared = std::make_unique<PreparedRequest>();
  prepared->text.assign(record.data(), record.size());
  std::vector<Text> fields;
  if (!ParseRequest(prepared->text, fields, prepared->request)) return false;
  prepared->facts = RequestFacts::Of(prepared->request);
  slots_[i] = std::move(prepared);
  return true;
}

int CreateRequestSet(int64_t first, int64_t last) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  const int id = next_id++;
  registry[id] = std::make_shared<RequestSet>(first, last);
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
