import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CustodianError, isCustodianError } from '../core/errors.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { PIPELINE_VERSION } from '../core/versions.js';
import { loadMaster, masterRowsSql } from '../ingest/master-reader.js';
import { BLOCKING_RULES, buildMasterKeys, KEY_HASH_PROBE_SQL } from '../match/blocking.js';
import { buildMasterPersons, DEFAULT_MAX_BLOCK, MASTER_PERSONS_SQL } from '../match/fs-matcher.js';
import { buildTermFrequencies } from '../match/fs-score.js';
import { installStandardizer, STANDARDIZER_VERSION, standardizeMaster } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryRows, queryValue, sqlIdent, sqlString } from './duckdb.js';

/**
 * The master store: a master extract loaded, standardised and prepared for matching once, kept
 * on disk as a DuckDB file (`STORE/master.duckdb`) that every batch attaches read-only instead of
 * re-reading the extract (issue 5, part 1).
 *
 * It holds exactly the tables the matcher reads — `mst_std` (standardised rows, ordered by TIN),
 * `mst_cmp` (one row per taxpayer: its comparison record, with every address of record, for the
 * native comparison kernel;
 * `mst_person`, the taxpayers' names as text, is a view of `mst_std`), `tf_given` / `tf_family` (name frequencies), `master_keys`
 * (the blocking keys as an inverted index: one row per hashed key with its taxpayers, oversized
 * blocks already dropped) — plus
 * `master_rejects` (the first rejected rows of each file) and `store_meta` (format, versions,
 * sources, counts, build times).
 *
 * An import writes `master.duckdb.building` and renames it when complete, so a reader never sees
 * half a store. Intermediate tables live in a scratch database beside it (never in the store).
 * Each completed stage is recorded in `store_meta`; re-running the same import after an
 * interruption carries on after the last completed stage (and, within the load stage, after the
 * last completely loaded file).
 */

export const MASTER_STORE_FORMAT = 'custodian-master-store/8';
export const MASTER_STORE_FILE = 'master.duckdb';
const BUILDING_SUFFIX = '.building';
const SCRATCH_SUFFIX = '.building-scratch';
/**
 * Layout of an unfinished import's scratch database; an unfinished import of another layout is
 * started over (2: the raw rows loaded in place, numbered by rowid, rejects flagged).
 */
const LOAD_LAYOUT = 2;
/** Alias of the attached store in a processing connection. */
export const MASTER_STORE_ALIAS = 'custodian_master';

/** The tables `attachMasterStore` exposes as views of the same name. */
export const MASTER_STORE_TABLES = [
  'mst_std',
  'mst_cmp',
  'tf_given',
  'tf_family',
  'master_keys',
  'master_rejects',
] as const;

export const IMPORT_STAGES = ['load', 'standardise', 'prepare', 'finish'] as const;
export type ImportStage = (typeof IMPORT_STAGES)[number];

/**
 * Version of the master-side matching preparation: a digest of the blocking rules' master SQL.
 * A store built under other rules holds other keys, so it is refused like another format.
 */
export const MASTER_KEYS_VERSION = `keys/${createHash('sha256')
  .update(JSON.stringify(BLOCKING_RULES.map((r) => [r.id, r.master, r.maxBlock])))
  .digest('hex')
  .slice(0, 12)}`;

export interface MasterSource {
  /** Absolute path of the extract when imported. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the size and the first and last MiB: cheap, and catches a file rewritten in place. */
  readonly fingerprint: string;
  readonly format?: 'csv' | 'parquet' | undefined;
  readonly rows?: number | undefined;
  readonly rejected?: number | undefined;
}

export interface StageRecord {
  readonly finished: string;
  readonly ms: number;
}

export interface MasterStoreInfo {
  readonly storeDir: string;
  /** The store file (`master.duckdb`, or `master.duckdb.building` while incomplete). */
  readonly file: string;
  /** Bytes on disk (the file and its write-ahead log, if any). */
  readonly sizeBytes: number;
  readonly complete: boolean;
  readonly format: string;
  readonly standardizerVersion: string;
  readonly keysVersion: string;
  readonly pipelineVersion: string;
  readonly maxBlock: number;
  readonly buildStarted: string;
  readonly buildFinished: string | null;
  /** Sum of the stages' times (an import resumed after a stop does not count the pause). */
  readonly buildMs: number;
  readonly stages: Readonly<Partial<Record<ImportStage, StageRecord>>>;
  readonly rows: number;
  readonly taxpayers: number;
  readonly rejected: number;
  readonly masterKeys: number;
  readonly oversizedKeysSkipped: Readonly<Record<string, number>>;
  readonly sources: readonly MasterSource[];
  /** Set by `importMaster`: stages skipped because an earlier run had completed them. */
  readonly resumedStages?: readonly ImportStage[] | undefined;
  /** Set by `importMaster`: the complete store already held exactly these files; nothing was done. */
  readonly upToDate?: boolean | undefined;
}

export interface ImportOptions {
  /** DuckDB memory limit, e.g. '8GB' (default: 60% of the machine's memory). */
  readonly memoryLimit?: string | undefined;
  readonly threads?: number | undefined;
  /** Blocks shared by more taxpayers than this are dropped from `master_keys`. */
  readonly maxBlock?: number | undefined;
  readonly progress?: ProgressSink | undefined;
  /** Rebuild even when a complete store of the same files exists. */
  readonly force?: boolean | undefined;
  /**
   * Stop after this stage, leaving the `.building` store for a later run to resume (tests and
   * benchmarks; an interruption by a signal leaves the same state).
   */
  readonly stopAfter?: ImportStage | undefined;
}

export function masterStorePath(storeDir: string): string {
  return path.join(path.resolve(storeDir), MASTER_STORE_FILE);
}

/**
 * `custodian master import`: loads, standardises and prepares the extract(s) into
 * `storeDir/master.duckdb`. Several files are appended in the order given (a taxpayer's current
 * address is the one of the latest tax year, then the latest row).
 */
export async function importMaster(
  files: readonly string[],
  storeDir: string,
  opts: ImportOptions = {},
): Promise<MasterStoreInfo> {
  if (files.length === 0) throw new CustodianError('CUS_USAGE', 'master import: no master extract given');
  const progress = opts.progress ?? SILENT_PROGRESS;
  const maxBlock = opts.maxBlock ?? DEFAULT_MAX_BLOCK;
  if (!Number.isSafeInteger(maxBlock) || maxBlock < 1)
    throw new CustodianError(
      'CUS_USAGE',
      `master import: max block must be a positive whole number, not ${maxBlock}`,
    );
  const sources = await Promise.all(files.map((f) => describeSource(f)));
  const dir = path.resolve(storeDir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new CustodianError(
      'CUS_OUTPUT_UNWRITABLE',
      `master import: cannot create ${dir} (${firstLine(e)})`,
    );
  }
  const finalFile = path.join(dir, MASTER_STORE_FILE);
  const building = finalFile + BUILDING_SUFFIX;
  const scratch = finalFile + SCRATCH_SUFFIX;
  const importKey = digest({
    format: MASTER_STORE_FORMAT,
    standardizer: STANDARDIZER_VERSION,
    keys: MASTER_KEYS_VERSION,
    maxBlock,
    sources: sources.map((s) => [s.path, s.size, s.mtimeMs, s.fingerprint]),
  });

  if (!opts.force && existsSync(finalFile) && !existsSync(building)) {
    const current = await readMeta(finalFile).catch(() => undefined);
    if (current?.import_key === importKey) {
      const info = await readStoreInfo(dir);
      if (info) return { ...info, upToDate: true, resumedStages: [] };
    }
  }

  // An unfinished import of other files (or under other versions) cannot be resumed: start over.
  // One still running (its file locked) is never touched.
  if (existsSync(building) || existsSync(scratch)) {
    const previous = existsSync(building)
      ? await readMeta(building).catch((e: unknown) => {
          if (isCustodianError(e) && e.message.includes(IN_USE))
            throw new CustodianError(
              'CUS_STORE_INVALID',
              `${building}: another import is running on this store`,
            );
          return undefined;
        })
      : undefined;
    if (opts.force || previous?.import_key !== importKey || previous?.load_layout !== LOAD_LAYOUT)
      await removeBuildFiles(finalFile);
  }

  const tmp = path.join(dir, 'tmp');
  const workFile = path.join(tmp, 'import-work.duckdb');
  const duck = await openDuckOrExplain(building, {
    memoryLimit: opts.memoryLimit,
    threads: opts.threads,
    tempDirectory: path.join(tmp, 'import-spill'),
  });
  const { conn } = duck;
  const resumed: ImportStage[] = [];
  let stopped = false;
  try {
    const storeName = await queryValue<string>(conn, 'SELECT current_database()');
    const store = sqlIdent(storeName);
    const b: Build = { conn, store, storeName, progress };
    // The loaded rows persist in the scratch database (an interrupted import resumes after the
    // load); later intermediates live in a throw-away work database on disk, so that the
    // buffer manager can evict them: in memory they would pin the master's size in RAM.
    await conn.run(`ATTACH ${sqlString(scratch)} AS scratch`);
    await rm(workFile, { force: true });
    await rm(`${workFile}.wal`, { force: true });
    await conn.run(`ATTACH ${sqlString(workFile)} AS work`);
    await conn.run(
      `CREATE TABLE IF NOT EXISTS ${store}.main.store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
    );
    await conn.run(
      'CREATE TABLE IF NOT EXISTS scratch.main.load_done (file_index INTEGER PRIMARY KEY, rows BIGINT, rejected BIGINT, format VARCHAR, taxpayers BIGINT)',
    );
    let meta = await metaOf(conn, store);
    if (meta.import_key === undefined) {
      await putMeta(b, {
        format: MASTER_STORE_FORMAT,
        standardizer_version: STANDARDIZER_VERSION,
        keys_version: MASTER_KEYS_VERSION,
        pipeline_version: PIPELINE_VERSION,
        import_key: importKey,
        load_layout: LOAD_LAYOUT,
        max_block: maxBlock,
        key_hash_probe: await queryValue<string>(conn, KEY_HASH_PROBE_SQL),
        build_started: new Date().toISOString(),
        sources,
      });
      meta = await metaOf(conn, store);
    }
    // The scratch database may have been lost while the store says load is done: load again.
    if (
      meta['stage:load'] &&
      !meta['stage:standardise'] &&
      !(await tableExists(conn, 'scratch', 'master_raw'))
    ) {
      await conn.run(`DELETE FROM ${store}.main.store_meta WHERE key = 'stage:load'`);
      await conn.run('DELETE FROM scratch.main.load_done');
      meta = await metaOf(conn, store);
    }

    const stage = async (name: ImportStage, fn: () => Promise<void>): Promise<boolean> => {
      if (meta[`stage:${name}`]) {
        resumed.push(name);
        return opts.stopAfter === name;
      }
      const t0 = performance.now();
      await fn();
      const record: StageRecord = {
        finished: new Date().toISOString(),
        ms: Math.round(performance.now() - t0),
      };
      await putMeta(b, { [`stage:${name}`]: record });
      meta = await metaOf(conn, store);
      return opts.stopAfter === name;
    };

    stopped =
      (await stage('load', () => loadStage(b, sources))) ||
      (await stage('standardise', () => standardiseStage(b))) ||
      (await stage('prepare', () => prepareStage(b, maxBlock))) ||
      (await stage('finish', () => finishStage(b)));
    await conn.run('CHECKPOINT');
    await conn.run('CHECKPOINT scratch');
    await conn.run('DETACH work');
    if (!stopped) await conn.run('DETACH scratch');
  } catch (e) {
    if (isCustodianError(e)) throw e;
    throw new CustodianError('CUS_INTERNAL', `master import into ${building}: ${firstLine(e)}`, {
      cause: e,
    });
  } finally {
    duck.close();
    await rm(path.join(tmp, 'import-spill'), { recursive: true, force: true });
    await rm(workFile, { force: true });
    await rm(`${workFile}.wal`, { force: true });
    await rmdir(tmp).catch(() => undefined); // only when empty: processing keeps its own files there
  }
  if (stopped) {
    const info = await readInfoFrom(building, dir, false);
    return { ...info, resumedStages: resumed };
  }
  // Checkpointed and closed, the store has no write-ahead log; should one remain, it moves with it.
  await rm(`${finalFile}.wal`, { force: true });
  if (existsSync(`${building}.wal`)) await rename(`${building}.wal`, `${finalFile}.wal`);
  await rename(building, finalFile);
  await rm(scratch, { force: true });
  await rm(`${scratch}.wal`, { force: true });
  const info = await readStoreInfo(dir);
  if (!info) throw new CustodianError('CUS_INTERNAL', `master import: ${finalFile} missing after the import`);
  return { ...info, resumedStages: resumed };
}

/** What every stage needs: the connection, the store's catalog (quoted) and the progress sink. */
interface Build {
  readonly conn: DuckDBConnection;
  /** The store's catalog, quoted. */
  readonly store: string;
  readonly storeName: string;
  readonly progress: ProgressSink;
}

/**
 * Runs `fn` with the work database as the connection's default, so that code written
 * for a single database (the standardiser, prepareMaster) creates its tables there, not in the
 * store. `views` are made visible there as temporary views of the store's tables.
 */
async function inWork<T>(b: Build, views: readonly string[], fn: () => Promise<T>): Promise<T> {
  for (const v of views)
    await b.conn.run(
      `CREATE OR REPLACE TEMP VIEW ${sqlIdent(v)} AS SELECT * FROM ${b.store}.main.${sqlIdent(v)}`,
    );
  await b.conn.run('USE work');
  try {
    return await fn();
  } finally {
    await b.conn.run(`USE ${b.store}`);
    for (const v of views) await b.conn.run(`DROP VIEW IF EXISTS temp.main.${sqlIdent(v)}`);
  }
}

async function loadStage(b: Build, sources: readonly MasterSource[]): Promise<void> {
  const { conn, store } = b;
  const done = new Set(
    (await queryRows<{ file_index: number }>(conn, 'SELECT file_index FROM scratch.main.load_done')).map(
      (r) => r.file_index,
    ),
  );
  // The raw rows are read once more (by the standardise stage) and then dropped: written without
  // FSST (strings stay dictionary-compressed), the load takes about a fifth less time for half
  // as much again scratch space (measured in docs/performance.md).
  await conn.run("SET disabled_compression_methods = 'fsst,dict_fsst'");
  try {
    for (const [i, src] of sources.entries()) {
      if (done.has(i)) continue;
      const loaded = await loadMaster(
        conn,
        src.path,
        'scratch.master_part',
        prefixed(b.progress, `import ${path.basename(src.path)}`),
        { inPlace: true },
      );
      // One transaction per file (all in the scratch database): a file is loaded completely or not at all.
      await conn.run('BEGIN TRANSACTION');
      try {
        await conn.run(
          'CREATE TABLE IF NOT EXISTS scratch.main.rejects_raw (file VARCHAR, "where" VARCHAR, reason VARCHAR)',
        );
        if (await tableExists(conn, 'scratch', 'master_raw'))
          // Appended: its rows are numbered on after the earlier files' (rowid + 1, masterRowsSql).
          await conn.run('INSERT INTO scratch.main.master_raw SELECT * FROM scratch.main.master_part');
        // The first file becomes the raw table as it is (no copy).
        else await conn.run('ALTER TABLE scratch.main.master_part RENAME TO master_raw');
        for (let k = 0; k < loaded.rejects.length; k += 500) {
          const values = loaded.rejects
            .slice(k, k + 500)
            .map((r) => `(${sqlString(src.path)}, ${sqlString(r.where)}, ${sqlString(r.reason)})`)
            .join(', ');
          await conn.run(`INSERT INTO scratch.main.rejects_raw VALUES ${values}`);
        }
        await conn.run(
          `INSERT INTO scratch.main.load_done VALUES (${i}, ${loaded.rows}, ${loaded.rejected}, ${sqlString(loaded.format)}, ${loaded.taxpayers})`,
        );
        await conn.run('COMMIT');
      } catch (e) {
        await conn.run('ROLLBACK');
        throw e;
      }
      await conn.run('DROP TABLE IF EXISTS scratch.main.master_part');
    }
  } finally {
    await conn.run("SET disabled_compression_methods = ''");
  }
  const perFile = await queryRows<{
    file_index: number;
    rows: number;
    rejected: number;
    format: 'csv' | 'parquet';
    taxpayers: number;
  }>(conn, 'SELECT * FROM scratch.main.load_done ORDER BY file_index');
  const rows = perFile.reduce((s, f) => s + f.rows, 0);
  // A taxpayer may appear in several files: counted over all of them unless there is one.
  const taxpayers =
    perFile.length === 1
      ? perFile[0]!.taxpayers
      : await queryValue<number>(
          conn,
          'SELECT count(DISTINCT tin) FROM scratch.main.master_raw WHERE problem IS NULL',
        );
  await conn.run(
    `CREATE OR REPLACE TABLE ${store}.main.master_rejects AS SELECT * FROM scratch.main.rejects_raw ORDER BY file`,
  );
  await putMeta(b, {
    rows,
    taxpayers,
    rejected: perFile.reduce((s, f) => s + f.rejected, 0),
    sources: sources.map((s, i) => ({
      ...s,
      format: perFile[i]?.format,
      rows: perFile[i]?.rows,
      rejected: perFile[i]?.rejected,
    })),
  });
}

async function standardiseStage(b: Build): Promise<void> {
  b.progress.start('import: standardise');
  try {
    await inWork(b, [], async () => {
      await installStandardizer(b.conn);
      // The raw table holds every row of the files, flagged; the usable ones, numbered, are a view.
      await b.conn.run(
        `CREATE OR REPLACE TEMP VIEW master_rows AS ${masterRowsSql('scratch.main.master_raw')}`,
      );
      try {
        // Written straight into the store: no copy, no sort (every read of it is a hash join).
        await standardizeMaster(b.conn, 'master_rows', `${b.storeName}.main.mst_std`);
      } finally {
        await b.conn.run('DROP VIEW IF EXISTS temp.main.master_rows');
      }
    });
  } finally {
    b.progress.stop();
  }
}

async function prepareStage(b: Build, maxBlock: number): Promise<void> {
  const { conn, store } = b;
  b.progress.start('import: persons, name frequencies, blocking keys');
  let oversized: Record<string, number>;
  try {
    // The raw rows are not needed any more (standardise is complete when prepare runs).
    await conn.run('DROP TABLE IF EXISTS scratch.main.master_raw');
    await conn.run('DROP TABLE IF EXISTS scratch.main.rejects_raw');
    // Each table is written straight into the store (no copy); the matcher's code reads
    // `mst_std` by that name, here a view of the store's table, and `mst_person`, a view of it.
    const into = `${store}.main.`;
    oversized = await inWork(b, ['mst_std'], async () => {
      await installStandardizer(conn); // the persons' given-name variants come from its tables
      await buildMasterPersons(conn, into); // and the temporary view mst_person over mst_std
      try {
        await buildTermFrequencies(conn, into);
        return await buildMasterKeys(conn, `${into}master_keys`, maxBlock);
      } finally {
        await conn.run('DROP VIEW IF EXISTS temp.main.mst_person');
      }
    });
  } finally {
    b.progress.stop();
  }
  const masterKeys = await queryValue<number>(conn, `SELECT count(*) FROM ${store}.main.master_keys`);
  await putMeta(b, { oversized_keys_skipped: oversized, master_keys: masterKeys });
}

async function finishStage(b: Build): Promise<void> {
  const present = new Set(await listTables(b.conn, b.storeName));
  const missing = MASTER_STORE_TABLES.filter((t) => !present.has(t));
  if (missing.length > 0) throw new Error(`store lacks table(s) ${missing.join(', ')}`);
  const meta = await metaOf(b.conn, b.store);
  const buildMs = IMPORT_STAGES.filter((s) => s !== 'finish').reduce(
    (sum, s) => sum + ((meta[`stage:${s}`] as StageRecord | undefined)?.ms ?? 0),
    0,
  );
  await putMeta(b, { build_finished: new Date().toISOString(), build_ms: buildMs });
}

/** Tables of a database (catalog name, unquoted). */
async function listTables(conn: DuckDBConnection, name: string): Promise<string[]> {
  return (
    await queryRows<{ table_name: string }>(
      conn,
      `SELECT table_name FROM duckdb_tables() WHERE database_name = ${sqlString(name)} AND schema_name = 'main' AND NOT temporary`,
    )
  ).map((r) => r.table_name);
}

async function tableExists(conn: DuckDBConnection, db: string, table: string): Promise<boolean> {
  return (await listTables(conn, db)).includes(table);
}

// --- meta -----------------------------------------------------------------------------------

type Meta = Record<string, unknown>;

/** `db`: a quoted catalog name. */
async function metaOf(conn: DuckDBConnection, db: string): Promise<Meta> {
  const rows = await queryRows<{ key: string; value: string }>(
    conn,
    `SELECT key, value FROM ${db}.main.store_meta`,
  );
  return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
}

async function putMeta(b: Build, values: Meta): Promise<void> {
  const rows = Object.entries(values).map(([k, v]) => `(${sqlString(k)}, ${sqlString(JSON.stringify(v))})`);
  if (rows.length > 0)
    await b.conn.run(`INSERT OR REPLACE INTO ${b.store}.main.store_meta VALUES ${rows.join(', ')}`);
}

/** The meta of a store file, read through a throw-away in-memory connection. */
async function readMeta(file: string): Promise<Meta> {
  const duck = await openDuck({ threads: 1, memoryLimit: '256MB' });
  try {
    await attachReadOnly(duck.conn, file, 'store_probe');
    return await metaOrInvalid(duck.conn, file, sqlIdent('store_probe'));
  } finally {
    duck.close();
  }
}

async function attachReadOnly(conn: DuckDBConnection, file: string, alias: string): Promise<void> {
  try {
    await conn.run(`ATTACH ${sqlString(file)} AS ${sqlIdent(alias)} (READ_ONLY)`);
  } catch (e) {
    const msg = firstLine(e);
    if (/lock/i.test(msg))
      throw new CustodianError('CUS_STORE_INVALID', `${file}: ${IN_USE} (an import still running?) (${msg})`);
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${file}: not a readable Custodian master store (${msg}); re-import with \`custodian master import\``,
    );
  }
}

async function metaOrInvalid(conn: DuckDBConnection, file: string, alias: string): Promise<Meta> {
  try {
    return await metaOf(conn, alias);
  } catch (e) {
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${file}: not a Custodian master store (no store_meta: ${firstLine(e)}); re-import with \`custodian master import\``,
    );
  }
}

function infoFromMeta(
  meta: Meta,
  storeDir: string,
  file: string,
  sizeBytes: number,
  complete: boolean,
): MasterStoreInfo {
  const str = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : '');
  const num = (k: string) => (typeof meta[k] === 'number' ? (meta[k] as number) : 0);
  const stages: Partial<Record<ImportStage, StageRecord>> = {};
  for (const s of IMPORT_STAGES) {
    const r = meta[`stage:${s}`] as StageRecord | undefined;
    if (r) stages[s] = r;
  }
  return {
    storeDir,
    file,
    sizeBytes,
    complete,
    format: str('format'),
    standardizerVersion: str('standardizer_version'),
    keysVersion: str('keys_version'),
    pipelineVersion: str('pipeline_version'),
    maxBlock: num('max_block'),
    buildStarted: str('build_started'),
    buildFinished: typeof meta.build_finished === 'string' ? meta.build_finished : null,
    buildMs: num('build_ms') || Object.values(stages).reduce((s, r) => s + r.ms, 0),
    stages,
    rows: num('rows'),
    taxpayers: num('taxpayers'),
    rejected: num('rejected'),
    masterKeys: num('master_keys'),
    oversizedKeysSkipped: (meta.oversized_keys_skipped as Record<string, number> | undefined) ?? {},
    sources: (meta.sources as MasterSource[] | undefined) ?? [],
  };
}

async function fileBytes(file: string): Promise<number> {
  let total = 0;
  for (const f of [file, `${file}.wal`])
    total += await stat(f).then(
      (s) => s.size,
      () => 0,
    );
  return total;
}

async function readInfoFrom(file: string, storeDir: string, complete: boolean): Promise<MasterStoreInfo> {
  const meta = await readMeta(file);
  return infoFromMeta(
    meta,
    storeDir,
    file,
    await fileBytes(file),
    complete && typeof meta.build_finished === 'string',
  );
}

/**
 * What `custodian master info` shows: the complete store in `storeDir`, or null when there is
 * none. A file that is not a Custodian store → CUS_STORE_INVALID.
 */
export async function readStoreInfo(storeDir: string): Promise<MasterStoreInfo | null> {
  const dir = path.resolve(storeDir);
  const file = path.join(dir, MASTER_STORE_FILE);
  if (!existsSync(file)) return null;
  return readInfoFrom(file, dir, true);
}

/** An interrupted import waiting to be resumed in `storeDir`, or null. */
export async function readBuildingInfo(storeDir: string): Promise<MasterStoreInfo | null> {
  const dir = path.resolve(storeDir);
  const file = path.join(dir, MASTER_STORE_FILE + BUILDING_SUFFIX);
  if (!existsSync(file)) return null;
  return readInfoFrom(file, dir, false);
}

/**
 * Attaches the store in `storeDir` read-only and creates views `mst_std`, `mst_cmp`, `mst_person`,
 * `tf_given`, `tf_family`, `master_keys`, `master_rejects` in the connection's main schema.
 * Returns null (attaching nothing) when there is no complete store, or when `masterFile` is
 * given and the store was not built from exactly that file (path, size, modification time).
 * A store of another format, standardiser or blocking-rule version → CUS_STORE_INVALID.
 */
export async function attachMasterStore(
  conn: DuckDBConnection,
  storeDir: string,
  masterFile?: string,
): Promise<MasterStoreInfo | null> {
  const dir = path.resolve(storeDir);
  const file = path.join(dir, MASTER_STORE_FILE);
  if (!existsSync(file)) return null;
  const attached = await queryRows<{ path: string | null }>(
    conn,
    `SELECT path FROM duckdb_databases() WHERE database_name = ${sqlString(MASTER_STORE_ALIAS)}`,
  );
  if (attached.length > 0) await conn.run(`DETACH ${sqlIdent(MASTER_STORE_ALIAS)}`);
  await attachReadOnly(conn, file, MASTER_STORE_ALIAS);
  let keep = false;
  try {
    const meta = await metaOrInvalid(conn, file, sqlIdent(MASTER_STORE_ALIAS));
    const info = infoFromMeta(meta, dir, file, await fileBytes(file), true);
    checkCompatible(info);
    const probe = await queryValue<string>(conn, KEY_HASH_PROBE_SQL);
    if (meta.key_hash_probe !== probe)
      throw new CustodianError(
        'CUS_STORE_INVALID',
        `${file}: master store's blocking keys were hashed by another DuckDB version; re-import with \`custodian master import\``,
      );
    if (masterFile !== undefined && !builtFrom(info, masterFile, await statOrNull(masterFile))) return null;
    for (const t of MASTER_STORE_TABLES)
      await conn.run(
        `CREATE OR REPLACE VIEW main.${sqlIdent(t)} AS SELECT * FROM ${sqlIdent(MASTER_STORE_ALIAS)}.main.${sqlIdent(t)}`,
      );
    await conn.run(`CREATE OR REPLACE VIEW main.mst_person AS ${MASTER_PERSONS_SQL}`);
    keep = true;
    return info;
  } finally {
    if (!keep) await conn.run(`DETACH ${sqlIdent(MASTER_STORE_ALIAS)}`);
  }
}

/** Throws CUS_STORE_INVALID unless this Custodian can use a store with this info. */
export function checkCompatible(info: MasterStoreInfo): void {
  const reimport = 're-import with `custodian master import`';
  if (info.format !== MASTER_STORE_FORMAT)
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${info.file}: master store format '${info.format || '(none)'}', this Custodian reads '${MASTER_STORE_FORMAT}'; ${reimport}`,
    );
  if (info.standardizerVersion !== STANDARDIZER_VERSION)
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${info.file}: master store standardised by '${info.standardizerVersion}', this Custodian uses '${STANDARDIZER_VERSION}'; ${reimport}`,
    );
  if (info.keysVersion !== MASTER_KEYS_VERSION)
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${info.file}: master store built under blocking rules '${info.keysVersion}', this Custodian uses '${MASTER_KEYS_VERSION}'; ${reimport}`,
    );
  if (!info.buildFinished)
    throw new CustodianError('CUS_STORE_INVALID', `${info.file}: master store is incomplete; ${reimport}`);
}

function builtFrom(
  info: MasterStoreInfo,
  masterFile: string,
  st: { size: number; mtimeMs: number } | null,
): boolean {
  const src = info.sources;
  return (
    st !== null &&
    src.length === 1 &&
    src[0]!.path === path.resolve(masterFile) &&
    src[0]!.size === st.size &&
    Math.round(src[0]!.mtimeMs) === Math.round(st.mtimeMs)
  );
}

async function statOrNull(file: string): Promise<{ size: number; mtimeMs: number } | null> {
  return stat(file).then(
    (s) => ({ size: s.size, mtimeMs: s.mtimeMs }),
    () => null,
  );
}

// --- helpers --------------------------------------------------------------------------------

const FINGERPRINT_SPAN = 1 << 20;
const IN_USE = 'in use by another process';

async function describeSource(file: string): Promise<MasterSource> {
  const abs = path.resolve(file);
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch {
    throw new CustodianError('CUS_INPUT_NOT_FOUND', `${file}: no such file`);
  }
  if (!st.isFile()) throw new CustodianError('CUS_INPUT_UNREADABLE', `${file}: not a file`);
  const hash = createHash('sha256').update(String(st.size));
  try {
    const fh = await open(abs, 'r');
    try {
      const head = Buffer.alloc(Math.min(FINGERPRINT_SPAN, st.size));
      await fh.read(head, 0, head.length, 0);
      hash.update(head);
      if (st.size > FINGERPRINT_SPAN) {
        const tail = Buffer.alloc(Math.min(FINGERPRINT_SPAN, st.size - FINGERPRINT_SPAN));
        await fh.read(tail, 0, tail.length, st.size - tail.length);
        hash.update(tail);
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new CustodianError('CUS_INPUT_UNREADABLE', `${file}: cannot read (${firstLine(e)})`);
  }
  return { path: abs, size: st.size, mtimeMs: st.mtimeMs, fingerprint: hash.digest('hex').slice(0, 32) };
}

async function openDuckOrExplain(
  file: string,
  options: { memoryLimit?: string | undefined; threads?: number | undefined; tempDirectory: string },
): ReturnType<typeof openDuck> {
  try {
    return await openDuck({ path: file, ...options });
  } catch (e) {
    const msg = firstLine(e);
    if (/lock/i.test(msg))
      throw new CustodianError(
        'CUS_STORE_INVALID',
        `${file}: another import is running on this store (${msg})`,
      );
    throw new CustodianError(
      'CUS_STORE_INVALID',
      `${file}: cannot open (${msg}); delete it and import again`,
    );
  }
}

async function removeBuildFiles(finalFile: string): Promise<void> {
  for (const f of [BUILDING_SUFFIX, SCRATCH_SUFFIX])
    for (const g of [finalFile + f, `${finalFile}${f}.wal`]) await rm(g, { force: true });
}

function prefixed(progress: ProgressSink, stage: string): ProgressSink {
  return {
    start: (_s, total) => progress.start(stage, total),
    update: (d) => progress.update(d),
    stop: () => progress.stop(),
  };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** Bytes used by a folder's files (recursive), for reports. */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile())
      total += await stat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}
