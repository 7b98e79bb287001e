import { loadAddon } from '../native/addon.js';

/**
 * Transparent huge pages for DuckDB's buffer memory. DuckDB reserves one large range of address
 * space for its buffer blocks when a database opens (its block allocator) and touches every 4 KB
 * page of a block the first time it hands the block out: on a machine where a page fault is dear
 * (this project's benchmark machine: ~11 µs a 4 KB page) those faults were a fifth of a batch's
 * CPU time. Where the system gives huge pages only on request (`madvise`, the common default),
 * asking for them on that range turns 512 faults into one. DuckDB offers no setting for it, so
 * the range is found as the large anonymous mapping that opening the database added
 * (docs/decisions/0007-huge-pages-for-duckdb.md).
 */
export interface HugePageAdvice {
  /** Bytes of address space advised (0 when nothing was). */
  readonly bytes: number;
  /** Why nothing was advised, when so: no addon, no /proc, or the system refused. */
  readonly skipped?: string | undefined;
}

/** Only a mapping at least this large is taken for DuckDB's reservation. */
export const MIN_RESERVATION_BYTES = 2 ** 30;

/**
 * The address ranges mapped in `after` that were not in `before` (both flat start, end, … lists
 * of sorted, disjoint ranges, as the addon gives them), kept when at least `minBytes` long. A
 * mapping that grew (the system merges a new mapping into an adjacent one) contributes its new
 * part only.
 */
export function newRanges(
  before: readonly number[],
  after: readonly number[],
  minBytes: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < after.length; i += 2) {
    let pieces: [number, number][] = [[after[i]!, after[i + 1]!]];
    for (let j = 0; j + 1 < before.length; j += 2) {
      const [bs, be] = [before[j]!, before[j + 1]!];
      pieces = pieces.flatMap(([s, e]): [number, number][] => {
        if (be <= s || bs >= e) return [[s, e]];
        const left: [number, number][] = bs > s ? [[s, bs]] : [];
        const right: [number, number][] = be < e ? [[be, e]] : [];
        return [...left, ...right];
      });
    }
    for (const p of pieces) if (p[1] - p[0] >= minBytes) out.push(p);
  }
  return out;
}

/**
 * Runs `open` (which opens a DuckDB database), then asks for huge pages on the large anonymous
 * ranges it mapped. Never fails because of the advice: where it cannot be given, `skipped` says
 * why and memory is as it would have been.
 */
export async function withHugePages<T>(
  open: () => Promise<T>,
): Promise<{ value: T; advice: HugePageAdvice }> {
  const addon = loadAddon();
  if ('unavailable' in addon)
    return { value: await open(), advice: { bytes: 0, skipped: addon.unavailable } };
  const before = addon.kernel.anonymousMappings();
  const value = await open();
  if (before.length === 0) return { value, advice: { bytes: 0, skipped: '/proc/self/maps is not readable' } };
  const ranges = newRanges(before, addon.kernel.anonymousMappings(), MIN_RESERVATION_BYTES);
  if (ranges.length === 0) return { value, advice: { bytes: 0, skipped: 'no new reservation found' } };
  let bytes = 0;
  const refusals: string[] = [];
  for (const [start, end] of ranges) {
    const errno = addon.kernel.adviseHugePages(start, end);
    if (errno === 0) bytes += end - start;
    else refusals.push(`errno ${errno}`);
  }
  return {
    value,
    advice: { bytes, skipped: bytes === 0 ? `the system refused (${refusals.join(', ')})` : undefined },
  };
}
