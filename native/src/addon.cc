// The Node addon: resolves DuckDB's C API from the loaded libduckdb and registers the kernel's
// SQL functions on a database, given one of its connections (@duckdb/node-api's handle).
//
//   custodian_request_load(request_set, row_no, request_record) -> BOOLEAN
//       keeps one request of a chunk (createRequestSet makes the set, releaseRequestSet frees it)
//   custodian_compare(request_set, row_no, tin, taxpayer_record, model)
//       -> STRUCT(k BIGINT, weight DOUBLE)     a pair's packed levels and its match weight
//   custodian_jaro_winkler(a, b) -> DOUBLE                              (tests: equal to DuckDB's)
//   custodian_jaro_winkler_at_least(a, b, t) -> BOOLEAN                 (tests: the bounded test)
//   custodian_soundex(word) -> VARCHAR                                 (tests: the standardiser's soundex)
//   custodian_within_one_edit(a, b) -> BOOLEAN                          (tests: damerau_levenshtein <= 1)
//
// The records are those of record.h (written by src/match/compare-master.ts); `model` is an id
// from registerModel (0: levels only, weight 0).

#include <dlfcn.h>
#include <node_api.h>

#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "compare.h"
#include "duckdb_api.h"
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

// custodian_compare(request_set, row_no, tin, taxpayer_record, model)
void CompareFunction(duck::FunctionInfo info, duck::DataChunk input, duck::Vector output) {
  const auto *names = static_cast<const NameTable *>(api.scalar_function_get_extra_info(info));
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column set_ids(api.data_chunk_get_vector(input, 0));
  const Column row_nos(api.data_chunk_get_vector(input, 1));
  const Column tins(api.data_chunk_get_vector(input, 2));
  const Column taxpayer_records(api.data_chunk_get_vector(input, 3));
  const Column model_ids(api.data_chunk_get_vector(input, 4));
  auto *packed = static_cast<int64_t *>(api.vector_get_data(api.struct_vector_get_child(output, 0)));
  auto *weights = static_cast<double *>(api.vector_get_data(api.struct_vector_get_child(output, 1)));
  // Per DuckDB worker thread, kept across calls: the memo's answers are functions of names, and
  // the parse buffers are only reused.
  thread_local custodian::PairMemo memo;
  thread_local std::vector<Text> taxpayer_fields;
  // The request set and the model are the statement's constants: looked up once per vector.
  std::shared_ptr<custodian::RequestSet> requests;
  int requests_id = -1;
  const custodian::Model *model = nullptr;
  int model_id = -1;
  // The requests of the vector first (the set and the model are the statement's constants),
  // then the pairs, each request fetched from memory a few pairs ahead of its use: requests are
  // met in the taxpayers' order, at random, and waiting for each in turn was most of the time.
  thread_local std::vector<const custodian::PreparedRequest *> pair_requests;
  pair_requests.assign(n, nullptr);
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int32_t> set_id = set_ids.Get<int32_t>(i);
    const Maybe<int32_t> m = model_ids.Get<int32_t>(i);
    if (set_id.valid && set_id.value != requests_id) {
      requests = custodian::RequestSetById(set_id.value);
      requests_id = set_id.value;
    }
    if (m.valid && m.value != model_id) {
      model = custodian::ModelById(m.value);
      model_id = m.value;
    }
    const Maybe<int64_t> row_no = row_nos.Get<int64_t>(i);
    pair_requests[i] = requests && row_no.valid ? requests->Slot(row_no.value) : nullptr;
  }
  constexpr duck::idx_t kAhead = 6;
  for (duck::idx_t i = 0; i < n && i < kAhead; ++i)
    if (pair_requests[i]) custodian::Prefetch(pair_requests[i]);
  Taxpayer p;
  for (duck::idx_t i = 0; i < n; ++i) {
    if (i + kAhead < n && pair_requests[i + kAhead]) custodian::Prefetch(pair_requests[i + kAhead]);
    const custodian::PreparedRequest *request = pair_requests[i];
    const Text taxpayer = taxpayer_records.GetText(i);
    const Maybe<int32_t> tin = tins.Get<int32_t>(i);
    if (!request || !request->loaded || !taxpayer.valid || !tin.valid ||
        !custodian::ParseTaxpayer(taxpayer.value, tin.value, taxpayer_fields, p)) {
      api.scalar_function_set_error(
          info, "custodian_compare: a request not loaded, or a taxpayer's comparison record missing or malformed");
      return;
    }
    const custodian::Levels levels = custodian::ComparePair(request->request, request->facts, p, *names, memo);
    packed[i] = custodian::Pack(levels);
    weights[i] = model ? custodian::Weight(*model, levels, request->request) : 0.0;
  }
}

// custodian_request_load(request_set, row_no, request_record) -> BOOLEAN: keeps one request.
void RequestLoadFunction(duck::FunctionInfo info, duck::DataChunk input, duck::Vector output) {
  const duck::idx_t n = api.data_chunk_get_size(input);
  const Column set_ids(api.data_chunk_get_vector(input, 0));
  const Column row_nos(api.data_chunk_get_vector(input, 1));
  const Column records(api.data_chunk_get_vector(input, 2));
  auto *out = static_cast<bool *>(api.vector_get_data(output));
  std::shared_ptr<custodian::RequestSet> requests;
  int requests_id = -1;
  for (duck::idx_t i = 0; i < n; ++i) {
    const Maybe<int32_t> set_id = set_ids.Get<int32_t>(i);
    if (set_id.valid && set_id.value != requests_id) {
      requests = custodian::RequestSetById(set_id.value);
      requests_id = set_id.value;
    }
    const Maybe<int64_t> row_no = row_nos.Get<int64_t>(i);
    const Text record = records.GetText(i);
    if (!requests || !row_no.valid || !record.valid || !requests->Load(row_no.value, record.value)) {
      api.scalar_function_set_error(info, "custodian_request_load: an unknown request set, a repeated request, or a malformed record");
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

// STRUCT(k BIGINT, weight DOUBLE)
duck::LogicalType ScoreType() {
  duck::LogicalType members[] = {api.create_logical_type(duck::kBigint), api.create_logical_type(duck::kDouble)};
  const char *member_names[] = {"k", "weight"};
  duck::LogicalType type = api.create_struct_type(members, member_names, 2);
  for (auto &m : members) api.destroy_logical_type(&m);
  return type;
}

// Registers one function; returns an error message or an empty string. Takes `extra` (deleted
// with the function by DuckDB, or here on failure).
std::string Register(duck::Connection conn, const char *name, const std::vector<duck::LogicalType> &params,
                     duck::LogicalType return_type, duck::ScalarFunctionCallback fn, NameTable *extra) {
  duck::ScalarFunction f = api.create_scalar_function();
  api.scalar_function_set_name(f, name);
  for (auto p : params) api.scalar_function_add_parameter(f, p);
  TypeHolder ret(return_type);
  api.scalar_function_set_return_type(f, ret.type);
  api.scalar_function_set_function(f, fn);
  // NULL arguments are the function's to handle (a missing middle name is not a missing pair).
  api.scalar_function_set_special_handling(f);
  if (extra) api.scalar_function_set_extra_info(f, extra, [](void *p) { delete static_cast<NameTable *>(p); });
  const int32_t state = api.register_scalar_function(conn, f);
  api.destroy_scalar_function(&f);
  return state == 0 ? "" : std::string("DuckDB refused to register ") + name;
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
      api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kBigint),
      api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kBlob),
      api.create_logical_type(duck::kInteger)};
  std::string error = Register(conn, "custodian_compare", params, ScoreType(), CompareFunction, names.release());
  for (auto &p : params) api.destroy_logical_type(&p);
  if (!error.empty()) return Throw(env, error);
  std::vector<duck::LogicalType> load = {api.create_logical_type(duck::kInteger), api.create_logical_type(duck::kBigint),
                                         api.create_logical_type(duck::kVarchar)};
  error = Register(conn, "custodian_request_load", load, api.create_logical_type(duck::kBoolean), RequestLoadFunction,
                   nullptr);
  for (auto &p : load) api.destroy_logical_type(&p);
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
#undef CUSTODIAN_RESOLVE
  return nullptr;
}

}  // namespace duck

NAPI_MODULE_INIT() {
  napi_value load, reg, model, create_set, release_set;
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
  return exports;
}
