// An array of trivially copyable values on transparent huge pages where the system gives them:
// the kernel's indexes are read at random, and with 4 KB pages nearly every read also walked the
// page tables. Its contents start undefined.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <type_traits>

namespace custodian {

template <typename T>
class HugeArray {
  static_assert(std::is_trivially_copyable<T>::value, "HugeArray holds plain values");

 public:
  HugeArray() = default;
  ~HugeArray() { std::free(data_); }
  HugeArray(const HugeArray &) = delete;
  HugeArray &operator=(const HugeArray &) = delete;

  // Room for `n` values (the old ones are gone); false when there is none.
  bool Reset(size_t n) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (n == 0) return true;
    constexpr size_t kHugePage = size_t{2} << 20;
    const size_t bytes = (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
    void *memory = std::aligned_alloc(kHugePage, bytes);
    if (!memory) return false;
#ifdef MADV_HUGEPAGE
    madvise(memory, bytes, MADV_HUGEPAGE);
#endif
    data_ = static_cast<T *>(memory);
    size_ = n;
    return true;
  }
  T *data() { return data_; }
  const T *data() const { return data_; }
  T &operator[](size_t i) { return data_[i]; }
  const T &operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }

 private:
  T *data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace custodian
