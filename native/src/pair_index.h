// A chunk's candidate pairs, indexed by taxpayer: scoring streams the taxpayers' comparison
// records past the kernel once (a scan of mst_cmp) and each record finds its pairs here, so the
// kernel does the join itself — with the look-ups fetched from memory ahead of their use — and a
// taxpayer's record is parsed once however many requests it is a candidate for. Loaded by the
// SQL function custodian_pair_load (from any thread), built once by Build (counting sort by a
// hash of the TIN: the pairs of one taxpayer end up side by side in one bucket). Memory: 8 bytes
// a pair plus 4 bytes per two pairs (16 while building), bounded by the chunk, not by the master
// file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "huge_array.h"

namespace custodian {

class PairIndex {
 public:
  // Adds a block of pairs, each a request's slot in its request set and a taxpayer's TIN
  // (thread-safe; the order of blocks does not matter). False once the index is built.
  bool Add(std::vector<uint64_t> block);
  // Indexes every pair added so far (once: later adds are refused). Returns their number, or
  // kNoMemory when there was no room for the index.
  size_t Build();
  static constexpr size_t kNoMemory = ~size_t{0};
  bool built() const { return built_; }
  size_t size() const { return entries_.size(); }

  static uint64_t Entry(int32_t tin, uint32_t slot) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(tin)) << 32) | slot;
  }
  // The bucket a TIN's pairs are in; its bounds are offsets()[b] and offsets()[b + 1].
  size_t Bucket(int32_t tin) const {
    return static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(tin)) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  const uint32_t *offsets() const { return built_ ? offsets_.data() : kNoBuckets; }
  const uint64_t *entries() const { return entries_.data(); }

 private:
  std::mutex mutex_;
  std::vector<std::vector<uint64_t>> blocks_;
  bool built_ = false;
  int shift_ = 63;
  static constexpr uint32_t kNoBuckets[3] = {0, 0, 0};
  HugeArray<uint32_t> offsets_;
  HugeArray<uint64_t> entries_;
};

}  // namespace custodian
