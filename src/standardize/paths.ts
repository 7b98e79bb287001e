import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustodianError } from '../core/errors.js';

/** The reference files the standardiser loads, all under `data/names/` of the project. */
export const REFERENCE_FILES = {
  nicknames: 'nicknames.csv',
  spanishHypocorisms: 'spanish-hypocorisms.csv',
  crossLanguage: 'cross-language.csv',
  streetSuffixes: 'street-suffixes.csv',
  directionals: 'directionals.csv',
  unitDesignators: 'unit-designators.csv',
  states: 'states.csv',
} as const;

/**
 * The folder `data/names/` of the project, found by walking up from this module: it is
 * `src/standardize/` under tsx and vitest and `dist/standardize/` once compiled, two levels
 * below the project root either way, but walking up keeps it working if that ever changes.
 */
export function namesDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'data', 'names');
    if (existsSync(join(candidate, REFERENCE_FILES.nicknames))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new CustodianError(
    'CUS_INTERNAL',
    `standardize: reference folder data/names/ not found above ${fileURLToPath(import.meta.url)}`,
  );
}
