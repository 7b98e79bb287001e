import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodianError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { generateSynthetic, type SynthResult } from '../synth/generate.js';
import { openDuck, queryRows, queryValue, sqlString } from './duckdb.js';
import {
  attachMasterStore,
  importMaster,
  MASTER_STORE_FILE,
  MASTER_STORE_FORMAT,
  MASTER_STORE_TABLES,
  readBuildingInfo,
  readStoreInfo,
} from './master-store.js';

let tmp: string;
let synth: SynthResult;

function recorder(): ProgressSink & { stages: string[] } {
  const stages: string[] = [];
  return { stages, start: (s) => stages.push(s), update() {}, stop() {} };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'custodian-store-'));
  synth = await generateSynthetic({ out: path.join(tmp, 'synth'), taxpayers: 3000, requests: 50, seed: 3 });
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('importMaster', () => {
  it('builds a complete store holding only its own tables, reports it, and attaches it as views', async () => {
    const store = path.join(tmp, 'store-a');
    const info = await importMaster([synth.paths.master], store, { threads: 2, memoryLimit: '1GB' });
    expect(info.complete).toBe(true);
    expect(info.rows).toBe(synth.masterRows);
    expect(info.taxpayers).toBe(synth.taxpayers);
    expect(info.rejected).toBe(0);
    expect(info.format).toBe(MASTER_STORE_FORMAT);
    expect(info.masterKeys).toBeGreaterThan(info.taxpayers);
    expect(info.sources).toHaveLength(1);
    expect(info.sources[0]!.path).toBe(path.resolve(synth.paths.master));
    expect(Object.keys(info.stages)).toEqual(['load', 'standardise', 'prepare', 'finish']);
    expect(info.buildFinished).not.toBeNull();
    expect(existsSync(path.join(store, MASTER_STORE_FILE))).toBe(true);
    expect(existsSync(path.join(store, `${MASTER_STORE_FILE}.building`))).toBe(false);
    expect(existsSync(path.join(store, `${MASTER_STORE_FILE}.building-scratch`))).toBe(false);

    const again = await readStoreInfo(store);
    expect(again?.rows).toBe(info.rows);
    expect(again?.sizeBytes).toBeGreaterThan(0);

    const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
    try {
      const attached = await attachMasterStore(duck.conn, store, synth.paths.master);
      expect(attached?.taxpayers).toBe(synth.taxpayers);
      expect(await queryValue<number>(duck.conn, 'SELECT count(*) FROM mst_std')).toBe(synth.masterRows);
      expect(await queryValue<number>(duck.conn, 'SELECT count(*) FROM mst_person')).toBe(synth.taxpayers);
      expect(await queryValue<number>(duck.conn, 'SELECT count(*) FROM master_keys')).toBe(info.masterKeys);
      expect(await queryValue<number>(duck.conn, 'SELECT count(*) FROM tf_given')).toBeGreaterThan(10);
      expect(await queryValue<number>(duck.conn, 'SELECT count(*) FROM tf_family')).toBeGreaterThan(10);
      // Keys: an inverted index, one row per (rule, key), no block over the largest cap.
      const keyRows = await queryRows<{ n: number; distinct_keys: number; biggest: number }>(
        duck.conn,
        'SELECT count(*) AS n, count(DISTINCT (rule, key)) AS distinct_keys, max(len(tins)) AS biggest FROM master_keys',
      );
      expect(keyRows[0]!.n).toBe(keyRows[0]!.distinct_keys);
      expect(keyRows[0]!.biggest).toBeLessThanOrEqual(500);
      const tables = (
        await queryRows<{ table_name: string }>(
          duck.conn,
          `SELECT table_name FROM duckdb_tables() WHERE database_name = 'custodian_master' ORDER BY 1`,
        )
      ).map((r) => r.table_name);
      expect(tables).toEqual([...MASTER_STORE_TABLES, 'store_meta'].sort());
      const macros = await queryValue<number>(
        duck.conn,
        `SELECT count(*) FROM duckdb_functions() WHERE database_name = 'custodian_master'`,
      );
      expect(macros).toBe(0);
      // Read-only: the store cannot be changed through the attachment.
      await expect(duck.conn.run('DELETE FROM custodian_master.main.mst_std')).rejects.toThrow();
    } finally {
      duck.close();
    }

    // Nothing to do when the same files are imported again.
    const rec = recorder();
    const same = await importMaster([synth.paths.master], store, { progress: rec, threads: 2 });
    expect(same.upToDate).toBe(true);
    expect(rec.stages).toEqual([]);
  });

  it('attaches nothing for another master file, or when there is no store', async () => {
    const store = path.join(tmp, 'store-a');
    const other = path.join(tmp, 'other-master.csv');
    await copyFile(synth.paths.master, other);
    const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
    try {
      expect(await attachMasterStore(duck.conn, store, other)).toBeNull();
      // Same path, but modified since the import: not the same file.
      const { atime, mtime } = await stat(synth.paths.master);
      await utimes(synth.paths.master, atime, new Date(mtime.getTime() + 5000));
      try {
        expect(await attachMasterStore(duck.conn, store, synth.paths.master)).toBeNull();
      } finally {
        await utimes(synth.paths.master, atime, mtime);
      }
      expect(await attachMasterStore(duck.conn, path.join(tmp, 'no-store'), synth.paths.master)).toBeNull();
      const views = await queryValue<number>(
        duck.conn,
        `SELECT count(*) FROM duckdb_views() WHERE NOT internal AND view_name = 'mst_std'`,
      );
      expect(views).toBe(0);
      expect(await attachMasterStore(duck.conn, store, synth.paths.master)).not.toBeNull();
      // Without a master file, any complete store is attached.
      expect(await attachMasterStore(duck.conn, store)).not.toBeNull();
    } finally {
      duck.close();
    }
    expect(await readStoreInfo(path.join(tmp, 'no-store'))).toBeNull();
  });

  it('refuses a store of another format version, and a file that is not a store', async () => {
    const store = path.join(tmp, 'store-old');
    await importMaster([synth.paths.master], store, { threads: 2 });
    const file = path.join(store, MASTER_STORE_FILE);
    const rw = await openDuck({ path: file, threads: 1 });
    await rw.conn.run(`UPDATE store_meta SET value = '"custodian-master-store/0"' WHERE key = 'format'`);
    rw.close();
    const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
    try {
      const err = await attachMasterStore(duck.conn, store, synth.paths.master).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CustodianError);
      expect((err as CustodianError).code).toBe('CUS_STORE_INVALID');
      expect((err as CustodianError).message).toMatch(
        /custodian-master-store\/0.*re-import with `custodian master import`/,
      );
      // The refused store is not left attached.
      const attached = await queryValue<number>(
        duck.conn,
        `SELECT count(*) FROM duckdb_databases() WHERE database_name = 'custodian_master'`,
      );
      expect(attached).toBe(0);

      const junk = path.join(tmp, 'junk-store');
      await rm(junk, { recursive: true, force: true });
      await mkdir(junk, { recursive: true });
      await writeFile(path.join(junk, MASTER_STORE_FILE), 'not a database at all\n');
      await expect(attachMasterStore(duck.conn, junk)).rejects.toMatchObject({ code: 'CUS_STORE_INVALID' });
      await expect(readStoreInfo(junk)).rejects.toMatchObject({ code: 'CUS_STORE_INVALID' });
    } finally {
      duck.close();
    }
  });

  it('resumes an interrupted import after the last completed stage', async () => {
    const store = path.join(tmp, 'store-resume');
    const first = recorder();
    const partial = await importMaster([synth.paths.master], store, {
      threads: 2,
      progress: first,
      stopAfter: 'load',
    });
    expect(partial.complete).toBe(false);
    expect(Object.keys(partial.stages)).toEqual(['load']);
    expect(first.stages.some((s) => s.startsWith('import master.csv'))).toBe(true);
    expect(first.stages.some((s) => s.includes('standardise'))).toBe(false);
    // No half store is visible to readers.
    expect(existsSync(path.join(store, MASTER_STORE_FILE))).toBe(false);
    expect(await readStoreInfo(store)).toBeNull();
    expect((await readBuildingInfo(store))?.stages.load).toBeDefined();

    const second = recorder();
    const info = await importMaster([synth.paths.master], store, { threads: 2, progress: second });
    expect(info.complete).toBe(true);
    expect(info.resumedStages).toEqual(['load']);
    expect(second.stages.some((s) => s.startsWith('import master.csv'))).toBe(false);
    expect(second.stages.some((s) => s.includes('standardise'))).toBe(true);
    expect(info.rows).toBe(synth.masterRows);
    expect(info.taxpayers).toBe(synth.taxpayers);
    expect(await readBuildingInfo(store)).toBeNull();
  });

  it('starts again when an interrupted import left its raw rows in an earlier layout', async () => {
    const store = path.join(tmp, 'store-layout');
    await importMaster([synth.paths.master], store, { threads: 2, stopAfter: 'load' });
    // An import by an earlier version recorded no layout (its raw rows carried their numbers).
    const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
    try {
      await duck.conn.run(`ATTACH ${sqlString(path.join(store, `${MASTER_STORE_FILE}.building`))} AS b`);
      await duck.conn.run("DELETE FROM b.main.store_meta WHERE key = 'load_layout'");
    } finally {
      duck.close();
    }
    const rec = recorder();
    const info = await importMaster([synth.paths.master], store, { threads: 2, progress: rec });
    expect(info.resumedStages).toEqual([]);
    expect(rec.stages.some((s) => s.startsWith('import master.csv'))).toBe(true);
    expect(info.rows).toBe(synth.masterRows);
  });

  it('starts again when an interrupted import was of other files', async () => {
    const store = path.join(tmp, 'store-restart');
    const small = path.join(tmp, 'small-master.csv');
    const lines = (await readFile(synth.paths.master, 'utf8')).split('\n');
    await writeFile(small, `${lines.slice(0, 101).join('\n')}\n`);
    await importMaster([small], store, { threads: 2, stopAfter: 'standardise' });
    const rec = recorder();
    const info = await importMaster([synth.paths.master], store, { threads: 2, progress: rec });
    expect(info.resumedStages).toEqual([]);
    expect(info.rows).toBe(synth.masterRows);
  });

  it('appends several extracts, counting rejects, with distinct row numbers', async () => {
    const store = path.join(tmp, 'store-multi');
    const lines = (await readFile(synth.paths.master, 'utf8')).split('\n').filter((l) => l !== '');
    const header = lines[0]!;
    const half = Math.floor(lines.length / 2);
    const a = path.join(tmp, 'part-a.csv');
    const b = path.join(tmp, 'part-b.csv');
    await writeFile(a, `${[header, ...lines.slice(1, half)].join('\n')}\n`);
    // One row with a bad TIN in the second file.
    await writeFile(
      b,
      `${[header, ...lines.slice(half), `12345,ANN,,LEE,,1980-01-01,1 MAIN ST,,AUSTIN,TX,78701,2024`].join('\n')}\n`,
    );
    const info = await importMaster([a, b], store, { threads: 2 });
    expect(info.rows).toBe(synth.masterRows);
    expect(info.rejected).toBe(1);
    expect(info.sources.map((s) => s.rows)).toEqual([half - 1, lines.length - half]);
    const duck = await openDuck({ threads: 1, memoryLimit: '512MB' });
    try {
      await attachMasterStore(duck.conn, store);
      expect(await queryValue<number>(duck.conn, 'SELECT count(DISTINCT row_no) FROM mst_std')).toBe(
        synth.masterRows,
      );
      const rejects = await queryRows<{ file: string; reason: string }>(
        duck.conn,
        'SELECT * FROM master_rejects',
      );
      expect(rejects).toEqual([
        { file: b, where: expect.stringContaining('12345'), reason: 'tin is not 9 digits' },
      ]);
      // A store of two files is not "the same file" as either of them.
      expect(await attachMasterStore(duck.conn, store, a)).toBeNull();
    } finally {
      duck.close();
    }
  });

  it('imports a Parquet extract', async () => {
    const pq = await generateSynthetic({
      out: path.join(tmp, 'synth-pq'),
      taxpayers: 1500,
      requests: 10,
      seed: 4,
      masterFormat: 'parquet',
    });
    const info = await importMaster([pq.paths.master], path.join(tmp, 'store-pq'), { threads: 2 });
    expect(info.sources[0]!.format).toBe('parquet');
    expect(info.rows).toBe(pq.masterRows);
    expect(info.taxpayers).toBe(pq.taxpayers);
  });

  it('names a missing input file', async () => {
    await expect(importMaster([path.join(tmp, 'nope.csv')], path.join(tmp, 'store-x'))).rejects.toMatchObject(
      {
        code: 'CUS_INPUT_NOT_FOUND',
        message: expect.stringContaining('nope.csv'),
      },
    );
  });
});
