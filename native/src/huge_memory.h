// Memory on transparent huge pages for the kernel's large per-chunk arrays (request slots, pair
// index), kept for the next chunk when freed. Each chunk of a batch needs arrays of about the
// same size; giving them back to the system and faulting them in again cost a few hundred
// milliseconds of system time a chunk where a page fault is dear (docs/performance.md). At most
// kKeptBytes stay kept, the oldest freed first; what a chunk asks beyond them comes from the
// system as before.
#pragma once

#include <cstddef>

namespace custodian {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kKeptBytes = size_t{1} << 30;

// At least `bytes` (rounded up to whole huge pages), aligned to a huge page, contents undefined;
// nullptr when the system has no room. `*granted` receives the size actually handed out, which
// is what FreeHuge takes back.
void *TakeHuge(size_t bytes, size_t *granted);
// Takes back memory from TakeHuge: kept for a later TakeHuge, or returned to the system.
void FreeHuge(void *memory, size_t granted);
// Returns every kept region to the system; their number (tests).
size_t ReleaseKeptHuge();
// Bytes kept now (tests).
size_t KeptHugeBytes();

}  // namespace custodian
