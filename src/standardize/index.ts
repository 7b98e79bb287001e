/**
 * Standardisation of request and master records for matching, as set-based SQL on DuckDB:
 * `installStandardizer` creates the macros and reference tables once per database, then
 * `standardizeRequests` / `standardizeMaster` build a standardised table with one statement.
 * Rules: src/standardize/README.md; reference data and its sources: data/names/README.md.
 */
export { type InstallOptions, installStandardizer } from './install.js';
export {
  STANDARD_COLUMNS,
  STANDARDIZER_VERSION,
  standardizeMaster,
  standardizeRequests,
} from './standardize.js';
