// The requests of a chunk, parsed once each and kept in native memory while the chunk's pairs
// are compared: a request has tens of candidate pairs, and reading its record once instead of
// once per pair is most of what a pair would cost. Loaded by the SQL function
// custodian_request_load (one call per request, from any thread: each writes its own slot),
// read by custodian_score_taxpayer, released by the process when the chunk is decided. The memory is
// bounded by the chunk (about a kilobyte a request), not by the master file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "compare.h"
#include "pair_index.h"
#include "scored_pairs.h"

namespace custodian {

struct PreparedRequest {
  static constexpr size_t kInline = 192;
  bool loaded = false;
  Request request;
  RequestFacts facts;
  // The record, which the fields of `request` point into: in the slot when it fits (the pairs
  // then read one stretch of memory per request), else on the heap.
  char inline_text[kInline];
  std::string long_text;
};

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
  // Parses and keeps one request's record; false when the number is out of range, already
  // loaded, or the record malformed.
  bool Load(int64_t row_no, std::string_view record);
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
