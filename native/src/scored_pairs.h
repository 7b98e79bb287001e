// The scores of a chunk's pairs, kept in the kernel's memory until the chunk is decided: each
// pair's weight and packed levels at its position in the pair index (PairIndex::entries, which
// holds its request and TIN), written by the scoring statement from every thread and handed back
// to SQL by the table function custodian_scored(set). Keeping them here instead of writing them
// to a DuckDB table saves a write and a read of every pair; keeping them beside the index instead
// of in blocks of their own saves 12 bytes a pair and the page faults of memory on ordinary pages.
// 12 bytes a pair, on huge pages, bounded by the chunk.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "huge_array.h"

namespace custodian {

class ScoredPairs {
 public:
  // Room for the scores of `n` pairs, none scored yet; false when there is none.
  bool Reset(size_t n) {
    scored_ = 0;
    return weights_.Reset(n) && levels_.Reset(n);
  }
  // Keeps the score of the pair at position `i` of the index.
  void Set(size_t i, double weight, int32_t levels) {
    weights_[i] = weight;
    levels_[i] = levels;
  }
  // Asks the memory for the scores at `i` ahead of their writing.
  void Prefetch(size_t i) const {
    __builtin_prefetch(weights_.data() + i, 1);
    __builtin_prefetch(levels_.data() + i, 1);
  }
  // Counts `n` more pairs scored (from any thread).
  void Scored(size_t n) { scored_ += n; }
  size_t scored() const { return scored_.load(); }
  double weight(size_t i) const { return weights_[i]; }
  int32_t levels(size_t i) const { return levels_[i]; }

 private:
  HugeArray<double> weights_;
  HugeArray<int32_t> levels_;
  std::atomic<size_t> scored_{0};
};

}  // namespace custodian
