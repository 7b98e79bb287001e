// The comparison levels of one candidate pair (a request and a taxpayer), as the SQL reference
// implementation defines them (src/match/pair-levels-reference.ts, src/match/comparisons.ts).
// Everything here is a pure function of its arguments and of the read-only name table (the
// memo only remembers answers), so DuckDB may call it from any number of threads at once.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "similarity.h"

namespace custodian {

// A SQL value that may be NULL.
template <typename T>
struct Maybe {
  T value{};
  bool valid = false;
};
using Text = Maybe<std::string_view>;

// A 64-bit hash of a text (name table and memo keys).
uint64_t HashText(std::string_view s);

// The first and the last sizeof(W) of `n` bytes (sizeof(W) <= n <= 2 sizeof(W)) equal: all of
// them, the two words overlapping.
template <typename W>
inline bool SameEnds(const char *x, const char *y, size_t n) {
  W x0, y0, x1, y1;
  std::memcpy(&x0, x, sizeof(W));
  std::memcpy(&y0, y, sizeof(W));
  std::memcpy(&x1, x + n - sizeof(W), sizeof(W));
  std::memcpy(&y1, y + n - sizeof(W), sizeof(W));
  return x0 == y0 && x1 == y1;
}

// Equality of two texts, without a library call for the short ones (names, decimal hashes): up
// to 16 bytes compared as two overlapping words, or halves, or bytes.
inline bool Same(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *x = a.data(), *y = b.data();
  if (n >= 8) return n > 16 ? std::memcmp(x, y, n) == 0 : SameEnds<uint64_t>(x, y, n);
  if (n >= 4) return SameEnds<uint32_t>(x, y, n);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// A text with its byte signature (what the Jaro-Winkler threshold tests read of it).
struct SignedText {
  Text text;
  Signature signature;
  static SignedText Of(const Text &t);
};

// A name with the facts about it that several tests read.
struct Name : SignedText {
  uint64_t hash = 0;
  int64_t code_points = 0;
  static Name Of(const Text &t);
};

// A list of name tokens as the SQL holds it: NULL, or the tokens of a text split on spaces.
struct Tokens {
  bool valid = false;
  std::string_view text;
  bool single = false;  // the text is the only token

  static Tokens Single(const Text &t) { return {t.valid, t.value, true}; }
  // A family name's tokens: `joined` (the tokens joined by spaces) NULL means the one token
  // `family`; an empty `joined` means no token.
  static Tokens Family(const Text &joined, const Text &family) {
    return joined.valid ? Tokens{true, joined.value, false} : Single(family);
  }
  // string_split(s, ' '): an empty text is one empty token.
  static Tokens Split(const Text &s) {
    if (s.valid && s.value.empty()) return {true, s.value, true};
    return {s.valid, s.value, false};
  }

  template <typename F>
  bool Any(F f) const {
    if (!valid) return false;
    if (single) return f(text);
    if (text.empty()) return false;
    size_t start = 0;
    for (;;) {
      const size_t end = text.find(' ', start);
      if (f(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start))) return true;
      if (end == std::string_view::npos) return false;
      start = end + 1;
    }
  }
  bool Contains(std::string_view x) const {
    return Any([&](std::string_view t) { return Same(t, x); });
  }
  // list_has_all(this, other): every token of `other` is one of these (true for no tokens).
  bool HasAll(const Tokens &other) const {
    if (!valid || !other.valid) return false;
    return !other.Any([&](std::string_view t) { return !Contains(t); });
  }
  bool Intersects(const Tokens &other) const {
    if (!valid || !other.valid) return false;
    return other.Any([&](std::string_view t) { return Contains(t); });
  }
  Text First() const {
    Text first;
    Any([&](std::string_view t) {
      first = {t, true};
      return true;
    });
    return first;
  }
};

// One address of record (or the request's address) as the comparison record holds it: the whole
// normalised address as a 64-bit hash and the ZIP as an integer, each written in decimal (only
// their equality is tested: equal text, equal value), the house number, the street name (its
// spelling is compared) and city with state (joined by U+001D) as text.
// Five consecutive fields, in this order (as the records hold them).
enum AddressField { kKey, kHouse, kStreet, kZip, kLocality, kAddressFields };

// The request's fields. `family_tokens`: the family name's tokens joined by spaces, NULL when
// the name is its own single token.
struct Request {
  Text given_first, given_rest, given_std, family_std, family_tokens, family_phonetic;
  Text middle_std, suffix;
  Maybe<int32_t> dob;  // YYYYMMDD
  Maybe<int32_t> tin;
  Text address[kAddressFields];
  // The master frequency of the request's given and family names, as written and swapped (the
  // weight of an exact agreement).
  Maybe<double> tf_given, tf_given_swapped, tf_family, tf_family_swapped;
};

// What the comparisons derive from a request alone, once per request. Hashes and lengths in code
// points are read of the names a given name is compared as (the given name, or the family
// name's first token when names are swapped); of the others, only the signature.
struct RequestFacts {
  Name given_first, family_first;
  SignedText family_std, given_std, given_std_first;
  Tokens family_tokens, given_std_tokens;
  // soundex(split_part(given_std, ' ', 1)): the given names read as a family name.
  char given_phonetic[4] = {0, 0, 0, 0};
  bool given_phonetic_valid = false;
  Text GivenPhonetic() const { return {std::string_view(given_phonetic, 4), given_phonetic_valid}; }
  static RequestFacts Of(const Request &r);
};

// The taxpayer's fields, with every earlier address of record; the addresses point into the
// fields of the parsed record (kAddressFields each).
struct Taxpayer {
  int32_t tin = 0;
  Text given_first, given_rest, middle_std, family_std, family_tokens, family_phonetic, suffix;
  Maybe<int32_t> dob;
  const Text *address = nullptr;
  const Text *prior = nullptr;
  size_t prior_count = 0;
};

// The given-name reference data: for a name, the formal names it can stand for and its
// variants (every nickname of those formals). A name absent from the table is its own only
// formal and variant.
class NameTable {
 public:
  void Add(const std::string &name, const std::vector<std::string> &formals, const std::vector<std::string> &variants);
  // Whether the two names share a formal name.
  bool ShareFormal(const Name &a, const Name &b) const;
  // Whether the Jaro-Winkler similarity of `a` to `b` or to any variant of `b` reaches the
  // threshold (the largest of them does).
  bool AnyVariantAtLeast(const Name &a, const Name &b, const JaroWinklerThreshold &t) const;
  // Whether `variant` is a variant of `name` (false when `name` is not in the table).
  bool IsVariant(const Name &name, std::string_view variant) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<uint32_t> formals;  // ids, sorted
    std::vector<std::string_view> variants;
    std::vector<Signature> variant_signatures;
  };
  // Every text the table knows — a name with an entry, a formal with an id, or both — by hash
  // (open addressing).
  struct Slot {
    uint64_t hash = 0;
    std::string_view text;
    int32_t entry = -1;
    int32_t formal = -1;
  };
  Slot *Lookup(std::string_view text, uint64_t hash, bool insert);
  const Slot *Lookup(std::string_view text, uint64_t hash) const;
  std::string_view Own(const std::string &s);
  std::deque<std::string> strings_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_ = std::vector<Slot>(size_t{1} << 14);
  size_t used_ = 0;
  int32_t formals_ = 0;
};

// A per-thread memo of what the given-name comparison learns from two different names alone
// (nickname lists, similarities), keyed by the names' hashes: given names recur (a few thousand
// make most of a population), so most pairs find their answer here. 2^16 slots of 16 bytes
// (1 MB); emptied when half full. Family names recur less and their tests are cheap: not
// memoised.
class PairMemo {
 public:
  // The value (0-7) stored for the names hashed `a`, `b`, or -1.
  int Get(uint64_t a, uint64_t b) const;
  // Asks the memory for the slot where the names hashed `a`, `b` would be (the memo outgrows
  // the caches the pairs' other reads pass through).
  void Prefetch(uint64_t a, uint64_t b) const { __builtin_prefetch(&slots_[Home(a | 1, b & ~uint64_t{7})]); }
  void Put(uint64_t a, uint64_t b, int value);

 private:
  // A slot holds both hashes (bit 0 of the first set, so 0 means empty; the low three bits of
  // the second replaced by the value): two pairs of names share a slot's key only if their
  // hashes agree on 124 bits.
  struct Slot {
    uint64_t a = 0;
    uint64_t b_value = 0;
  };
  static constexpr size_t kSlots = size_t{1} << 16;
  static size_t Home(uint64_t a, uint64_t b);
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
  size_t used_ = 0;
};

// The levels of a pair (-1 = missing), as packed into the kernel's result.
struct Levels {
  int given = -1, family = -1, middle = -1, suffix = 0, dob = -1, address = 0, tin = -1;
  bool swapped = false, address_current = false, suffix_pair = false;
};

// `facts`: RequestFacts::Of(r); `memo`: the calling thread's memo (results never depend on it,
// only the time they take).
Levels ComparePair(const Request &r, const RequestFacts &facts, const Taxpayer &p, const NameTable &names,
                   PairMemo &memo);

// The packed form (one BIGINT): each level plus one in three bits, then the three flags. The
// layout is read back in SQL by src/match/native-kernel.ts (PACKED_LEVELS).
int64_t Pack(const Levels &l);

}  // namespace custodian
