// The requests of a chunk, parsed once each and kept in native memory while the chunk's pairs
// are compared: a request has tens of candidate pairs, and reading its record once instead of
// once per pair is most of what a pair would cost. Loaded by the SQL function
// custodian_request_load (one call per request, from any thread: each writes its own slot),
// read by custodian_compare, released by the process when the chunk is scored. The memory is
// bounded by the chunk (a few hundred bytes a request), not by the master file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compare.h"

namespace custodian {

struct PreparedRequest {
  std::string text;  // the record; the fields of `request` point into it
  Request request;
  RequestFacts facts;
};

class RequestSet {
 public:
  // Room for the requests numbered `first` to `last`.
  RequestSet(int64_t first, int64_t last);
  // Parses and keeps one request's record; false when the number is out of range, already
  // loaded, or the record malformed.
  bool Load(int64_t row_no, std::string_view record);
  const PreparedRequest *Find(int64_t row_no) const {
    const int64_t i = row_no - first_;
    return i < 0 || i >= static_cast<int64_t>(slots_.size()) ? nullptr : slots_[i].get();
  }

 private:
  int64_t first_;
  std::vector<std::unique_ptr<PreparedRequest>> slots_;
};

// The process's request sets, by id (never reused).
int CreateRequestSet(int64_t first, int64_t last);
std::shared_ptr<RequestSet> RequestSetById(int id);
void ReleaseRequestSet(int id);

}  // namespace custodian
