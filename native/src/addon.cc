// The Node addon: resolves DuckDB's C API from the loaded libduckdb and registers the kernel's
// SQL functions on a database, given one of its connections (@duckdb/node-api's handle).
//
//   custodian_request_load(request_set, row_no, <19 fields of the request>) -> BOOLEAN
//       keeps one request of a chunk (createRequestSet makes the set, releaseRequestSet frees it)
//   custodian_pair_load(request_set, row_no, tin) -> BOOLEAN
//       adds one candidate pair to the set (indexPairs then indexes them by taxpayer)
//   custodian_score_taxpayer(request_set, tin, taxpayer_record, model) -> INTEGER
//       scores every pair of the set with that taxpayer; returns how many
//   custodian_scored(request_set) -> TABLE(row_no BIGINT, tin INTEGER, k BIGINT, weight DOUBLE)
//       the set's scored pairs: packed levels and match weight
//   custodian_jaro_winkler(a, b) -> DOUBLE                              (tests: equal to DuckDB's)
//   custodian_jaro_winkler_at_least(a, b, t) -> BOOLEAN                 (tests: the bounded test)
//   custodian_soundex(word) -> VARCHAR                                 (tests: the standardiser's soundex)
//   custodian_within_one_edit(a, b) -> BOOLEAN                          (tests: damerau_levenshtein <= 1)
//
// The taxpayers' records are those of record.h (written by src/match/compare-master.ts), a
// request's fields its columns; `model` is an id from registerModel (0: levels only, weight 0).

#include <dlfcn.h>
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "compare.h"
#include "duckdb_api.h"
#include "huge_memory.h"
#include "process_memory.h"
#include "record.h"
#include "requests.h"
#include "similarity.h"
#include "weights.h"

namespace {

using custodian::Maybe;
using custodian::NameTable;
using custodian::Request;
using custodian::Taxpayer;
using custodian::Text;

duck::Api api;
bool api_loaded = false;

struct Column {
  const void *data = nullptr;
  const uint64_t *validity = nullptr;

  explicit Column(duck::Vector v) : data(api.vector_get_data(v)), validity(api.vector_get_validity(v)) {}
  Column() = default;
  bool Valid(duck::idx_t i) const { return !validity || ((validity[i >> 6] >> (i & 63)) & 1); }
  Text GetText(duck::idx_t i) const {
    if (!Valid(i)) return {};
    const auto &s = static_cast<const duck::StringValue *>(data)[i];
    return {std::string_view(s.data(), s.size()), true};
  }
  template <typename T>
  Maybe<T> Get(duck::idx_t i) const {
    if (!Valid(i)) return {};
    return {static_cast<const T *>(data)[i], true};
  }
};

// The request set a statement names (a constant of the statement): looked up once per vector.
// Every row must name the same set; when none is found, or rows name different sets, the
// function's error is set ("<function>: an unknown request set, or more than one") and the
// result is nullptr (nullptr without an error for an empty vector).
std::shared_ptr<custodian::RequestSet> StatementSet(duck::FunctionInfo info, const char *function,
                                                    const Column &set_ids, duck::idx_t n) {
  if (n == 0) return nullptr;  // nothing to do, nothing wrong
  std::shared_ptr<custodian::RequestSet> set;
  int id = -1;
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int32_t> s = set_ids.Get<int32_t>(i);
    if (!s.valid) continue;
    if (id < 0) {
      id = s.value;
      set = custodian::RequestSetById(id);
    } else if (s.value != id) {
      set = nullptr;
      break;
    }
  }
  if (!set) {
    const std::string error = std::string(function) + ": an unknown request set, or more than one";
    api.scalar_function_set_error(info, error.c_str());
  }
  return set;
}

// custodian_pair_load(request_set, row_no, tin) -> BOOLEAN: adds the candidate pairs of a vector
// to the set's pair index (room reserved by reservePairs; before custodian_score_taxpayer, the
// index built in between).
void PairLoadFunction(duck::FunctionInfo info, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column set_ids(api.data_chunk_get_vector(input, 0));
  const Column row_nos(api.data_chunk_get_vector(input, 1));
  const Column tins(api.data_chunk_get_vector(input, 2));
  auto *out = static_cast<bool *>(api.vector_get_data(output));
  const auto set = StatementSet(info, "custodian_pair_load", set_ids, n);
  if (!set) return;
  thread_local std::vector<uint64_t> block;
  block.clear();
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int64_t> row_no = row_nos.Get<int64_t>(i);
    const Maybe<int32_t> tin = tins.Get<int32_t>(i);
    const int64_t slot = row_no.valid ? row_no.value - set->first() : -1;
    if (!tin.valid || slot < 0 || slot >= set->count()) {
      api.scalar_function_set_error(info, "custodian_pair_load: a pair without a TIN, or whose request is not in the set");
      return;
    }
    block.push_back(custodian::PairIndex::Entry(tin.value, static_cast<uint32_t>(slot)));
    out[i] = true;
  }
  if (!set->pairs.Add(block.data(), block.size()))
    api.scalar_function_set_error(
        info, "custodian_pair_load: more pairs than the set has room for (reservePairs), or its pairs are already indexed");
}

// custodian_score_taxpayer(request_set, tin, taxpayer_record, model) -> INTEGER: compares one
// taxpayer with every request it is a candidate for in the set (its pairs in the set's index),
// keeps each pair's packed levels and weight in the set (read back by custodian_scored), and
// returns how many pairs it scored. Called over every taxpayer of mst_cmp: the kernel does the
// join itself.
void ScoreTaxpayerFunction(duck::FunctionInfo info, duck::DataChunk input, duck::Vector output) {
  const auto *names = static_cast<const NameTable *>(api.scalar_function_get_extra_info(info));
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column set_ids(api.data_chunk_get_vector(input, 0));
  const Column tins(api.data_chunk_get_vector(input, 1));
  const Column taxpayer_records(api.data_chunk_get_vector(input, 2));
  const Column model_ids(api.data_chunk_get_vector(input, 3));
  auto *out = static_cast<int32_t *>(api.vector_get_data(output));
  const auto set = StatementSet(info, "custodian_score_taxpayer", set_ids, n);
  if (!set) return;
  if (!set->pairs.built()) {
    api.scalar_function_set_error(info, "custodian_score_taxpayer: the request set's pairs are not indexed");
    return;
  }
  const custodian::Model *model = nullptr;
  for (duck::idx_t i = 0; i < n && !model; ++i) {
    const Maybe<int32_t> m = model_ids.Get<int32_t>(i);
    if (m.valid && m.value != 0) model = custodian::ModelById(m.value);
  }
  // Per DuckDB worker thread, kept across calls: the memo's answers are functions of names, and
  // the buffers are only reused.
  thread_local custodian::PairMemo memo;
  thread_local std::vector<Text> taxpayer_fields;
  thread_local std::vector<size_t> buckets;
  thread_local std::vector<uint64_t> work;  // (row in the vector << 32) | the pair's position in the index

  // The vector's pairs, found in the index: each look-up's bucket bounds fetched from memory
  // 16 rows ahead and its first entries (and the room for their scores) 8 rows ahead (taxpayers
  // come in storage order, their buckets at random).
  const custodian::PairIndex &index = set->pairs;
  custodian::ScoredPairs &scores = set->scored;
  const uint32_t *offsets = index.offsets();
  const uint64_t *entries = index.entries();
  constexpr size_t kNone = ~size_t{0};
  buckets.resize(n);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int32_t> tin = tins.Get<int32_t>(i);
    buckets[i] = tin.valid ? index.Bucket(tin.value) : kNone;
  }
  constexpr duck::idx_t kBoundsAhead = 16, kEntriesAhead = 8;
  for (duck::idx_t i = 0; i < n && i < kBoundsAhead; ++i)
    if (buckets[i] != kNone) __builtin_prefetch(offsets + buckets[i]);
  work.clear();
  for (duck::idx_t i = 0; i < n; ++i) {
    if (i + kBoundsAhead < n && buckets[i + kBoundsAhead] != kNone)
      __builtin_prefetch(offsets + buckets[i + kBoundsAhead]);
    if (i + kEntriesAhead < n && buckets[i + kEntriesAhead] != kNone) {
      const uint32_t start = offsets[buckets[i + kEntriesAhead]];
      if (start != offsets[buckets[i + kEntriesAhead] + 1]) {
        __builtin_prefetch(entries + start);
        scores.Prefetch(start);
      }
    }
    out[i] = 0;
    if (buckets[i] == kNone) continue;
    const int32_t tin = tins.Get<int32_t>(i).value;
    for (uint32_t j = offsets[buckets[i]], end = offsets[buckets[i] + 1]; j < end; ++j)
      if (custodian::PairIndex::Tin(entries[j]) == tin) {
        work.push_back((static_cast<uint64_t>(i) << 32) | j);
        ++out[i];
      }
  }
  if (work.empty()) return;

  // Then the pairs, each request fetched from memory a few pairs ahead of its use (requests are
  // met at random), each taxpayer's record parsed once for all its pairs.
  const auto slot_of = [&](uint64_t w) { return custodian::PairIndex::Slot(entries[static_cast<uint32_t>(w)]); };
  constexpr size_t kRequestAhead = 12;
  for (size_t w = 0; w < work.size() && w < kRequestAhead; ++w) custodian::Prefetch(set->At(slot_of(work[w])));
  Taxpayer p;
  custodian::Request request;
  custodian::RequestFacts facts;
  duck::idx_t parsed = ~duck::idx_t{0};
  for (size_t w = 0; w < work.size(); ++w) {
    if (w + kRequestAhead < work.size()) custodian::Prefetch(set->At(slot_of(work[w + kRequestAhead])));
    const duck::idx_t row = work[w] >> 32;
    const uint32_t j = static_cast<uint32_t>(work[w]);
    if (row != parsed) {
      const Text taxpayer = taxpayer_records.GetText(row);
      if (!taxpayer.valid ||
          !custodian::ParseTaxpayer(taxpayer.value, tins.Get<int32_t>(row).value, taxpayer_fields, p)) {
        api.scalar_function_set_error(info, "custodian_score_taxpayer: a taxpayer's comparison record missing or malformed");
        return;
      }
      parsed = row;
    }
    const custodian::PreparedRequest *prepared = set->At(slot_of(work[w]));
    if (!prepared->loaded()) {
      api.scalar_function_set_error(info, "custodian_score_taxpayer: a pair's request is not loaded");
      return;
    }
    prepared->Unpack(request, facts);
    const custodian::Levels levels = custodian::ComparePair(request, facts, p, *names, memo);
    scores.Set(j, model ? custodian::Weight(*model, levels, request) : 0.0, static_cast<int32_t>(custodian::Pack(levels)));
  }
  scores.Scored(work.size());
}

// custodian_scored(request_set): the set's scored pairs, (row_no BIGINT, tin INTEGER, k BIGINT,
// weight DOUBLE), in the index's order, read in parallel (each thread takes a range of pairs at a
// time). Refused unless every pair of the set was scored.
struct ScoredBind {
  std::shared_ptr<custodian::RequestSet> set;
};
struct ScoredGlobal {
  std::atomic<size_t> next{0};
};

constexpr size_t kScoredRange = size_t{1} << 16;  // pairs a thread takes at a time

void ScoredBindFunction(duck::BindInfo info) {
  duck::Value v = api.bind_get_parameter(info, 0);
  const int32_t id = api.get_int32(v);
  api.destroy_value(&v);
  auto set = custodian::RequestSetById(id);
  if (!set) {
    api.bind_set_error(info, "custodian_scored: an unknown or released request set");
    return;
  }
  if (!set->pairs.built() || set->scored.scored() != set->pairs.size()) {
    api.bind_set_error(info, "custodian_scored: the set's pairs are not all scored");
    return;
  }
  const char *columns[] = {"row_no", "tin", "k", "weight"};
  const duck::TypeId types[] = {duck::kBigint, duck::kInteger, duck::kBigint, duck::kDouble};
  for (int c = 0; c < 4; ++c) {
    duck::LogicalType t = api.create_logical_type(types[c]);
    api.bind_add_result_column(info, columns[c], t);
    api.destroy_logical_type(&t);
  }
  api.bind_set_cardinality(info, set->pairs.size(), true);
  api.bind_set_bind_data(info, new ScoredBind{std::move(set)}, [](void *p) { delete static_cast<ScoredBind *>(p); });
}

void ScoredInitFunction(duck::InitInfo info) {
  const auto *bind = static_cast<const ScoredBind *>(api.init_get_bind_data(info));
  api.init_set_init_data(info, new ScoredGlobal, [](void *p) { delete static_cast<ScoredGlobal *>(p); });
  api.init_set_max_threads(info, std::max<size_t>(1, bind->set->pairs.size() / kScoredRange));
}

// A thread's range of pairs still to hand out.
struct ScoredLocal {
  size_t at = 0, end = 0;
};

void ScoredLocalInitFunction(duck::InitInfo info) {
  api.init_set_init_data(info, new ScoredLocal, [](void *p) { delete static_cast<ScoredLocal *>(p); });
}

void ScoredFunction(duck::FunctionInfo info, duck::DataChunk output) {
  const auto *bind = static_cast<const ScoredBind *>(api.function_get_bind_data(info));
  auto *global = static_cast<ScoredGlobal *>(api.function_get_init_data(info));
  auto *local = static_cast<ScoredLocal *>(api.function_get_local_init_data(info));
  const custodian::RequestSet &set = *bind->set;
  const size_t total = set.pairs.size();
  const uint64_t *entries = set.pairs.entries();
  const int64_t first = set.first();
  auto *row_nos = static_cast<int64_t *>(api.vector_get_data(api.data_chunk_get_vector(output, 0)));
  auto *tins = static_cast<int32_t *>(api.vector_get_data(api.data_chunk_get_vector(output, 1)));
  auto *ks = static_cast<int64_t *>(api.vector_get_data(api.data_chunk_get_vector(output, 2)));
  auto *weights = static_cast<double *>(api.vector_get_data(api.data_chunk_get_vector(output, 3)));
  const duck::idx_t capacity = api.vector_size();
  duck::idx_t count = 0;
  while (count < capacity) {
    if (local->at >= local->end) {
      const size_t start = global->next.fetch_add(kScoredRange);
      if (start >= total) break;
      local->at = start;
      local->end = std::min(total, start + kScoredRange);
    }
    const size_t take = std::min<size_t>(capacity - count, local->end - local->at);
    for (size_t j = 0; j < take; ++j) {
      const size_t i = local->at + j;
      row_nos[count + j] = first + custodian::PairIndex::Slot(entries[i]);
      tins[count + j] = custodian::PairIndex::Tin(entries[i]);
      ks[count + j] = set.scored.levels(i);
      weights[count + j] = set.scored.weight(i);
    }
    local->at += take;
    count += take;
  }
  api.data_chunk_set_size(output, count);
}

// custodian_request_load(request_set, row_no, <the request's fields>) -> BOOLEAN: keeps one
// request. Its fields, in this order (src/match/compare-master.ts, REQUEST_FIELDS):
// given_first, given_rest, given_std, family_std, family_tokens, family_phonetic, middle_std,
// suffix (VARCHAR), dob (INTEGER, YYYYMMDD), tin (INTEGER), the address — key hash (UBIGINT),
// house number and street (VARCHAR), ZIP (INTEGER), city and state (VARCHAR) — and the master
// frequency of given and family name, as written and swapped (DOUBLE). The address's numbers are
// compared with the taxpayers' as the decimal text their records hold (compare.h, AddressField).
constexpr duck::TypeId kRequestTypes[] = {
    duck::kVarchar, duck::kVarchar, duck::kVarchar, duck::kVarchar, duck::kVarchar, duck::kVarchar,  // names
    duck::kVarchar, duck::kVarchar,                                                                  // middle, suffix
    duck::kInteger, duck::kInteger,                                                                  // dob, tin
    duck::kUbigint, duck::kVarchar, duck::kVarchar, duck::kInteger, duck::kVarchar,                  // address
    duck::kDouble,  duck::kDouble,  duck::kDouble,  duck::kDouble};                                  // frequencies
constexpr duck::idx_t kRequestColumns = sizeof(kRequestTypes) / sizeof(kRequestTypes[0]);
static_assert(kRequestColumns == 19, "the columns RequestLoadFunction reads");

void RequestLoadFunction(duck::FunctionInfo info, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column set_ids(api.data_chunk_get_vector(input, 0));
  const Column row_nos(api.data_chunk_get_vector(input, 1));
  Column c[kRequestColumns];
  for (duck::idx_t k = 0; k < kRequestColumns; ++k) c[k] = Column(api.data_chunk_get_vector(input, 2 + k));
  auto *out = static_cast<bool *>(api.vector_get_data(output));
  const auto requests = StatementSet(info, "custodian_request_load", set_ids, n);
  if (!requests) return;
  // The address's numbers in decimal, for the row being loaded (the set copies them).
  char digits[2][24];
  const auto decimal = [&](int at, auto value) -> Text {
    if (!value.valid) return {};
    const auto end = std::to_chars(digits[at], digits[at] + sizeof(digits[at]), value.value).ptr;
    return {std::string_view(digits[at], static_cast<size_t>(end - digits[at])), true};
  };
  Request r;
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int64_t> row_no = row_nos.Get<int64_t>(i);
    r.given_first = c[0].GetText(i);
    r.given_rest = c[1].GetText(i);
    r.given_std = c[2].GetText(i);
    r.family_std = c[3].GetText(i);
    r.family_tokens = c[4].GetText(i);
    r.family_phonetic = c[5].GetText(i);
    r.middle_std = c[6].GetText(i);
    r.suffix = c[7].GetText(i);
    r.dob = c[8].Get<int32_t>(i);
    r.tin = c[9].Get<int32_t>(i);
    r.address[custodian::kKey] = decimal(0, c[10].Get<uint64_t>(i));
    r.address[custodian::kHouse] = c[11].GetText(i);
    r.address[custodian::kStreet] = c[12].GetText(i);
    r.address[custodian::kZip] = decimal(1, c[13].Get<int32_t>(i));
    r.address[custodian::kLocality] = c[14].GetText(i);
    r.tf_given = c[15].Get<double>(i);
    r.tf_given_swapped = c[16].Get<double>(i);
    r.tf_family = c[17].Get<double>(i);
    r.tf_family_swapped = c[18].Get<double>(i);
    if (!set_ids.Valid(i) || !row_no.valid || !requests->Load(row_no.value, r)) {
      api.scalar_function_set_error(info, "custodian_request_load: a request without a set or number, numbered outside its set, or loaded twice");
      return;
    }
    out[i] = true;
  }
}

void JaroWinklerFunction(duck::FunctionInfo, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column a(api.data_chunk_get_vector(input, 0)), b(api.data_chunk_get_vector(input, 1));
  auto *out = static_cast<double *>(api.vector_get_data(output));
  api.vector_ensure_validity_writable(output);
  auto *validity = api.vector_get_validity(output);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Text x = a.GetText(i), y = b.GetText(i);
    if (!x.valid || !y.valid) {
      validity[i >> 6] &= ~(uint64_t{1} << (i & 63));
      continue;
    }
    out[i] = custodian::JaroWinkler(x.value, y.value);
  }
}

// The threshold tests of the values tests ask about, built once each.
const custodian::JaroWinklerThreshold &ThresholdFor(double t) {
  static std::mutex mutex;
  static std::map<double, std::unique_ptr<custodian::JaroWinklerThreshold>> tables;
  std::lock_guard<std::mutex> lock(mutex);
  auto &table = tables[t];
  if (!table) table = std::make_unique<custodian::JaroWinklerThreshold>(t);
  return *table;
}

void JaroWinklerAtLeastFunction(duck::FunctionInfo, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column a(api.data_chunk_get_vector(input, 0)), b(api.data_chunk_get_vector(input, 1));
  const Column t(api.data_chunk_get_vector(input, 2));
  auto *out = static_cast<bool *>(api.vector_get_data(output));
  api.vector_ensure_validity_writable(output);
  auto *validity = api.vector_get_validity(output);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Text x = a.GetText(i), y = b.GetText(i);
    const Maybe<double> threshold = t.Get<double>(i);
    if (!x.valid || !y.valid || !threshold.valid) {
      validity[i >> 6] &= ~(uint64_t{1} << (i & 63));
      continue;
    }
    out[i] = ThresholdFor(threshold.value).Test(x.value, y.value);
  }
}

void WithinOneEditFunction(duck::FunctionInfo, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column a(api.data_chunk_get_vector(input, 0)), b(api.data_chunk_get_vector(input, 1));
  auto *out = static_cast<bool *>(api.vector_get_data(output));
  api.vector_ensure_validity_writable(output);
  auto *validity = api.vector_get_validity(output);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Text x = a.GetText(i), y = b.GetText(i);
    if (!x.valid || !y.valid) {
      validity[i >> 6] &= ~(uint64_t{1} << (i & 63));
      continue;
    }
    out[i] = custodian::WithinOneEdit(x.value, y.value);
  }
}

// custodian_soundex(word) -> VARCHAR (tests: equal to the standardiser's soundex macro).
void SoundexFunction(duck::FunctionInfo, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column words(api.data_chunk_get_vector(input, 0));
  api.vector_ensure_validity_writable(output);
  auto *validity = api.vector_get_validity(output);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Text word = words.GetText(i);
    char code[4];
    if (!word.valid || !custodian::Soundex(word.value, code)) {
      validity[i >> 6] &= ~(uint64_t{1} << (i & 63));
      continue;
    }
    api.vector_assign_string_element_len(output, i, code, 4);
  }
}

// --- registration ----------------------------------------------------------------------------

struct TypeHolder {
  duck::LogicalType type;
  explicit TypeHolder(duck::LogicalType t) : type(t) {}
  ~TypeHolder() { api.destroy_logical_type(&type); }
  TypeHolder(const TypeHolder &) = delete;
  TypeHolder &operator=(const TypeHolder &) = delete;
};

// Registers one function; returns an error message or an empty string. Takes `extra` (deleted
// with the function by DuckDB, or here on failure).
// `with_effects`: the function changes the kernel's state (loads, scores), so DuckDB must call
// it once per row as written (volatile: never folded, merged or skipped).
std::string Register(duck::Connection conn, const char *name, const std::vector<duck::LogicalType> &params,
                     duck::LogicalType return_type, duck::ScalarFunctionCallback fn, NameTable *extra,
                     bool with_effects = false) {
  duck::ScalarFunction f = api.create_scalar_function();
  api.scalar_function_set_name(f, name);
  for (auto p : params) api.scalar_function_add_parameter(f, p);
  TypeHolder ret(return_type);
  api.scalar_function_set_return_type(f, ret.type);
  api.scalar_function_set_function(f, fn);
  // NULL arguments are the function's to handle (a missing middle name is not a missing pair).
  api.scalar_function_set_special_handling(f);
  if (with_effects) api.scalar_function_set_volatile(f);
  if (extra) api.scalar_function_set_extra_info(f, extra, [](void *p) { delete static_cast<NameTable *>(p); });
  const int32_t state = api.register_scalar_function(conn, f);
  api.destroy_scalar_function(&f);
  return state == 0 ? "" : std::string("DuckDB refused to register ") + name;
}

// Registers custodian_scored; returns an error message or an empty string.
std::string RegisterScored(duck::Connection conn) {
  duck::TableFunction f = api.create_table_function();
  api.table_function_set_name(f, "custodian_scored");
  TypeHolder set_id(api.create_logical_type(duck::kInteger));
  api.table_function_add_parameter(f, set_id.type);
  api.table_function_set_bind(f, ScoredBindFunction);
  api.table_function_set_init(f, ScoredInitFunction);
  api.table_function_set_local_init(f, ScoredLocalInitFunction);
  api.table_function_set_function(f, ScoredFunction);
  const int32_t state = api.register_table_function(conn, f);
  api.destroy_table_function(&f);
  return state == 0 ? "" : "DuckDB refused to register custodian_scored";
}

// Parses the name table: one line per name, "name\tformal,formal\tvariant,variant".
std::unique_ptr<NameTable> ParseNames(const std::string &text) {
  auto table = std::make_unique<NameTable>();
  std::istringstream lines(text);
  std::string line;
  auto split = [](const std::string &s) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, ',')) parts.push_back(part);
    return parts;
  };
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const size_t t1 = line.find('\t');
    const size_t t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    table->Add(line.substr(0, t1), split(line.substr(t1 + 1, t2 - t1 - 1)), split(line.substr(t2 + 1)));
  }
  return table;
}

napi_value Throw(napi_env env, const std::string &message) {
  napi_throw_error(env, "CUSTODIAN_KERNEL", message.c_str());
  return nullptr;
}

std::string GetString(napi_env env, napi_value v) {
  size_t length = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &length);
  std::string s(length, '\0');
  napi_get_value_string_utf8(env, v, s.data(), length + 1, &length);
  return s;
}

// load(library: string): string | null — null when DuckDB's C API was found.
napi_value Load(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value result;
  if (argc < 1) return Throw(env, "load(library) needs the path or name of libduckdb");
  const char *error = duck::LoadApi(GetString(env, argv[0]).c_str(), &api);
  api_loaded = error == nullptr;
  if (api_loaded) {
    napi_get_null(env, &result);
  } else {
    napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &result);
  }
  return result;
}

// register(connection, names: string): void
napi_value RegisterFunctions(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (!api_loaded) return Throw(env, "the DuckDB C API is not loaded");
  if (argc < 2) return Throw(env, "register(connection, names)");
  void *holder = nullptr;
  if (napi_get_value_external(env, argv[0], &holder) != napi_ok || holder == nullptr)
    return Throw(env, "not a DuckDB connection handle");
  // @duckdb/node-bindings keeps a connection as an external holding the duckdb_connection first.
  duck::Connection conn = *static_cast<duck::Connection *>(holder);
  auto names = ParseNames(GetString(env, argv[1]));

  std::vector<duck::LogicalType> params = {
      api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kInteger),
      api.create_logical_type(duck::kBlob), api.create_logical_type(duck::kInteger)};
  std::string error = Register(conn, "custodian_score_taxpayer", params, api.create_logical_type(duck::kInteger),
                               ScoreTaxpayerFunction, names.release(), true);
  for (auto &p : params) api.destroy_logical_type(&p);
  if (!error.empty()) return Throw(env, error);
  std::vector<duck::LogicalType> load = {api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kBigint)};
  for (const duck::TypeId t : kRequestTypes) load.push_back(api.create_logical_type(t));
  error = Register(conn, "custodian_request_load", load, api.create_logical_type(duck::kBoolean), RequestLoadFunction,
                   nullptr, true);
  for (auto &p : load) api.destroy_logical_type(&p);
  if (!error.empty()) return Throw(env, error);
  std::vector<duck::LogicalType> pair = {api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kBigint),
                                         api.create_logical_type(duck::kInteger)};
  error = Register(conn, "custodian_pair_load", pair, api.create_logical_type(duck::kBoolean), PairLoadFunction,
                   nullptr, true);
  for (auto &p : pair) api.destroy_logical_type(&p);
  if (!error.empty()) return Throw(env, error);
  error = RegisterScored(conn);
  if (!error.empty()) return Throw(env, error);

  std::vector<duck::LogicalType> two = {api.create_logical_type(duck::kVarchar), api.create_logical_type(duck::kVarchar)};
  error = Register(conn, "custodian_jaro_winkler", two, api.create_logical_type(duck::kDouble), JaroWinklerFunction,
                   nullptr);
  if (error.empty())
    error = Register(conn, "custodian_within_one_edit", two, api.create_logical_type(duck::kBoolean),
                     WithinOneEditFunction, nullptr);
  std::vector<duck::LogicalType> one = {api.create_logical_type(duck::kVarchar)};
  if (error.empty())
    error = Register(conn, "custodian_soundex", one, api.create_logical_type(duck::kVarchar), SoundexFunction, nullptr);
  for (auto &p : one) api.destroy_logical_type(&p);
  two.push_back(api.create_logical_type(duck::kDouble));
  if (error.empty())
    error = Register(conn, "custodian_jaro_winkler_at_least", two, api.create_logical_type(duck::kBoolean),
                     JaroWinklerAtLeastFunction, nullptr);
  for (auto &p : two) api.destroy_logical_type(&p);
  if (!error.empty()) return Throw(env, error);
  return nullptr;
}

// createRequestSet(first: number, last: number): number — room for requests first..last.
napi_value CreateRequestSetFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t first = 0, last = -1;
  if (argc < 2 || napi_get_value_int64(env, argv[0], &first) != napi_ok ||
      napi_get_value_int64(env, argv[1], &last) != napi_ok)
    return Throw(env, "createRequestSet(first, last)");
  napi_value result;
  napi_create_int32(env, custodian::CreateRequestSet(first, last), &result);
  return result;
}

// releaseRequestSet(id: number): void
napi_value ReleaseRequestSetFunction(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t id = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) return Throw(env, "releaseRequestSet(id)");
  custodian::ReleaseRequestSet(id);
  return nullptr;
}

// reservePairs(id: number, pairs: number): boolean — room for the set's candidate pairs (before
// they are loaded); false when there is none.
napi_value ReservePairsFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t id = 0;
  int64_t pairs = 0;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &id) != napi_ok ||
      napi_get_value_int64(env, argv[1], &pairs) != napi_ok || pairs < 0 || pairs >= (int64_t{1} << 32))
    return Throw(env, "reservePairs(id, pairs): pairs from 0 to 2^32 - 1");
  const auto set = custodian::RequestSetById(id);
  if (!set) return Throw(env, "reservePairs: an unknown or released request set");
  napi_value result;
  napi_get_boolean(env, set->pairs.Reserve(static_cast<size_t>(pairs)), &result);
  return result;
}

// indexPairs(id: number): number — indexes the set's loaded pairs by taxpayer (and makes room for
// their scores); returns their number.
napi_value IndexPairsFunction(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t id = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) return Throw(env, "indexPairs(id)");
  const auto set = custodian::RequestSetById(id);
  if (!set) return Throw(env, "indexPairs: an unknown or released request set");
  const size_t pairs = set->pairs.Build();
  if (pairs == custodian::PairIndex::kNoMemory || !set->scored.Reset(pairs))
    return Throw(env, "indexPairs: no memory for the index of the pairs or their scores");
  napi_value result;
  napi_create_double(env, static_cast<double>(pairs), &result);
  return result;
}

// keptMemory(release?: boolean): number — bytes of huge-page memory the kernel keeps for the next
// chunk (huge_memory.h); with `release`, returns it all to the system first.
napi_value KeptMemoryFunction(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool release = false;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &release);
  if (release) custodian::ReleaseKeptHuge();
  napi_value result;
  napi_create_double(env, static_cast<double>(custodian::KeptHugeBytes()), &result);
  return result;
}

// chunkCost(): { request: number, pair: number } — bytes of the kernel's memory a chunk takes per
// request (its slot in the request set) and per candidate pair at the most (while scoring: its
// index entry, its share of the index's bucket bounds and its score — weight and packed levels;
// while indexing, the entry and the split copy take less). process sizes its chunks by them
// (chunk-sizing.ts).
napi_value ChunkCostFunction(napi_env env, napi_callback_info) {
  constexpr size_t kPairBytes = sizeof(uint64_t) + sizeof(uint32_t) / 2 + sizeof(double) + sizeof(int32_t);
  static_assert(kPairBytes >= 2 * sizeof(uint64_t) + sizeof(uint32_t) / 2, "indexing takes more than scoring");
  napi_value result, request, pair;
  napi_create_object(env, &result);
  napi_create_double(env, static_cast<double>(sizeof(custodian::PreparedRequest)), &request);
  napi_create_double(env, static_cast<double>(kPairBytes), &pair);
  napi_set_named_property(env, result, "request", request);
  napi_set_named_property(env, result, "pair", pair);
  return result;
}

// anonymousMappings(): number[] — this process's private anonymous read-write mappings, as
// start, end, start, end, … (addresses below 2^53, exact as numbers).
napi_value AnonymousMappingsFunction(napi_env env, napi_callback_info) {
  const auto ranges = custodian::AnonymousMappings();
  napi_value result;
  napi_create_array_with_length(env, ranges.size() * 2, &result);
  for (size_t i = 0; i < ranges.size(); ++i) {
    napi_value start, end;
    napi_create_double(env, static_cast<double>(ranges[i].first), &start);
    napi_create_double(env, static_cast<double>(ranges[i].second), &end);
    napi_set_element(env, result, static_cast<uint32_t>(2 * i), start);
    napi_set_element(env, result, static_cast<uint32_t>(2 * i + 1), end);
  }
  return result;
}

// adviseHugePages(start: number, end: number): number — 0, or the errno of the refusal.
napi_value AdviseHugePagesFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t start = 0, end = 0;
  if (argc < 2 || napi_get_value_int64(env, argv[0], &start) != napi_ok ||
      napi_get_value_int64(env, argv[1], &end) != napi_ok || start < 0 || end < start)
    return Throw(env, "adviseHugePages(start, end)");
  napi_value result;
  napi_create_int32(env,
                    custodian::AdviseHugePages(static_cast<uintptr_t>(start), static_cast<uintptr_t>(end)),
                    &result);
  return result;
}

// registerModel(prior: number, comparisons: number[][][]): number — each level [weight, tf, m, u].
napi_value RegisterModelFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 2) return Throw(env, "registerModel(prior, comparisons)");
  custodian::Model model;
  napi_get_value_double(env, argv[0], &model.prior);
  uint32_t nc = 0;
  napi_get_array_length(env, argv[1], &nc);
  for (uint32_t k = 0; k < nc; ++k) {
    napi_value levels;
    napi_get_element(env, argv[1], k, &levels);
    uint32_t nl = 0;
    napi_get_array_length(env, levels, &nl);
    std::vector<custodian::LevelWeight> ws;
    for (uint32_t i = 0; i < nl; ++i) {
      napi_value level;
      napi_get_element(env, levels, i, &level);
      double v[4] = {0, 0, 0, 0};
      for (uint32_t j = 0; j < 4; ++j) {
        napi_value x;
        napi_get_element(env, level, j, &x);
        napi_get_value_double(env, x, &v[j]);
      }
      ws.push_back({v[0], static_cast<int>(v[1]), v[2], v[3]});
    }
    model.comparisons.push_back(std::move(ws));
  }
  const int id = custodian::RegisterModel(model);
  if (id == 0) return Throw(env, "too many models registered in this process");
  napi_value result;
  napi_create_int32(env, id, &result);
  return result;
}

}  // namespace

namespace duck {

const char *LoadApi(const char *library, Api *out) {
  // RTLD_NOLOAD: only the copy of libduckdb already in the process (loaded by the bindings).
  void *handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (!handle) return "libduckdb is not loaded in this process";
#define CUSTODIAN_RESOLVE(field, symbol)                                     \
  out->field = reinterpret_cast<decltype(out->field)>(dlsym(handle, symbol)); \
  if (!out->field) return "libduckdb lacks " symbol;
  CUSTODIAN_RESOLVE(create_scalar_function, "duckdb_create_scalar_function")
  CUSTODIAN_RESOLVE(destroy_scalar_function, "duckdb_destroy_scalar_function")
  CUSTODIAN_RESOLVE(scalar_function_set_name, "duckdb_scalar_function_set_name")
  CUSTODIAN_RESOLVE(scalar_function_add_parameter, "duckdb_scalar_function_add_parameter")
  CUSTODIAN_RESOLVE(scalar_function_set_return_type, "duckdb_scalar_function_set_return_type")
  CUSTODIAN_RESOLVE(scalar_function_set_function, "duckdb_scalar_function_set_function")
  CUSTODIAN_RESOLVE(scalar_function_set_special_handling, "duckdb_scalar_function_set_special_handling")
  CUSTODIAN_RESOLVE(scalar_function_set_extra_info, "duckdb_scalar_function_set_extra_info")
  CUSTODIAN_RESOLVE(scalar_function_get_extra_info, "duckdb_scalar_function_get_extra_info")
  CUSTODIAN_RESOLVE(scalar_function_set_error, "duckdb_scalar_function_set_error")
  CUSTODIAN_RESOLVE(register_scalar_function, "duckdb_register_scalar_function")
  CUSTODIAN_RESOLVE(create_logical_type, "duckdb_create_logical_type")
  CUSTODIAN_RESOLVE(create_list_type, "duckdb_create_list_type")
  CUSTODIAN_RESOLVE(create_struct_type, "duckdb_create_struct_type")
  CUSTODIAN_RESOLVE(destroy_logical_type, "duckdb_destroy_logical_type")
  CUSTODIAN_RESOLVE(data_chunk_get_size, "duckdb_data_chunk_get_size")
  CUSTODIAN_RESOLVE(data_chunk_get_vector, "duckdb_data_chunk_get_vector")
  CUSTODIAN_RESOLVE(vector_get_data, "duckdb_vector_get_data")
  CUSTODIAN_RESOLVE(vector_get_validity, "duckdb_vector_get_validity")
  CUSTODIAN_RESOLVE(vector_ensure_validity_writable, "duckdb_vector_ensure_validity_writable")
  CUSTODIAN_RESOLVE(vector_assign_string_element_len, "duckdb_vector_assign_string_element_len")
  CUSTODIAN_RESOLVE(list_vector_get_child, "duckdb_list_vector_get_child")
  CUSTODIAN_RESOLVE(struct_vector_get_child, "duckdb_struct_vector_get_child")
  CUSTODIAN_RESOLVE(scalar_function_set_volatile, "duckdb_scalar_function_set_volatile")
  CUSTODIAN_RESOLVE(vector_size, "duckdb_vector_size")
  CUSTODIAN_RESOLVE(data_chunk_set_size, "duckdb_data_chunk_set_size")
  CUSTODIAN_RESOLVE(create_table_function, "duckdb_create_table_function")
  CUSTODIAN_RESOLVE(destroy_table_function, "duckdb_destroy_table_function")
  CUSTODIAN_RESOLVE(table_function_set_name, "duckdb_table_function_set_name")
  CUSTODIAN_RESOLVE(table_function_add_parameter, "duckdb_table_function_add_parameter")
  CUSTODIAN_RESOLVE(table_function_set_bind, "duckdb_table_function_set_bind")
  CUSTODIAN_RESOLVE(table_function_set_init, "duckdb_table_function_set_init")
  CUSTODIAN_RESOLVE(table_function_set_local_init, "duckdb_table_function_set_local_init")
  CUSTODIAN_RESOLVE(table_function_set_function, "duckdb_table_function_set_function")
  CUSTODIAN_RESOLVE(register_table_function, "duckdb_register_table_function")
  CUSTODIAN_RESOLVE(bind_get_parameter, "duckdb_bind_get_parameter")
  CUSTODIAN_RESOLVE(bind_add_result_column, "duckdb_bind_add_result_column")
  CUSTODIAN_RESOLVE(bind_set_cardinality, "duckdb_bind_set_cardinality")
  CUSTODIAN_RESOLVE(bind_set_bind_data, "duckdb_bind_set_bind_data")
  CUSTODIAN_RESOLVE(bind_set_error, "duckdb_bind_set_error")
  CUSTODIAN_RESOLVE(init_get_bind_data, "duckdb_init_get_bind_data")
  CUSTODIAN_RESOLVE(init_set_init_data, "duckdb_init_set_init_data")
  CUSTODIAN_RESOLVE(init_set_max_threads, "duckdb_init_set_max_threads")
  CUSTODIAN_RESOLVE(function_get_bind_data, "duckdb_function_get_bind_data")
  CUSTODIAN_RESOLVE(function_get_init_data, "duckdb_function_get_init_data")
  CUSTODIAN_RESOLVE(function_get_local_init_data, "duckdb_function_get_local_init_data")
  CUSTODIAN_RESOLVE(function_set_error, "duckdb_function_set_error")
  CUSTODIAN_RESOLVE(get_int32, "duckdb_get_int32")
  CUSTODIAN_RESOLVE(destroy_value, "duckdb_destroy_value")
#undef CUSTODIAN_RESOLVE
  return nullptr;
}

}  // namespace duck

NAPI_MODULE_INIT() {
  napi_value load, reg, model, create_set, release_set, index_pairs, kept_memory;
  napi_create_function(env, "load", NAPI_AUTO_LENGTH, Load, nullptr, &load);
  napi_create_function(env, "register", NAPI_AUTO_LENGTH, RegisterFunctions, nullptr, &reg);
  napi_create_function(env, "registerModel", NAPI_AUTO_LENGTH, RegisterModelFunction, nullptr, &model);
  napi_set_named_property(env, exports, "load", load);
  napi_set_named_property(env, exports, "register", reg);
  napi_set_named_property(env, exports, "registerModel", model);
  napi_create_function(env, "createRequestSet", NAPI_AUTO_LENGTH, CreateRequestSetFunction, nullptr, &create_set);
  napi_create_function(env, "releaseRequestSet", NAPI_AUTO_LENGTH, ReleaseRequestSetFunction, nullptr, &release_set);
  napi_set_named_property(env, exports, "createRequestSet", create_set);
  napi_set_named_property(env, exports, "releaseRequestSet", release_set);
  napi_create_function(env, "indexPairs", NAPI_AUTO_LENGTH, IndexPairsFunction, nullptr, &index_pairs);
  napi_value reserve_pairs;
  napi_create_function(env, "reservePairs", NAPI_AUTO_LENGTH, ReservePairsFunction, nullptr, &reserve_pairs);
  napi_set_named_property(env, exports, "reservePairs", reserve_pairs);
  napi_set_named_property(env, exports, "indexPairs", index_pairs);
  napi_create_function(env, "keptMemory", NAPI_AUTO_LENGTH, KeptMemoryFunction, nullptr, &kept_memory);
  napi_set_named_property(env, exports, "keptMemory", kept_memory);
  napi_value chunk_cost;
  napi_create_function(env, "chunkCost", NAPI_AUTO_LENGTH, ChunkCostFunction, nullptr, &chunk_cost);
  napi_set_named_property(env, exports, "chunkCost", chunk_cost);
  napi_value mappings, advise;
  napi_create_function(env, "anonymousMappings", NAPI_AUTO_LENGTH, AnonymousMappingsFunction, nullptr, &mappings);
  napi_set_named_property(env, exports, "anonymousMappings", mappings);
  napi_create_function(env, "adviseHugePages", NAPI_AUTO_LENGTH, AdviseHugePagesFunction, nullptr, &advise);
  napi_set_named_property(env, exports, "adviseHugePages", advise);
  return exports;
}
