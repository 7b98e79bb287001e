// The handful of DuckDB C API entry points the comparison kernel uses, declared by hand and
// resolved at run time from the libduckdb that @duckdb/node-bindings has already loaded into the
// process (so DuckDB's objects and ours come from one copy of the library). Only stable C API
// functions are used; their signatures are those of DuckDB's public C API documentation.
#pragma once

#include <cstdint>

namespace duck {

using idx_t = uint64_t;

// Opaque handles (each a pointer in the C API).
struct OpaqueConnection;
struct OpaqueScalarFunction;
struct OpaqueLogicalType;
struct OpaqueFunctionInfo;
struct OpaqueDataChunk;
struct OpaqueVector;
struct OpaqueTableFunction;
struct OpaqueBindInfo;
struct OpaqueInitInfo;
struct OpaqueValue;
using Connection = OpaqueConnection *;
using ScalarFunction = OpaqueScalarFunction *;
using LogicalType = OpaqueLogicalType *;
using FunctionInfo = OpaqueFunctionInfo *;
using DataChunk = OpaqueDataChunk *;
using Vector = OpaqueVector *;
using TableFunction = OpaqueTableFunction *;
using BindInfo = OpaqueBindInfo *;
using InitInfo = OpaqueInitInfo *;
using Value = OpaqueValue *;

// Type ids (duckdb_type), the ones used here.
enum TypeId : int32_t {
  kBoolean = 1,
  kInteger = 4,
  kBigint = 5,
  kUbigint = 9,
  kDouble = 11,
  kVarchar = 17,
  kBlob = 18,
};

// A VARCHAR value as DuckDB lays it out: 16 bytes, the length first; up to 12 bytes inline,
// longer strings as a 4-byte prefix and a pointer.
union StringValue {
  struct {
    uint32_t length;
    char prefix[4];
    const char *ptr;
  } pointer;
  struct {
    uint32_t length;
    char data[12];
  } inlined;
  uint32_t size() const { return inlined.length; }
  const char *data() const { return inlined.length <= 12 ? inlined.data : pointer.ptr; }
};
static_assert(sizeof(StringValue) == 16, "DuckDB strings are 16 bytes");

// A LIST value: its elements are child[offset, offset + length).
struct ListEntry {
  uint64_t offset;
  uint64_t length;
};

using ScalarFunctionCallback = void (*)(FunctionInfo, DataChunk, Vector);
using DeleteCallback = void (*)(void *);
using TableBindCallback = void (*)(BindInfo);
using TableInitCallback = void (*)(InitInfo);
using TableFunctionCallback = void (*)(FunctionInfo, DataChunk);

struct Api {
  ScalarFunction (*create_scalar_function)();
  void (*destroy_scalar_function)(ScalarFunction *);
  void (*scalar_function_set_name)(ScalarFunction, const char *);
  void (*scalar_function_add_parameter)(ScalarFunction, LogicalType);
  void (*scalar_function_set_return_type)(ScalarFunction, LogicalType);
  void (*scalar_function_set_function)(ScalarFunction, ScalarFunctionCallback);
  void (*scalar_function_set_special_handling)(ScalarFunction);
  void (*scalar_function_set_extra_info)(ScalarFunction, void *, DeleteCallback);
  void *(*scalar_function_get_extra_info)(FunctionInfo);
  void (*scalar_function_set_error)(FunctionInfo, const char *);
  int32_t (*register_scalar_function)(Connection, ScalarFunction);
  LogicalType (*create_logical_type)(int32_t);
  LogicalType (*create_list_type)(LogicalType);
  LogicalType (*create_struct_type)(LogicalType *, const char **, idx_t);
  void (*destroy_logical_type)(LogicalType *);
  idx_t (*data_chunk_get_size)(DataChunk);
  Vector (*data_chunk_get_vector)(DataChunk, idx_t);
  void *(*vector_get_data)(Vector);
  uint64_t *(*vector_get_validity)(Vector);
  void (*vector_ensure_validity_writable)(Vector);
  void (*vector_assign_string_element_len)(Vector, idx_t, const char *, idx_t);
  Vector (*list_vector_get_child)(Vector);
  Vector (*struct_vector_get_child)(Vector, idx_t);
  void (*scalar_function_set_volatile)(ScalarFunction);
  idx_t (*vector_size)();
  void (*data_chunk_set_size)(DataChunk, idx_t);
  // Table functions.
  TableFunction (*create_table_function)();
  void (*destroy_table_function)(TableFunction *);
  void (*table_function_set_name)(TableFunction, const char *);
  void (*table_function_add_parameter)(TableFunction, LogicalType);
  void (*table_function_set_bind)(TableFunction, TableBindCallback);
  void (*table_function_set_init)(TableFunction, TableInitCallback);
  void (*table_function_set_local_init)(TableFunction, TableInitCallback);
  void (*table_function_set_function)(TableFunction, TableFunctionCallback);
  int32_t (*register_table_function)(Connection, TableFunction);
  Value (*bind_get_parameter)(BindInfo, idx_t);
  void (*bind_add_result_column)(BindInfo, const char *, LogicalType);
  void (*bind_set_cardinality)(BindInfo, idx_t, bool);
  void (*bind_set_bind_data)(BindInfo, void *, DeleteCallback);
  void (*bind_set_error)(BindInfo, const char *);
  void *(*init_get_bind_data)(InitInfo);
  void (*init_set_init_data)(InitInfo, void *, DeleteCallback);
  void (*init_set_max_threads)(InitInfo, idx_t);
  void *(*function_get_bind_data)(FunctionInfo);
  void *(*function_get_init_data)(FunctionInfo);
  void *(*function_get_local_init_data)(FunctionInfo);
  void (*function_set_error)(FunctionInfo, const char *);
  int32_t (*get_int32)(Value);
  void (*destroy_value)(Value *);
};

// Resolves every entry point from the already-loaded libduckdb (`library`: its path, or its
// soname). Returns nullptr on success, else a message naming what is missing.
const char *LoadApi(const char *library, Api *api);

}  // namespace duck
