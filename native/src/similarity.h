// String similarities as DuckDB's SQL functions compute them, so that the kernel's levels are
// the SQL reference's to the last bit (the thresholds 0.8, 0.9 and 0.92 are compared on the very
// same doubles).
#pragma once

#include <cstdint>
#include <string_view>

namespace custodian {

// jaro_winkler_similarity(a, b) as DuckDB computes it: Jaro over bytes with the match window
// max(|a|, |b|) / 2 - 1, each byte of `b` in turn matched to the first unmatched equal byte of
// `a` within the window; transpositions counted over the matched bytes in order and halved;
// Winkler's boost of 0.1 per common prefix byte (up to 4) when the Jaro similarity is above 0.7.
// An empty string has similarity 0.
double JaroWinkler(std::string_view a, std::string_view b);

// What the threshold tests need to know of a text without reading it again: its length in
// bytes and which bytes occur in it (by their low six bits; distinct bytes may share a bit).
struct Signature {
  uint32_t length = 0;
  uint64_t bytes = 0;
};
Signature SignatureOf(std::string_view s);

// JaroWinkler(a, b) >= threshold, deciding most pairs without computing the similarity: the
// number of bytes Jaro can match is at most the length of each text less the bytes of it that do
// not occur in the other, and with that many matches and no transposition the similarity is at
// its largest; below the threshold even then, the answer is no. The smallest such number of
// matches that could reach the threshold is tabled per pair of lengths and common prefix. The
// answer is the full test's for every pair (the table keeps a margin far above rounding error).
class JaroWinklerThreshold {
 public:
  explicit JaroWinklerThreshold(double threshold);
  bool Test(std::string_view a, const Signature &sa, std::string_view b, const Signature &sb) const;
  bool Test(std::string_view a, std::string_view b) const { return Test(a, SignatureOf(a), b, SignatureOf(b)); }

 private:
  static constexpr uint32_t kLengths = 32;  // texts of this many bytes or more take the slow path
  double threshold_;
  // min_common_[la][lb][prefix]: fewer matches than this cannot reach the threshold.
  uint8_t min_common_[kLengths][kLengths][5];
};

// damerau_levenshtein(a, b) <= 1: equal, or one byte substituted, inserted or deleted, or two
// adjacent bytes transposed.
bool WithinOneEdit(std::string_view a, std::string_view b);

// soundex(word) of the standardiser's macros (src/standardize/macros.ts) for a word of its
// standardised text (upper-case A-Z, digits): American Soundex of the word's letters. Writes the
// four characters to `out`; false (NULL) when the word has no letter.
bool Soundex(std::string_view word, char out[4]);

// length(s) in SQL: the number of Unicode code points of UTF-8 text.
int64_t CodePoints(std::string_view s);

// s[1] in SQL: the first code point, as its bytes (empty for an empty string).
std::string_view FirstCodePoint(std::string_view s);

}  // namespace custodian
