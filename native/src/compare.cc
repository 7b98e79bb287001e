#include "compare.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace custodian {

namespace {

// The thresholds of comparisons.ts.
const JaroWinklerThreshold kJwClose(0.92);
const JaroWinklerThreshold kJwStreet(0.9);
const JaroWinklerThreshold kJwAlike(0.8);

template <typename T>
bool Eq(const Maybe<T> &a, const Maybe<T> &b) {
  return a.valid && b.valid && a.value == b.value;
}
inline bool Eq(const Text &a, const Text &b) { return a.valid && b.valid && Same(a.value, b.value); }

// `a IS NOT DISTINCT FROM b`.
bool NotDistinct(const Text &a, const Text &b) { return a.valid == b.valid && (!a.valid || Same(a.value, b.value)); }

bool JwTest(const JaroWinklerThreshold &t, const SignedText &a, const SignedText &b) {
  return a.text.valid && b.text.valid && t.Test(a.text.value, a.signature, b.text.value, b.signature);
}

// The address level of the request's address `r` against one address of record `x` (each
// kAddressFields fields).
int AddressLevel(const Text *r, const Text *x) {
  if (Eq(r[kKey], x[kKey])) return 4;
  const bool house = Eq(r[kHouse], x[kHouse]);
  const bool zip = Eq(r[kZip], x[kZip]);
  const bool street = Eq(r[kStreet], x[kStreet]);
  if (!house && !zip) return 0;
  if (house && street && (zip || Eq(r[kLocality], x[kLocality]))) return 3;
  const Text &rs = r[kStreet], &xs = x[kStreet];
  if (house && zip && rs.valid && xs.valid &&
      (kJwStreet.Test(rs.value, xs.value) ||
       (std::llabs(CodePoints(rs.value) - CodePoints(xs.value)) <= 1 && WithinOneEdit(rs.value, xs.value))))
    return 3;
  if ((house && street) || (street && zip)) return 2;
  if (zip) return 1;
  return 0;
}

int Digit(int32_t x, int i) {
  static const int32_t kPow[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  return (x / kPow[i]) % 10;
}

// Two dates YYYYMMDD one edit apart on their eight digits (comparisons.ts, dateDigitsOneEditSql).
bool DateDigitsOneEdit(int32_t a, int32_t b) {
  int differing = 0;
  for (int i = 0; i < 8; ++i) differing += Digit(a, i) != Digit(b, i);
  if (differing == 1) return true;
  if (differing != 2) return false;
  for (int i = 0; i < 7; ++i)
    if (Digit(a, i) == Digit(b, i + 1) && Digit(a, i + 1) == Digit(b, i) && Digit(a, i) != Digit(a, i + 1))
      return true;
  return false;
}

int DobLevel(const Maybe<int32_t> &r, const Maybe<int32_t> &p) {
  if (!r.valid || !p.valid) return -1;
  const int32_t a = r.value, b = p.value;
  if (a == b) return 5;
  const int32_t ya = a / 10000, yb = b / 10000;
  const int32_t ma = (a / 100) % 100, mb = (b / 100) % 100;
  const int32_t da = a % 100, db = b % 100;
  if (ya == yb && ma == db && da == mb) return 4;
  if (std::abs(ya - yb) <= 1 && DateDigitsOneEdit(a, b)) return 3;
  if ((a % 10000 == b % 10000 && std::abs(ya - yb) == 1) || a / 100 == b / 100) return 2;
  if (ya == yb) return 1;
  return 0;
}

// A valid name's byte signature and length in code points (SignatureOf and CodePoints in one
// pass over the bytes).
inline void Sign(Name &n) {
  const std::string_view s = n.text.value;
  uint64_t bytes = 0;
  int64_t continuation = 0;
  for (unsigned char c : s) {
    bytes |= uint64_t{1} << (c & 63);
    continuation += (c & 0xC0) == 0x80;
  }
  n.signature = {static_cast<uint32_t>(s.size()), bytes};
  n.code_points = static_cast<int64_t>(s.size()) - continuation;
}

// A taxpayer's name whose hash, signature and length are computed when first asked for.
class LazyName {
 public:
  explicit LazyName(const Text &t) { name_.text = t; }
  const Text &text() const { return name_.text; }
  const Name &Hashed() {
    if (!hashed_ && name_.text.valid) name_.hash = HashText(name_.text.value);
    hashed_ = true;
    return name_;
  }
  const Name &Signed() {
    if (!signed_ && name_.text.valid) Sign(name_);
    signed_ = true;
    return name_;
  }
  const Name &Full() {
    Hashed();
    return Signed();
  }

 private:
  Name name_;
  bool hashed_ = false, signed_ = false;
};

// What the given-name comparison knows from two different names alone (comparisons.ts: g_equiv,
// g_close, g_similar), as bits.
constexpr int kEquivalent = 1, kClose = 2, kSimilar = 4;

int GivenNameFeatures(const Name &rg, LazyName &lazy_pg, const NameTable &names, PairMemo &memo) {
  int features = memo.Get(rg.hash, lazy_pg.Hashed().hash);
  if (features >= 0) return features;
  const Name &pg = lazy_pg.Full();
  features = 0;
  if (names.ShareFormal(rg, pg)) features |= kEquivalent;
  if (names.AnyVariantAtLeast(rg, pg, kJwClose) || (rg.code_points >= 4 && WithinOneEdit(rg.text.value, pg.text.value)))
    features |= kClose;
  if (JwTest(kJwAlike, rg, pg) ||
      ((rg.code_points == 1 || pg.code_points == 1) &&
       FirstCodePoint(rg.text.value) == FirstCodePoint(pg.text.value)))
    features |= kSimilar;
  memo.Put(rg.hash, pg.hash, features);
  return features;
}

// The given-name level with the request's names oriented (`rg`, `rg_rest`: its given name, or
// its family name when written the other way round, which then has no rest).
int GivenLevel(const Name &rg, const Text &rg_rest, const Text &r_middle, const Taxpayer &p, LazyName &pg,
               const NameTable &names, PairMemo &memo) {
  if (!rg.text.valid || !pg.text().valid) return -1;
  if (Same(rg.text.value, pg.text().value)) {
    const bool whole = NotDistinct(rg_rest, p.given_rest) || (!p.given_rest.valid && Eq(rg_rest, p.middle_std)) ||
                       (!rg_rest.valid && Eq(p.given_rest, r_middle));
    return whole ? 4 : 3;
  }
  const int features = GivenNameFeatures(rg, pg, names, memo);
  if (features & kEquivalent) return 3;
  // The full middle name: the request's given name (longer than a letter) is the taxpayer's
  // middle name.
  if ((features & kClose) || (rg.code_points > 1 && Eq(rg.text, p.middle_std))) return 2;
  // The taxpayer's middle name is one letter, the request's given name's initial.
  if ((features & kSimilar) ||
      (p.middle_std.valid && FirstCodePoint(rg.text.value) == p.middle_std.value && CodePoints(p.middle_std.value) == 1))
    return 1;
  return 0;
}

// The family-name level with the request's family name oriented (`rf`, its tokens, first token
// and Soundex); `pf`, `p_tokens`, `p_first`: the taxpayer's.
int FamilyLevel(const SignedText &rf, const Tokens &r_tokens, const SignedText &r_first, const Text &r_phonetic,
                const Taxpayer &p, LazyName &pf, const Tokens &p_tokens, LazyName &p_first) {
  if (!rf.text.valid || !pf.text().valid) return -1;
  if (Same(rf.text.value, pf.text().value)) return 4;
  if (p_tokens.HasAll(r_tokens) || r_tokens.HasAll(p_tokens)) return 3;
  if (r_tokens.Intersects(p_tokens) || JwTest(kJwClose, rf, pf.Signed())) return 2;
  if (Eq(r_phonetic, p.family_phonetic) || JwTest(kJwAlike, r_first, p_first.Signed())) return 1;
  return 0;
}

}  // namespace

uint64_t HashText(std::string_view s) {
  // 8 bytes at a time, each word multiplied into the state (a wyhash-like mix); the length
  // seeds it so that prefixes differ.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xBF58476D1CE4E5B9ull);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 29;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 32;
  return h;
}

SignedText SignedText::Of(const Text &t) {
  SignedText n;
  n.text = t;
  if (t.valid) n.signature = SignatureOf(t.value);
  return n;
}

Name Name::Of(const Text &t) {
  Name n;
  n.text = t;
  if (t.valid) {
    n.hash = HashText(t.value);
    Sign(n);
  }
  return n;
}

RequestFacts RequestFacts::Of(const Request &r) {
  RequestFacts f;
  f.given_first = Name::Of(r.given_first);
  f.family_tokens = Tokens::Family(r.family_tokens, r.family_std);
  f.family_first = Name::Of(f.family_tokens.First());
  f.family_std = SignedText::Of(r.family_std);
  f.given_std = SignedText::Of(r.given_std);
  f.given_std_tokens = Tokens::Split(r.given_std);
  f.given_std_first = SignedText::Of(f.given_std_tokens.First());
  if (f.given_std_first.text.valid)
    f.given_phonetic_valid = Soundex(f.given_std_first.text.value, f.given_phonetic);
  return f;
}

// --- the name table ----------------------------------------------------------------------------

std::string_view NameTable::Own(const std::string &s) {
  strings_.push_back(s);
  return strings_.back();
}

NameTable::Slot *NameTable::Lookup(std::string_view text, uint64_t hash, bool insert) {
  if (insert && (used_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    used_ = 0;
    for (const Slot &s : old)
      if (s.text.data() != nullptr) *Lookup(s.text, s.hash, true) = s;
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot &slot = slots_[i];
    if (slot.text.data() == nullptr) {
      if (!insert) return nullptr;
      slot.hash = hash;
      slot.text = text;
      ++used_;
      return &slot;
    }
    if (slot.hash == hash && Same(slot.text, text)) return &slot;
  }
}

const NameTable::Slot *NameTable::Lookup(std::string_view text, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot &slot = slots_[i];
    if (slot.text.data() == nullptr) return nullptr;
    if (slot.hash == hash && Same(slot.text, text)) return &slot;
  }
}

void NameTable::Add(const std::string &name, const std::vector<std::string> &formals,
                    const std::vector<std::string> &variants) {
  Entry e;
  for (const auto &f : formals) {
    Slot *slot = Lookup(f, HashText(f), false);
    if (!slot) slot = Lookup(Own(f), HashText(f), true);
    if (slot->formal < 0) slot->formal = formals_++;
    e.formals.push_back(static_cast<uint32_t>(slot->formal));
  }
  std::sort(e.formals.begin(), e.formals.end());
  for (const auto &v : variants) {
    e.variants.push_back(Own(v));
    e.variant_signatures.push_back(SignatureOf(v));
  }
  Slot *slot = Lookup(name, HashText(name), false);
  if (!slot) slot = Lookup(Own(name), HashText(name), true);
  slot->entry = static_cast<int32_t>(entries_.size());
  entries_.push_back(std::move(e));
}

bool NameTable::ShareFormal(const Name &a, const Name &b) const {
  const Slot *sa = Lookup(a.text.value, a.hash);
  const Slot *sb = Lookup(b.text.value, b.hash);
  const Entry *ea = sa && sa->entry >= 0 ? &entries_[sa->entry] : nullptr;
  const Entry *eb = sb && sb->entry >= 0 ? &entries_[sb->entry] : nullptr;
  // A name absent from the table is its own only formal.
  if (!ea && !eb) return a.text.value == b.text.value;
  if (!ea || !eb) {
    const Entry &known = ea ? *ea : *eb;
    const Slot *alone = ea ? sb : sa;
    return alone && alone->formal >= 0 &&
           std::binary_search(known.formals.begin(), known.formals.end(), static_cast<uint32_t>(alone->formal));
  }
  size_t i = 0, j = 0;
  while (i < ea->formals.size() && j < eb->formals.size()) {
    if (ea->formals[i] == eb->formals[j]) return true;
    if (ea->formals[i] < eb->formals[j])
      ++i;
    else
      ++j;
  }
  return false;
}

bool NameTable::AnyVariantAtLeast(const Name &a, const Name &b, const JaroWinklerThreshold &t) const {
  const Slot *slot = Lookup(b.text.value, b.hash);
  if (!slot || slot->entry < 0) return JwTest(t, a, b);
  const Entry &e = entries_[slot->entry];
  for (size_t i = 0; i < e.variants.size(); ++i)
    if (t.Test(a.text.value, a.signature, e.variants[i], e.variant_signatures[i])) return true;
  return false;
}

bool NameTable::IsVariant(const Name &name, std::string_view variant) const {
  const Slot *slot = Lookup(name.text.value, name.hash);
  if (!slot || slot->entry < 0) return false;
  for (const auto &v : entries_[slot->entry].variants)
    if (Same(v, variant)) return true;
  return false;
}

// --- the memo ----------------------------------------------------------------------------------

size_t PairMemo::Home(uint64_t a, uint64_t b) {
  uint64_t h = a * 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 32) ^ b) * 0xBF58476D1CE4E5B9ull;
  return static_cast<size_t>(h ^ (h >> 29)) & (kSlots - 1);
}

int PairMemo::Get(uint64_t a, uint64_t b) const {
  a |= 1;
  b &= ~uint64_t{7};
  for (size_t i = Home(a, b);; i = (i + 1) & (kSlots - 1)) {
    const Slot &slot = slots_[i];
    if (slot.a == 0) return -1;
    if (slot.a == a && (slot.b_value & ~uint64_t{7}) == b) return static_cast<int>(slot.b_value & 7);
  }
}

void PairMemo::Put(uint64_t a, uint64_t b, int value) {
  if (used_ >= kSlots / 2) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    used_ = 0;
  }
  a |= 1;
  b &= ~uint64_t{7};
  for (size_t i = Home(a, b);; i = (i + 1) & (kSlots - 1)) {
    Slot &slot = slots_[i];
    if (slot.a == a && (slot.b_value & ~uint64_t{7}) == b) return;
    if (slot.a == 0) {
      slot = Slot{a, b | static_cast<uint64_t>(value & 7)};
      ++used_;
      return;
    }
  }
}

// --- a pair ------------------------------------------------------------------------------------

Levels ComparePair(const Request &r, const RequestFacts &f, const Taxpayer &p, const NameTable &names,
                   PairMemo &memo) {
  Levels l;
  // The taxpayer's names, with what the tests read of them computed only when one does: most
  // pairs are settled by equality or by a bound on the similarity.
  LazyName pg(p.given_first);
  LazyName pf(p.family_std);
  const Tokens p_tokens = Tokens::Family(p.family_tokens, p.family_std);
  // The taxpayer's first family token: most names are their own only token.
  LazyName p_first_own(p_tokens.single ? Text{} : p_tokens.First());
  LazyName &p_first = p_tokens.single ? pf : p_first_own;
  // The given names' memo slot, fetched while the other fields are compared (the memo is read
  // only where the names differ, and then most often misses the caches).
  if (f.given_first.text.valid && pg.text().valid && !Same(f.given_first.text.value, pg.text().value))
    memo.Prefetch(f.given_first.hash, pg.Hashed().hash);

  // Given and family names written the other way round: the request's given name is (close to)
  // the taxpayer's family name, and its family name (close to, or a nickname of) the taxpayer's
  // given name; only where the given names differ.
  l.swapped = f.given_first.text.valid && f.family_first.text.valid && pg.text().valid && p_first.text().valid &&
              !Same(f.given_first.text.value, pg.text().value) &&
              (JwTest(kJwClose, f.given_first, p_first.Signed()) || p_tokens.Contains(f.given_first.text.value)) &&
              (JwTest(kJwClose, f.family_first, pg.Signed()) || Same(f.family_first.text.value, pg.text().value) ||
               names.IsVariant(pg.Hashed(), f.family_first.text.value));

  if (l.swapped) {
    l.given = GivenLevel(f.family_first, Text{}, r.middle_std, p, pg, names, memo);
    l.family = FamilyLevel(f.given_std, f.given_std_tokens, f.given_std_first, f.GivenPhonetic(), p, pf, p_tokens,
                           p_first);
  } else {
    // The family name first: the given names' memo slot is on its way meanwhile.
    l.family = FamilyLevel(f.family_std, f.family_tokens, f.family_first, r.family_phonetic, p, pf, p_tokens, p_first);
    l.given = GivenLevel(f.given_first, r.given_rest, r.middle_std, p, pg, names, memo);
  }

  if (r.middle_std.valid && p.middle_std.valid) {
    const std::string_view rm = FirstCodePoint(r.middle_std.value), pm = FirstCodePoint(p.middle_std.value);
    // left(middle_std, 1) of an empty middle name is empty, not NULL.
    l.middle = Same(r.middle_std.value, p.middle_std.value) ? 2 : Same(rm, pm) ? 1 : 0;
  }

  l.suffix = NotDistinct(r.suffix, p.suffix) ? 2 : (!r.suffix.valid || !p.suffix.valid) ? 1 : 0;
  l.suffix_pair = Eq(r.suffix, p.suffix);
  l.dob = DobLevel(r.dob, p.dob);

  // Best address over every address of record; the current one wins a tie (rule C1).
  int best = AddressLevel(r.address, p.address) * 2 + 1;
  for (size_t i = 0; i < p.prior_count && best < 9; ++i)
    best = std::max(best, AddressLevel(r.address, p.prior + i * kAddressFields) * 2);
  l.address = best / 2;
  l.address_current = best % 2 == 1;

  if (r.tin.valid) {
    if (r.tin.value != p.tin)
      l.tin = 0;
    else
      l.tin = (l.given == 0 || l.family == 0) ? 1 : 2;
  }
  return l;
}

int64_t Pack(const Levels &l) {
  const int64_t fields[] = {l.given + 1, l.family + 1, l.middle + 1, l.suffix, l.dob + 1, l.address, l.tin + 1};
  int64_t packed = 0;
  int shift = 0;
  for (int64_t f : fields) {
    packed |= f << shift;
    shift += 3;
  }
  packed |= static_cast<int64_t>(l.swapped) << shift;
  packed |= static_cast<int64_t>(l.address_current) << (shift + 1);
  packed |= static_cast<int64_t>(l.suffix_pair) << (shift + 2);
  return packed;
}

}  // namespace custodian
