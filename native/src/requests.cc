#include "requests.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>
#include <vector>

#include "huge_memory.h"

namespace custodian {

namespace {
std::mutex registry_mutex;
std::unordered_map<int, std::shared_ptr<RequestSet>> registry;
int next_id = 1;
// Slots below which one thread empties a set's slots alone (threads cost more than they save).
constexpr int64_t kSlotsPerThread = 65536;
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
  // Every slot starts empty. Writing them is what faults the memory in (hundreds of megabytes for
  // a chunk of a million requests, dear where a page fault is): shared between the cores.
  const int64_t threads = std::max<int64_t>(
      1, std::min<int64_t>(std::thread::hardware_concurrency(), count_ / kSlotsPerThread));
  const auto construct = [this, threads](int64_t t) {
    for (int64_t i = count_ * t / threads, end = count_ * (t + 1) / threads; i < end; ++i)
      new (&slots_[i]) PreparedRequest();
  };
  std::vector<std::thread> helpers;
  for (int64_t t = 1; t < threads; ++t) helpers.emplace_back(construct, t);
  construct(0);
  for (auto &h : helpers) h.join();
}

RequestSet::~RequestSet() {
  for (int64_t i = 0; i < count_; ++i) slots_[i].~PreparedRequest();
  FreeHuge(slots_, bytes_);
}

bool RequestSet::Load(int64_t row_no, const Request &request) {
  const int64_t i = row_no - first_;
  if (i < 0 || i >= count_ || slots_[i].loaded()) return false;
  if (!slots_[i].Pack(request, RequestFacts::Of(request))) slots_[i].KeepWhole(request);
  return true;
}

// --- a prepared request --------------------------------------------------------------------------

struct PreparedRequest::Whole {
  std::string texts;  // the request's texts side by side (never grown once filled: the views stay)
  Request request;
  RequestFacts facts;
};

PreparedRequest::~PreparedRequest() { delete fields_.whole; }

bool PreparedRequest::Pack(const Request &r, const RequestFacts &f) {
  const Text slices[kSlices] = {r.given_first,    r.given_rest, r.given_std,  r.family_std,
                                r.family_tokens,  r.family_phonetic, r.middle_std, r.suffix,
                                r.address[0],     r.address[1], r.address[2], r.address[3],
                                r.address[4],     f.family_first.text, f.given_std_first.text};
  size_t used = 0;
  for (const Text &t : slices) {
    if (!t.valid) continue;
    if (t.value.size() > 255 || used + t.value.size() > sizeof(text_)) return false;
    used += t.value.size();
  }
  Fields &k = fields_;
  used = 0;
  for (int i = 0; i < kSlices; ++i) {
    if (!slices[i].valid) continue;
    k.valid |= uint32_t{1} << i;
    k.off[i] = static_cast<uint8_t>(used);
    k.len[i] = static_cast<uint8_t>(slices[i].value.size());
    std::memcpy(text_ + used, slices[i].value.data(), slices[i].value.size());
    used += slices[i].value.size();
  }
  const auto bit = [&](bool valid, int b) { k.valid |= static_cast<uint32_t>(valid) << b; };
  bit(r.dob.valid, kDob);
  k.dob = r.dob.value;
  bit(r.tin.valid, kTin);
  k.tin = r.tin.value;
  const Maybe<double> tf[4] = {r.tf_given, r.tf_given_swapped, r.tf_family, r.tf_family_swapped};
  for (int i = 0; i < 4; ++i) {
    bit(tf[i].valid, kTfGiven + i);
    k.tf[i] = tf[i].value;
  }
  bit(f.given_phonetic_valid, kPhonetic);
  std::memcpy(k.given_phonetic, f.given_phonetic, 4);
  const Name *named[2] = {&f.given_first, &f.family_first};
  for (int i = 0; i < 2; ++i) {
    k.hash[i] = named[i]->hash;
    k.code_points[i] = static_cast<uint8_t>(named[i]->code_points);
  }
  const SignedText *signed_texts[5] = {&f.given_first, &f.family_first, &f.family_std, &f.given_std,
                                       &f.given_std_first};
  for (int i = 0; i < 5; ++i) k.signature[i] = signed_texts[i]->signature.bytes;
  k.loaded = true;
  return true;
}

void PreparedRequest::KeepWhole(const Request &r) {
  auto whole = std::make_unique<Whole>();
  Request &kept = whole->request;
  kept = r;
  Text *texts[] = {&kept.given_first, &kept.given_rest,  &kept.given_std,       &kept.family_std,
                   &kept.family_tokens, &kept.family_phonetic, &kept.middle_std, &kept.suffix,
                   &kept.address[0],  &kept.address[1], &kept.address[2], &kept.address[3],
                   &kept.address[4]};
  size_t total = 0;
  for (const Text *t : texts) total += t->valid ? t->value.size() : 0;
  whole->texts.reserve(total);
  for (Text *t : texts) {
    if (!t->valid) continue;
    const size_t at = whole->texts.size();
    whole->texts.append(t->value);
    t->value = std::string_view(whole->texts.data() + at, t->value.size());
  }
  whole->facts = RequestFacts::Of(kept);
  fields_.whole = whole.release();
  fields_.loaded = true;
}

void PreparedRequest::Unpack(Request &r, RequestFacts &f) const {
  if (fields_.whole) {
    r = fields_.whole->request;
    f = fields_.whole->facts;
    return;
  }
  const Fields &k = fields_;
  r.given_first = SliceText(kGivenFirst);
  r.given_rest = SliceText(kGivenRest);
  r.given_std = SliceText(kGivenStd);
  r.family_std = SliceText(kFamilyStd);
  r.family_tokens = SliceText(kFamilyTokens);
  r.family_phonetic = SliceText(kFamilyPhonetic);
  r.middle_std = SliceText(kMiddleStd);
  r.suffix = SliceText(kSuffix);
  for (int i = 0; i < kAddressFields; ++i) r.address[i] = SliceText(kAddress0 + i);
  r.dob = {k.dob, Has(kDob)};
  r.tin = {k.tin, Has(kTin)};
  r.tf_given = {k.tf[0], Has(kTfGiven)};
  r.tf_given_swapped = {k.tf[1], Has(kTfGivenSwapped)};
  r.tf_family = {k.tf[2], Has(kTfFamily)};
  r.tf_family_swapped = {k.tf[3], Has(kTfFamilySwapped)};

  // A NULL text has no signature, hash or length (Name::Of): the slot holds zeros for it.
  const auto sign = [&](SignedText &t, const Text &text, int i) {
    t.text = text;
    t.signature = {static_cast<uint32_t>(text.value.size()), k.signature[i]};
  };
  sign(f.given_first, r.given_first, 0);
  f.given_first.hash = k.hash[0];
  f.given_first.code_points = k.code_points[0];
  sign(f.family_first, SliceText(kFamilyFirst), 1);
  f.family_first.hash = k.hash[1];
  f.family_first.code_points = k.code_points[1];
  sign(f.family_std, r.family_std, 2);
  sign(f.given_std, r.given_std, 3);
  sign(f.given_std_first, SliceText(kGivenStdFirst), 4);
  f.family_tokens = Tokens::Family(r.family_tokens, r.family_std);
  f.given_std_tokens = Tokens::Split(r.given_std);
  std::memcpy(f.given_phonetic, k.given_phonetic, 4);
  f.given_phonetic_valid = Has(kPhonetic);
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
