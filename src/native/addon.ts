import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
// The addon binds to the DuckDB library these bindings load.
import '@duckdb/node-api';

/**
 * The project's native addon (native/src, built by `npm run build:native`): the comparison
 * kernel's DuckDB functions (src/match/native-kernel.ts) and the process-memory helpers
 * (src/store/huge-pages.ts). Loaded once per process, after @duckdb/node-api (whose library the
 * addon binds to).
 */
export interface KernelAddon {
  load(library: string): string | null;
  register(connection: unknown, names: string): void;
  /** Each comparison's levels as [weight, tf (0 none, 1 given, 2 family), m, u]. */
  registerModel(prior: number, comparisons: number[][][]): number;
  createRequestSet(first: number, last: number): number;
  releaseRequestSet(id: number): void;
  /** Room for the set's candidate pairs, before they are loaded; false when there is none. */
  reservePairs(id: number, pairs: number): boolean;
  /** Indexes the set's loaded pairs by taxpayer (and makes room for their scores); returns their number. */
  indexPairs(id: number): number;
  /** Bytes of huge-page memory kept for the next chunk; with `release`, returned to the system first. */
  keptMemory(release?: boolean): number;
  /** Kernel memory a chunk takes: bytes per request and, at the most, per candidate pair. */
  chunkCost(): { request: number; pair: number };
  /** This process's private anonymous read-write mappings: start, end, start, end, … */
  anonymousMappings(): number[];
  /** madvise(MADV_HUGEPAGE) over [start, end): 0, or the errno of the refusal. */
  adviseHugePages(start: number, end: number): number;
}

let addon: { kernel: KernelAddon } | { unavailable: string } | undefined;

/** Loads the compiled kernel once per process; says why when it cannot. */
export function loadAddon(): { kernel: KernelAddon } | { unavailable: string } {
  if (addon) return addon;
  const file = fileURLToPath(new URL('../../native/build/Release/custodian_kernel.node', import.meta.url));
  if (!existsSync(file)) {
    addon = { unavailable: `${file} is not built (npm run build:native)` };
    return addon;
  }
  try {
    const kernel = createRequire(import.meta.url)(file) as KernelAddon;
    // The bindings loaded libduckdb (its soname) when @duckdb/node-api was imported.
    const problem = kernel.load('libduckdb.so');
    addon = problem ? { unavailable: problem } : { kernel };
  } catch (e) {
    addon = { unavailable: `${file} does not load: ${(e as Error).message}` };
  }
  return addon;
}
