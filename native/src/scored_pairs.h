// The scored pairs of a chunk, kept in the kernel's memory until the chunk is decided: the
// scoring statement appends them block by block from every thread, and the table function
// custodian_scored(set) hands them back to SQL (in any order: decisions order candidates by
// weight and TIN). Keeping them here instead of writing them to a DuckDB table saves a write and
// a read of every pair. 24 bytes a pair, bounded by the chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace custodian {

struct ScoredPair {
  double weight;
  int32_t tin;
  uint32_t slot;  // the request's slot in its set (row_no = the set's first row + slot)
  int32_t k;      // the packed levels (compare.h, Pack)
};

class ScoredPairs {
 public:
  void Add(std::vector<ScoredPair> block) {
    std::lock_guard<std::mutex> lock(mutex_);
    total_ += block.size();
    blocks_.push_back(std::move(block));
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.clear();
    total_ = 0;
  }
  // Read only once the scoring statement has finished (no more adds).
  const std::vector<std::vector<ScoredPair>> &blocks() const { return blocks_; }
  size_t size() const { return total_; }

 private:
  std::mutex mutex_;
  std::vector<std::vector<ScoredPair>> blocks_;
  size_t total_ = 0;
};

}  // namespace custodian
