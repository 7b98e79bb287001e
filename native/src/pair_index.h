// A chunk's candidate pairs, indexed by taxpayer: scoring streams the taxpayers' comparison
// records past the kernel once (a scan of mst_cmp) and each record finds its pairs here, so the
// kernel does the join itself — with the look-ups fetched from memory ahead of their use — and a
// taxpayer's record is parsed once however many requests it is a candidate for. Room for the
// pairs is reserved first (their number is known), loaded by the SQL function
// custodian_pair_load (from any thread) straight into it, and built once by Build (counting sort
// by a hash of the TIN: the pairs of one taxpayer end up side by side in one bucket) back into
// the same memory. Memory: 8 bytes a pair plus 4 bytes per two pairs (16 while building), on huge
// pages, bounded by the chunk, not by the master file. (Fresh memory is dear where a page fault
// is: the pairs were first loaded into small blocks on ordinary pages, which cost more to fault
// in than the index took to build.)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "huge_array.h"

namespace custodian {

class PairIndex {
 public:
  // Room for `n` pairs, before any is added (once); false when there is none.
  bool Reserve(size_t n);
  // Adds `count` pairs, each a request's slot in its request set and a taxpayer's TIN (Entry;
  // thread-safe, in any order). False when they overflow the reserved room or the index is built.
  bool Add(const uint64_t *pairs, size_t count);
  // Indexes every pair added so far (once: later adds are refused). Returns their number, or
  // kNoMemory when there was no room to sort them.
  size_t Build();
  static constexpr size_t kNoMemory = ~size_t{0};
  bool built() const { return built_.load(); }
  size_t size() const { return built() ? size_ : 0; }

  static uint64_t Entry(int32_t tin, uint32_t slot) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(tin)) << 32) | slot;
  }
  static int32_t Tin(uint64_t entry) { return static_cast<int32_t>(entry >> 32); }
  static uint32_t Slot(uint64_t entry) { return static_cast<uint32_t>(entry); }
  // The bucket a TIN's pairs are in; its bounds are offsets()[b] and offsets()[b + 1].
  size_t Bucket(int32_t tin) const {
    return static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(tin)) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  const uint32_t *offsets() const { return built() ? offsets_.data() : kNoBuckets; }
  // The pairs, in bucket order once built: a pair is known by its position here (its score's too).
  const uint64_t *entries() const { return entries_.data(); }

 private:
  std::mutex mutex_;
  std::atomic<size_t> added_{0};
  std::atomic<bool> built_{false};
  size_t reserved_ = 0;
  size_t size_ = 0;
  int shift_ = 63;
  static constexpr uint32_t kNoBuckets[3] = {0, 0, 0};
  HugeArray<uint32_t> offsets_;
  HugeArray<uint64_t> entries_;
};

}  // namespace custodian
