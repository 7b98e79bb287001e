// The process's memory as the system maps it, and advice on it: lets the process ask for
// transparent huge pages on a large anonymous reservation made by a library it does not control
// (DuckDB's block allocator: src/store/huge-pages.ts, docs/decisions/0007-huge-pages-for-duckdb.md).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace custodian {

// The private anonymous read-write mappings of this process, as [start, end) address ranges in
// the order /proc/self/maps lists them; empty where that file cannot be read.
std::vector<std::pair<uintptr_t, uintptr_t>> AnonymousMappings();

// madvise(MADV_HUGEPAGE) over [start, end) (both page-aligned): 0, or the errno of the refusal
// (EINVAL where the system has no transparent huge pages).
int AdviseHugePages(uintptr_t start, uintptr_t end);

}  // namespace custodian
