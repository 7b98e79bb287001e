import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDuck, queryValue } from './duckdb.js';
import { MIN_RESERVATION_BYTES, newRanges } from './huge-pages.js';

const GB = 2 ** 30;

describe('newRanges', () => {
  it('keeps a new large mapping and leaves the old ones', () => {
    const before = [0x1000, 0x2000, 10 * GB, 11 * GB];
    const after = [0x1000, 0x2000, 4 * GB, 6 * GB, 10 * GB, 11 * GB];
    expect(newRanges(before, after, GB)).toEqual([[4 * GB, 6 * GB]]);
  });

  it('takes only the new part of a mapping the system merged into an old one', () => {
    // A new 3 GB reservation placed just below an existing 1 GB mapping, merged into one.
    expect(newRanges([10 * GB, 11 * GB], [7 * GB, 11 * GB], GB)).toEqual([[7 * GB, 10 * GB]]);
    // ... or grown on both sides.
    expect(newRanges([10 * GB, 11 * GB], [8 * GB, 13 * GB], GB)).toEqual([
      [8 * GB, 10 * GB],
      [11 * GB, 13 * GB],
    ]);
  });

  it('leaves new mappings below the size asked, and finds nothing when nothing changed', () => {
    expect(newRanges([0, GB], [0, GB, 2 * GB, 2 * GB + 4096], GB)).toEqual([]);
    expect(newRanges([0, GB, 4 * GB, 8 * GB], [0, GB, 4 * GB, 8 * GB], GB)).toEqual([]);
  });
});

/** The VmFlags of the mapping holding `address`, from /proc/self/smaps. */
function vmFlagsAt(address: number): string[] | undefined {
  let inside = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) inside = Number.parseInt(range[1]!, 16) <= address && address < Number.parseInt(range[2]!, 16);
    else if (inside && line.startsWith('VmFlags:')) return line.slice('VmFlags:'.length).trim().split(/\s+/);
  }
  return undefined;
}

/** The start of the largest anonymous read-write mapping (DuckDB's block reservation). */
function largestAnonymousStart(): { start: number; bytes: number } {
  let best = { start: 0, bytes: 0 };
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0\s*$/.exec(line);
    if (!m) continue;
    const [start, end] = [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)];
    if (end - start > best.bytes) best = { start, bytes: end - start };
  }
  return best;
}

describe.runIf(process.platform === 'linux')('openDuck and huge pages', () => {
  it("asks for huge pages on DuckDB's block reservation, and DuckDB works on it", async () => {
    const duck = await openDuck({ memoryLimit: '1GB', threads: 1 });
    try {
      expect(duck.hugePages.skipped).toBeUndefined();
      expect(duck.hugePages.bytes).toBeGreaterThanOrEqual(MIN_RESERVATION_BYTES);
      // The advised range is flagged 'hg' (MADV_HUGEPAGE) by the system.
      const { start, bytes } = largestAnonymousStart();
      expect(bytes).toBeGreaterThanOrEqual(MIN_RESERVATION_BYTES);
      expect(vmFlagsAt(start)).toContain('hg');
      // Buffer blocks come from it: a table of a few hundred MB is built and read back.
      await duck.conn.run(
        "CREATE TABLE t AS SELECT range AS k, repeat('x', 40) || range::VARCHAR AS s FROM range(3000000)",
      );
      expect(await queryValue<number>(duck.conn, 'SELECT sum(length(s))::DOUBLE FROM t')).toBe(
        3_000_000 * 40 + 19_888_890,
      );
    } finally {
      duck.close();
    }
  });

  it('leaves the memory alone when not asked', async () => {
    const before = new Set(
      readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    const duck = await openDuck({ memoryLimit: '1GB', threads: 1, hugePages: false });
    try {
      expect(duck.hugePages.bytes).toBe(0);
      for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0\s*$/.exec(line);
        if (!m || before.has(line.split(' ')[0])) continue;
        const [start, end] = [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)];
        if (end - start >= MIN_RESERVATION_BYTES) expect(vmFlagsAt(start)).not.toContain('hg');
      }
    } finally {
      duck.close();
    }
  });
});
