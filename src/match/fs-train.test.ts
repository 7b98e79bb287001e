import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchRecords } from '../ingest/batch-reader.js';
import { loadMaster } from '../ingest/master-reader.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { type DuckDBConnection, openDuck } from '../store/duckdb.js';
import { generateSynthetic } from '../synth/generate.js';
import { generateCandidates } from './blocking.js';
import { prepareMaster } from './fs-matcher.js';
import { levelWeight } from './fs-model.js';
import { trainModel } from './fs-train.js';

/**
 * Unsupervised training is reproducible: the same inputs give the same model, whatever order
 * DuckDB's parallel writes left the tables in — the model's version is stamped on every
 * decision, so a retrained model must not differ by accident.
 */
let root: string;
let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'custodian-train-'));
  await generateSynthetic({ out: root, seed: 5, taxpayers: 4000, requests: 1500, threads: 1 });
  duck = await openDuck({ threads: 2 });
  conn = duck.conn;
  await installStandardizer(conn);
  await loadMaster(conn, path.join(root, 'master.csv'), 'master_raw');
  await standardizeMaster(conn, 'master_raw', 'mst_std');
  await loadBatchRecords(conn, path.join(root, 'batch', 'requests.csv'), 'req_loaded', root);
  await conn.run("CREATE TABLE req_raw AS SELECT * FROM req_loaded WHERE problem IS NULL OR problem = ''");
  await standardizeRequests(conn, 'req_raw', 'req_std');
  await prepareMaster(conn);
  await generateCandidates(conn, 'master_keys', 'candidates');
}, 120_000);

afterAll(() => {
  duck?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('unsupervised training', () => {
  it('gives the same model for the same inputs, in any physical order of the tables', async () => {
    const first = await trainModel(conn, 'candidates', { uSamplePairs: 200_000 });
    const again = await trainModel(conn, 'candidates', { uSamplePairs: 200_000 });
    expect(again.version).toBe(first.version);
    // The same rows in other orders (the u sample once depended on position).
    await conn.run('CREATE OR REPLACE TABLE req_std AS SELECT * FROM req_std ORDER BY hash(row_no, 7)');
    await conn.run('CREATE OR REPLACE TABLE mst_std AS SELECT * FROM mst_std ORDER BY hash(tin, 7) DESC');
    await conn.run(
      'CREATE OR REPLACE TABLE candidates AS SELECT * FROM candidates ORDER BY hash(row_no, tin)',
    );
    const shuffled = await trainModel(conn, 'candidates', { uSamplePairs: 200_000 });
    expect(shuffled.version).toBe(first.version);
    // And a different sample seed is a different model (the test can tell models apart).
    const other = await trainModel(conn, 'candidates', { uSamplePairs: 200_000, seed: 7 });
    expect(other.version).not.toBe(first.version);
  }, 120_000);

  it('learns that agreement is evidence for a match: every exact level weighs for, every "different" against', async () => {
    const model = await trainModel(conn, 'candidates', { uSamplePairs: 200_000 });
    for (const c of model.comparisons.filter((x) => ['given', 'family', 'dob', 'address'].includes(x.id))) {
      expect(levelWeight(c.levels[c.levels.length - 1]!), `${c.id} exact`).toBeGreaterThan(0);
      expect(levelWeight(c.levels[0]!), `${c.id} different`).toBeLessThan(0);
    }
    expect(model.lambda).toBeGreaterThan(0);
    expect(model.lambda).toBeLessThan(0.5);
  }, 120_000);
});
