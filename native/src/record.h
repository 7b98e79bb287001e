// The comparison records: every field a side of a pair contributes to the comparisons, in one
// text (src/match/compare-master.ts writes them), so that DuckDB hands the kernel two values per
// pair instead of thirty columns. Fields are separated by U+001F; a NULL field is U+001E alone.
//
//   taxpayer: given_first, given_rest, middle_std, family_std, family_tokens, family_phonetic,
//             suffix, dob, then the current address (key, house, street, zip, locality), then
//             each earlier address of record (the same five fields)
//   request:  given_first, given_rest, given_std, family_std, family_tokens, family_phonetic,
//             middle_std, suffix, dob, tin, the address (five fields), then the master
//             frequency of given and family name, as written and swapped (four fields)
#pragma once

#include <string_view>
#include <vector>

#include "compare.h"

namespace custodian {

constexpr size_t kTaxpayerFields = 13;
constexpr size_t kRequestFields = 19;

// Splits `record` into `fields` (reused between calls; the taxpayer's addresses point into them).
// Returns false when the record does not have the shape its side requires.
bool ParseTaxpayer(std::string_view record, int32_t tin, std::vector<Text> &fields, Taxpayer &out);
bool ParseRequest(std::string_view record, std::vector<Text> &fields, Request &out);

}  // namespace custodian
