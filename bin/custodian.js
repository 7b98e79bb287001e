#!/usr/bin/env node
// Entry point of the `custodian` command. The TypeScript sources are compiled to dist/ by
// `npm install` (the package's `prepare` script); this shim only loads the compiled CLI.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'custodian: not built yet. Run `npm install` (or `npm run build`) in the project folder first.\n',
  );
  process.exit(2);
}
// DuckDB's allocator (its own jemalloc) hands freed memory back to the system after 10 s by
// default, and a batch's chunks reuse that much memory every 20 s or so: each chunk then
// faulted its buffers in again, page by page (on the benchmark machine, ≈ 3 s of system time
// per chunk at 20M master rows; docs/performance.md, seventh pass). A `custodian` process keeps
// what it has freed for reuse instead; peak memory is unchanged (DuckDB's memory limit still
// bounds what it holds). Set before DuckDB is loaded; an explicit setting wins.
process.env.DUCKDB_JE_MALLOC_CONF ??= 'dirty_decay_ms:-1,muzzy_decay_ms:-1';
const { runCli } = await import(entry);
process.exitCode = await runCli(process.argv.slice(2));
