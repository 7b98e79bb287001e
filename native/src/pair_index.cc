#include "pair_index.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace custodian {

bool PairIndex::Reserve(size_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reserved_ > 0 || built()) return false;
  if (!entries_.Reset(n)) return false;
  reserved_ = n;
  return true;
}

bool PairIndex::Add(const uint64_t *pairs, size_t count) {
  if (built()) return false;
  const size_t at = added_.fetch_add(count);
  if (at + count > reserved_) return false;  // added_ now exceeds the room: Build refuses too
  std::memcpy(entries_.data() + at, pairs, count * sizeof(uint64_t));
  return true;
}

size_t PairIndex::Build() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (built()) return size_;
  const size_t n = added_.load();
  if (n > reserved_) return kNoMemory;  // pairs were refused for want of room
  // About two pairs a bucket (a taxpayer is in one or two pairs of a chunk): the bucket bounds
  // cost 2 bytes a pair, and a look-up reads one pair of bounds and, mostly, one line of entries.
  int bits = 1;
  while ((size_t{1} << bits) < n / 2 && bits < 31) ++bits;
  shift_ = 64 - bits;
  const size_t buckets = size_t{1} << bits;
  // A counting sort by bucket in two steps, each over memory that stays in the caches: the pairs
  // split by the top bits of their bucket into partitions (a few hundred streams of writes) into
  // a second array, then each partition sorted by bucket on its own (its entries and bounds fit
  // in the caches) back into the first.
  const int partition_bits = std::min(bits, 8);
  const int partition_shift = bits - partition_bits;
  const size_t partitions = size_t{1} << partition_bits;
  std::vector<size_t> starts(partitions + 1, 0);
  for (size_t i = 0; i < n; ++i) ++starts[(Bucket(Tin(entries_[i])) >> partition_shift) + 1];
  for (size_t p = 0; p < partitions; ++p) starts[p + 1] += starts[p];
  HugeArray<uint64_t> split;
  if (!split.Reset(n) || !offsets_.Reset(buckets + 1)) return kNoMemory;
  {
    std::vector<size_t> next(starts.begin(), starts.end() - 1);
    for (size_t i = 0; i < n; ++i) split[next[Bucket(Tin(entries_[i])) >> partition_shift]++] = entries_[i];
  }
  const size_t per_partition = size_t{1} << partition_shift;
  std::vector<uint32_t> next(per_partition);
  for (size_t p = 0; p < partitions; ++p) {
    const size_t first_bucket = p * per_partition;
    std::fill(next.begin(), next.end(), 0);
    for (size_t i = starts[p]; i < starts[p + 1]; ++i) ++next[Bucket(Tin(split[i])) - first_bucket];
    uint32_t at = static_cast<uint32_t>(starts[p]);
    for (size_t b = 0; b < per_partition; ++b) {
      offsets_[first_bucket + b] = at;
      const uint32_t c = next[b];
      next[b] = at;
      at += c;
    }
    for (size_t i = starts[p]; i < starts[p + 1]; ++i) entries_[next[Bucket(Tin(split[i])) - first_bucket]++] = split[i];
  }
  offsets_[buckets] = static_cast<uint32_t>(n);
  size_ = n;
  built_ = true;
  return n;
}

}  // namespace custodian
