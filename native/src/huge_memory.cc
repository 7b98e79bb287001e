#include "huge_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <deque>
#include <mutex>

namespace custodian {

namespace {
struct Region {
  void *memory;
  size_t bytes;
};
std::mutex kept_mutex;
std::deque<Region> kept;  // oldest first
size_t kept_bytes = 0;
}  // namespace

void *TakeHuge(size_t bytes, size_t *granted) {
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  if (rounded == 0) {
    *granted = 0;
    return nullptr;
  }
  {
    // The smallest kept region that fits and is not more than twice the size asked.
    std::lock_guard<std::mutex> lock(kept_mutex);
    auto best = kept.end();
    for (auto it = kept.begin(); it != kept.end(); ++it)
      if (it->bytes >= rounded && it->bytes <= 2 * rounded && (best == kept.end() || it->bytes < best->bytes))
        best = it;
    if (best != kept.end()) {
      const Region r = *best;
      kept.erase(best);
      kept_bytes -= r.bytes;
      *granted = r.bytes;
      return r.memory;
    }
  }
  void *memory = std::aligned_alloc(kHugePage, rounded);
  if (!memory) {
    *granted = 0;
    return nullptr;
  }
#ifdef MADV_HUGEPAGE
  madvise(memory, rounded, MADV_HUGEPAGE);
#endif
  *granted = rounded;
  return memory;
}

void FreeHuge(void *memory, size_t granted) {
  if (!memory) return;
  std::deque<Region> released;
  {
    std::lock_guard<std::mutex> lock(kept_mutex);
    if (granted > kKeptBytes) {
      released.push_back({memory, granted});
    } else {
      kept.push_back({memory, granted});
      kept_bytes += granted;
      while (kept_bytes > kKeptBytes) {
        released.push_back(kept.front());
        kept_bytes -= kept.front().bytes;
        kept.pop_front();
      }
    }
  }
  for (const Region &r : released) std::free(r.memory);
}

size_t ReleaseKeptHuge() {
  std::deque<Region> released;
  {
    std::lock_guard<std::mutex> lock(kept_mutex);
    released.swap(kept);
    kept_bytes = 0;
  }
  for (const Region &r : released) std::free(r.memory);
  return released.size();
}

size_t KeptHugeBytes() {
  std::lock_guard<std::mutex> lock(kept_mutex);
  return kept_bytes;
}

}  // namespace custodian
