// An array of trivially copyable values on transparent huge pages where the system gives them:
// the kernel's indexes are read at random, and with 4 KB pages nearly every read also walked the
// page tables. Its contents start undefined. Its memory comes from, and goes back to, the kept
// huge regions (huge_memory.h).
#pragma once

#include <cstddef>
#include <type_traits>

#include "huge_memory.h"

namespace custodian {

template <typename T>
class HugeArray {
  static_assert(std::is_trivially_copyable<T>::value, "HugeArray holds plain values");

 public:
  HugeArray() = default;
  ~HugeArray() { FreeHuge(data_, granted_); }
  HugeArray(const HugeArray &) = delete;
  HugeArray &operator=(const HugeArray &) = delete;

  // Room for `n` values (the old ones are gone); false when there is none.
  bool Reset(size_t n) {
    FreeHuge(data_, granted_);
    data_ = nullptr;
    granted_ = 0;
    size_ = 0;
    if (n == 0) return true;
    void *memory = TakeHuge(n * sizeof(T), &granted_);
    if (!memory) return false;
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
  size_t granted_ = 0;
};

}  // namespace custodian
