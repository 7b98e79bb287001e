// The requests of a chunk, prepared once each and kept in native memory while the chunk's pairs
// are compared: a request has tens of candidate pairs, and reading its fields once instead of
// once per pair is most of what a pair would cost. Loaded by the SQL function
// custodian_request_load (one call per request, from any thread: each writes its own slot),
// read by custodian_score_taxpayer, released by the process when the chunk is decided. The memory is
// bounded by the chunk (320 bytes a request), not by the master file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "compare.h"
#include "pair_index.h"
#include "scored_pairs.h"

namespace custodian {

// A request as the pairs read it, packed into five cache lines: pairs meet their requests at
// random, and fetching a request from memory was most of what a pair cost (a kilobyte a request
// before it was packed). The texts the comparisons read are copied side by side into `text_`
// and found by offset and length; the facts derived from them (hashes, signatures, lengths in
// code points) are kept beside them; Unpack rebuilds the Request and RequestFacts that ComparePair
// takes, equal field for field to the request loaded. A request whose texts do not fit (rare:
// long addresses) is kept whole on the heap instead.
class alignas(64) PreparedRequest {
 public:
  PreparedRequest() = default;
  ~PreparedRequest();
  PreparedRequest(const PreparedRequest &) = delete;
  PreparedRequest &operator=(const PreparedRequest &) = delete;

  // Keeps a request and its facts (RequestFacts::Of) in the slot, which must be empty; false
  // when its texts do not fit (nothing is kept then: KeepWhole).
  bool Pack(const Request &r, const RequestFacts &f);
  // Keeps a request whose texts do not fit: its texts copied to the heap.
  void KeepWhole(const Request &r);
  // The request and its facts as ComparePair takes them (texts pointing into the slot).
  void Unpack(Request &r, RequestFacts &f) const;
  bool loaded() const { return fields_.loaded; }

  // The texts a slot keeps: the request's text fields, then the first tokens of its family and
  // given names.
  enum Slice : uint8_t {
    kGivenFirst, kGivenRest, kGivenStd, kFamilyStd, kFamilyTokens, kFamilyPhonetic, kMiddleStd, kSuffix,
    kAddress0, kFamilyFirst = kAddress0 + kAddressFields, kGivenStdFirst, kSlices
  };
  static constexpr size_t kLines = 5;

 private:
  // The validity bits after the slices'.
  enum Bit { kDob = kSlices, kTin, kTfGiven, kTfGivenSwapped, kTfFamily, kTfFamilySwapped, kPhonetic };
  struct Whole;  // a request kept whole, with its facts

  struct Fields {
    uint32_t valid = 0;  // a bit per slice, then Bit
    bool loaded = false;
    char given_phonetic[4] = {0, 0, 0, 0};
    int32_t dob = 0, tin = 0;
    uint8_t off[kSlices] = {}, len[kSlices] = {};
    uint8_t code_points[2] = {0, 0};  // given_first, family_first
    uint64_t hash[2] = {0, 0};        // given_first, family_first
    uint64_t signature[5] = {};       // given_first, family_first, family_std, given_std, given_std_first
    double tf[4] = {0, 0, 0, 0};      // given, given swapped, family, family swapped
    Whole *whole = nullptr;
  };
  // Whether a slice or a Bit is valid.
  bool Has(int bit) const { return ((fields_.valid >> bit) & 1) != 0; }
  Text SliceText(int i) const {
    return Has(i) ? Text{std::string_view(text_ + fields_.off[i], fields_.len[i]), true} : Text{};
  }
  Fields fields_;
  char text_[kLines * 64 - sizeof(Fields)];
};
static_assert(sizeof(PreparedRequest) == PreparedRequest::kLines * 64, "a request takes whole cache lines");

// Asks the memory for a prepared request ahead of its use.
inline void Prefetch(const PreparedRequest *r) {
  const char *object = reinterpret_cast<const char *>(r);
  for (size_t at = 0; at < sizeof(PreparedRequest); at += 64) __builtin_prefetch(object + at);
}

// A chunk being scored: its requests, its candidate pairs indexed by taxpayer, and the pairs'
// scores once computed. Lives from the chunk's scoring to its decisions.
class RequestSet {
 public:
  // Room for the requests numbered `first` to `last`, in one block of memory (on huge pages
  // where the system gives them: pairs meet their requests at random, and a page-table walk
  // per request was most of what a pair cost), kept for the next chunk when the set is released
  // (huge_memory.h).
  RequestSet(int64_t first, int64_t last);
  ~RequestSet();
  RequestSet(const RequestSet &) = delete;
  RequestSet &operator=(const RequestSet &) = delete;
  // Keeps one request (its texts copied); false when the number is out of range or already
  // loaded.
  bool Load(int64_t row_no, const Request &request);
  // The slot of a request (nullptr when out of range), without reading it: the caller asks the
  // memory for it ahead (Prefetch) and checks `loaded` when it uses it.
  const PreparedRequest *Slot(int64_t row_no) const {
    const int64_t i = row_no - first_;
    return i < 0 || i >= count_ ? nullptr : &slots_[i];
  }
  const PreparedRequest *At(uint32_t slot) const { return &slots_[slot]; }
  int64_t first() const { return first_; }
  int64_t count() const { return count_; }

  PairIndex pairs;
  ScoredPairs scored;

 private:
  int64_t first_;
  int64_t count_ = 0;
  size_t bytes_ = 0;
  PreparedRequest *slots_ = nullptr;
};

// The process's request sets, by id (never reused).
int CreateRequestSet(int64_t first, int64_t last);
std::shared_ptr<RequestSet> RequestSetById(int id);
void ReleaseRequestSet(int id);

}  // namespace custodian
