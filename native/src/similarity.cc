#include "similarity.h"

#include <algorithm>
#include <cstdlib>

namespace custodian {

namespace {

// Jaro similarity of `a` (the first argument) and `b`. Names and streets are short; longer
// strings (rare) take the same path with heap-free bookkeeping up to 256 bytes and are otherwise
// compared the same way with a slower bitmap.
double Jaro(std::string_view a, std::string_view b) {
  const int64_t la = static_cast<int64_t>(a.size());
  const int64_t lb = static_cast<int64_t>(b.size());
  if (la == 0 || lb == 0) return 0.0;
  if (la == 1 && lb == 1) return a[0] == b[0] ? 1.0 : 0.0;
  const int64_t window = std::max<int64_t>(la, lb) / 2 - 1;

  constexpr int64_t kMax = 256;
  bool a_used_small[kMax];
  bool b_used_small[kMax];
  bool *a_used = a_used_small;
  bool *b_used = b_used_small;
  bool *heap = nullptr;
  if (la > kMax || lb > kMax) {
    heap = new bool[la + lb]();
    a_used = heap;
    b_used = heap + la;
  } else {
    std::fill(a_used, a_used + la, false);
    std::fill(b_used, b_used + lb, false);
  }

  int64_t common = 0;
  for (int64_t j = 0; j < lb; ++j) {
    const int64_t from = std::max<int64_t>(0, j - window);
    const int64_t to = std::min<int64_t>(la - 1, j + window);
    for (int64_t i = from; i <= to; ++i) {
      if (!a_used[i] && a[i] == b[j]) {
        a_used[i] = true;
        b_used[j] = true;
        ++common;
        break;
      }
    }
  }
  if (common == 0) {
    delete[] heap;
    return 0.0;
  }
  int64_t transpositions = 0;
  int64_t i = 0;
  for (int64_t j = 0; j < lb; ++j) {
    if (!b_used[j]) continue;
    while (!a_used[i]) ++i;
    if (a[i] != b[j]) ++transpositions;
    ++i;
  }
  delete[] heap;
  transpositions /= 2;
  // The same operations in the same order as DuckDB's, so the doubles agree exactly.
  double sim = 0;
  sim += static_cast<double>(common) / static_cast<double>(la);
  sim += static_cast<double>(common) / static_cast<double>(lb);
  sim += (static_cast<double>(common) - static_cast<double>(transpositions)) / static_cast<double>(common);
  return sim / 3.0;
}

}  // namespace

double JaroWinkler(std::string_view a, std::string_view b) {
  const int64_t max_prefix = std::min<int64_t>(std::min(a.size(), b.size()), 4);
  int64_t prefix = 0;
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  double sim = Jaro(a, b);
  if (sim > 0.7) sim += prefix * 0.1 * (1.0 - sim);
  return sim;
}

namespace {

// The Jaro-Winkler similarity of two texts of lengths `la`, `lb` with common prefix `prefix` if
// `common` bytes matched with no transposition: an upper bound of the similarity for any
// smaller number of matches.
double UpperBound(int64_t la, int64_t lb, int64_t common, int64_t prefix) {
  if (common == 0) return 0.0;
  double sim = (static_cast<double>(common) / la + static_cast<double>(common) / lb + 1.0) / 3.0;
  if (sim > 0.7) sim += prefix * 0.1 * (1.0 - sim);
  return sim;
}

// Bounds are compared with this margin below the threshold, far above any rounding error.
constexpr double kMargin = 1e-9;

int64_t CommonPrefix(std::string_view a, std::string_view b) {
  const size_t max_prefix = std::min<size_t>(std::min(a.size(), b.size()), 4);
  size_t prefix = 0;
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  return static_cast<int64_t>(prefix);
}

// The most bytes Jaro could match: each text's length less its bytes absent from the other
// (every absent byte value occurs at least once).
int64_t MaxCommon(const Signature &sa, const Signature &sb) {
  const int64_t a_only = __builtin_popcountll(sa.bytes & ~sb.bytes);
  const int64_t b_only = __builtin_popcountll(sb.bytes & ~sa.bytes);
  return std::min<int64_t>(static_cast<int64_t>(sa.length) - a_only, static_cast<int64_t>(sb.length) - b_only);
}

}  // namespace

Signature SignatureOf(std::string_view s) {
  Signature sig;
  sig.length = static_cast<uint32_t>(s.size());
  for (unsigned char c : s) sig.bytes |= uint64_t{1} << (c & 63);
  return sig;
}

JaroWinklerThreshold::JaroWinklerThreshold(double threshold) : threshold_(threshold) {
  for (uint32_t la = 0; la < kLengths; ++la)
    for (uint32_t lb = 0; lb < kLengths; ++lb)
      for (int64_t prefix = 0; prefix <= 4; ++prefix) {
        int64_t m = 0;
        const int64_t most = std::min(la, lb);
        if (la > 0 && lb > 0)
          while (m <= most && UpperBound(la, lb, m, prefix) < threshold - kMargin) ++m;
        min_common_[la][lb][prefix] = static_cast<uint8_t>(m);  // most + 1: never reached
      }
}

bool JaroWinklerThreshold::Test(std::string_view a, const Signature &sa, std::string_view b,
                                const Signature &sb) const {
  if (a.empty() || b.empty()) return 0.0 >= threshold_;
  const int64_t common = MaxCommon(sa, sb);
  if (sa.length < kLengths && sb.length < kLengths) {
    // First with the largest prefix (a bound for any prefix: most pairs stop here), then with
    // the pair's own.
    const auto &needed = min_common_[sa.length][sb.length];
    if (common < needed[4] || common < needed[CommonPrefix(a, b)]) return false;
  } else if (UpperBound(sa.length, sb.length, common, CommonPrefix(a, b)) < threshold_ - kMargin) {
    return false;
  }
  return JaroWinkler(a, b) >= threshold_;
}

bool WithinOneEdit(std::string_view a, std::string_view b) {
  const size_t la = a.size();
  const size_t lb = b.size();
  if (la > lb + 1 || lb > la + 1) return false;
  size_t i = 0;
  const size_t shorter = std::min(la, lb);
  while (i < shorter && a[i] == b[i]) ++i;
  if (la == lb) {
    if (i == la) return true;
    // One substitution: the rest agrees.
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    // One transposition of two adjacent bytes.
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  // One insertion or deletion: skip a byte of the longer at the first difference.
  return la > lb ? a.substr(i + 1) == b.substr(i) : a.substr(i) == b.substr(i + 1);
}

bool Soundex(std::string_view word, char out[4]) {
  // Letter codes by position in the alphabet; '-' for H and W, which separate nothing (deleted),
  // '0' for vowels and Y, which separate equal codes.
  static const char kCodes[] = "0123012-02245501262301-202";
  char first = 0;
  char last = 0;  // the previous code kept (the first letter's: H or W counts as '0')
  size_t k = 1;
  for (char ch : word) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (ch < 'A' || ch > 'Z') continue;
    const char code = kCodes[ch - 'A'];
    if (!first) {
      first = ch;
      last = code == '-' ? '0' : code;
      continue;
    }
    // H and W are deleted (the codes on both sides merge); a run of one code is kept once, and
    // the first letter's code suppresses an equal code right after it; vowels are dropped but
    // separate equal codes.
    if (code == '-' || (code != '0' && code == last)) continue;
    last = code;
    if (code != '0') {
      out[k++] = code;
      if (k == 4) break;
    }
  }
  if (!first) return false;
  out[0] = first;
  while (k < 4) out[k++] = '0';
  return true;
}

int64_t CodePoints(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string_view FirstCodePoint(std::string_view s) {
  if (s.empty()) return s;
  size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return s.substr(0, n);
}

}  // namespace custodian
