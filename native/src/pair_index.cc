#include "pair_index.h"

#include <algorithm>

namespace custodian {

bool PairIndex::Add(std::vector<uint64_t> block) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (built_) return false;
  blocks_.push_back(std::move(block));
  return true;
}

size_t PairIndex::Build() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (built_) return entries_.size();
  size_t n = 0;
  for (const auto &b : blocks_) n += b.size();
  // About two pairs a bucket (a taxpayer is in one or two pairs of a chunk): the bucket bounds
  // cost 2 bytes a pair, and a look-up reads one pair of bounds and, mostly, one line of entries.
  int bits = 1;
  while ((size_t{1} << bits) < n / 2 && bits < 31) ++bits;
  shift_ = 64 - bits;
  const size_t buckets = size_t{1} << bits;
  // A counting sort by bucket in two steps, each over memory that stays in the caches: the pairs
  // split by the top bits of their bucket into partitions (a few hundred streams of writes), then
  // each partition sorted by bucket on its own (its entries and bounds fit in the caches).
  const int partition_bits = std::min(bits, 8);
  const int partition_shift = bits - partition_bits;
  const size_t partitions = size_t{1} << partition_bits;
  std::vector<size_t> starts(partitions + 1, 0);
  for (const auto &b : blocks_)
    for (uint64_t e : b) ++starts[(Bucket(static_cast<int32_t>(e >> 32)) >> partition_shift) + 1];
  for (size_t p = 0; p < partitions; ++p) starts[p + 1] += starts[p];
  HugeArray<uint64_t> split;
  if (!split.Reset(n) || !entries_.Reset(n) || !offsets_.Reset(buckets + 1)) return kNoMemory;
  {
    std::vector<size_t> next(starts.begin(), starts.end() - 1);
    for (auto &b : blocks_) {
      for (uint64_t e : b) split[next[Bucket(static_cast<int32_t>(e >> 32)) >> partition_shift]++] = e;
      std::vector<uint64_t>().swap(b);
    }
    blocks_.clear();
  }
  const size_t per_partition = size_t{1} << partition_shift;
  std::vector<uint32_t> next(per_partition);
  for (size_t p = 0; p < partitions; ++p) {
    const size_t first_bucket = p * per_partition;
    std::fill(next.begin(), next.end(), 0);
    for (size_t i = starts[p]; i < starts[p + 1]; ++i)
      ++next[Bucket(static_cast<int32_t>(split[i] >> 32)) - first_bucket];
    uint32_t at = static_cast<uint32_t>(starts[p]);
    for (size_t b = 0; b < per_partition; ++b) {
      offsets_[first_bucket + b] = at;
      const uint32_t c = next[b];
      next[b] = at;
      at += c;
    }
    for (size_t i = starts[p]; i < starts[p + 1]; ++i)
      entries_[next[Bucket(static_cast<int32_t>(split[i] >> 32)) - first_bucket]++] = split[i];
  }
  offsets_[buckets] = static_cast<uint32_t>(n);
  built_ = true;
  return n;
}

}  // namespace custodian
