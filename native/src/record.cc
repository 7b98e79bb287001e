#include "record.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace custodian {

namespace {

constexpr char kSeparator = '\x1f';
constexpr char kNull = '\x1e';

// Splits on the separator, 16 bytes at a time where SSE2 is there (the separators of a
// 16-byte block found with one comparison), byte by byte elsewhere. `fields` only grows; the
// count is returned. (Each field is written member by member: building a Text on the stack and
// copying it stalled on store forwarding.)
size_t Split(std::string_view record, std::vector<Text> &fields) {
  const char *data = record.data();
  const size_t n = record.size();
  // At most one field per byte, plus one.
  if (fields.size() < n + 1) fields.resize(n + 1);
  Text *out = fields.data();
  size_t start = 0, count = 0;
  auto field = [&](size_t end) {
    Text &t = out[count++];
    t.value = std::string_view(data + start, end - start);
    t.valid = !(end - start == 1 && data[start] == kNull);
    start = end + 1;
  };
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i separator = _mm_set1_epi8(kSeparator);
  for (; i + 16 <= n; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i *>(data + i));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, separator)));
    while (mask) {
      field(i + static_cast<size_t>(__builtin_ctz(mask)));
      mask &= mask - 1;
    }
  }
#endif
  for (; i < n; ++i)
    if (data[i] == kSeparator) field(i);
  field(n);
  return count;
}

// A decimal integer field (the birth date as YYYYMMDD, a TIN): NULL when absent or not digits.
Maybe<int32_t> Integer(const Text &t) {
  if (!t.valid || t.value.empty() || t.value.size() > 9) return {};
  int32_t v = 0;
  for (char c : t.value) {
    if (c < '0' || c > '9') return {};
    v = v * 10 + (c - '0');
  }
  return {v, true};
}

}  // namespace

bool ParseTaxpayer(std::string_view record, int32_t tin, std::vector<Text> &f, Taxpayer &p) {
  const size_t count = Split(record, f);
  if (count < kTaxpayerFields || (count - kTaxpayerFields) % kAddressFields != 0) return false;
  p.tin = tin;
  p.given_first = f[0];
  p.given_rest = f[1];
  p.middle_std = f[2];
  p.family_std = f[3];
  p.family_tokens = f[4];
  p.family_phonetic = f[5];
  p.suffix = f[6];
  p.dob = Integer(f[7]);
  p.address = &f[8];
  p.prior = f.data() + kTaxpayerFields;
  p.prior_count = (count - kTaxpayerFields) / kAddressFields;
  return true;
}

}  // namespace custodian
