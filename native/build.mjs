// Builds the native comparison kernel (node-gyp: a C++17 compiler, make and python3). Run by
// `npm install` (the prepare script) and `npm run build:native`. When it cannot be built, the
// install still succeeds: Custodian then compares pairs with its SQL reference implementation,
// which gives the same decisions several times more slowly, and says so in every summary.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const run = spawnSync('node-gyp', ['rebuild', '--directory', here, '--silent'], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (run.status !== 0) {
  const why = run.error ? run.error.message : `node-gyp exited with ${run.status}`;
  process.stderr.write(
    `custodian: the native comparison kernel was not built (${why}).\n` +
      'custodian: pairs will be compared by the SQL reference implementation: the same decisions, several times slower.\n' +
      'custodian: to build it, install a C++ compiler, make and python3, then run `npm run build:native`.\n',
  );
}
