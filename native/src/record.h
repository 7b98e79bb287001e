// The taxpayers' comparison records: every field a taxpayer contributes to the comparisons, in
// one text (src/match/compare-master.ts writes them into the master store), so that the scan of
// the taxpayers hands the kernel one value each, with however many earlier addresses. Fields are
// separated by U+001F; a NULL field is U+001E alone:
//
//   given_first, given_rest, middle_std, family_std, family_tokens, family_phonetic, suffix, dob,
//   then the current address (key, house, street, zip, locality), then each earlier address of
//   record (the same five fields)
//
// (A request's fields reach the kernel as the columns of custodian_request_load: addon.cc.)
#pragma once

#include <string_view>
#include <vector>

#include "compare.h"

namespace custodian {

constexpr size_t kTaxpayerFields = 13;

// Splits `record` into `fields` (reused between calls; the taxpayer's addresses point into them).
// Returns false when the record does not have a taxpayer record's shape.
bool ParseTaxpayer(std::string_view record, int32_t tin, std::vector<Text> &fields, Taxpayer &out);

}  // namespace custodian
