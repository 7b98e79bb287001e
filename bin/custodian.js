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
const { runCli } = await import(entry);
process.exitCode = await runCli(process.argv.slice(2));
