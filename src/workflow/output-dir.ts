import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CustodianError } from '../core/errors.js';

/**
 * Writes a set of output files all-or-nothing: files go to a hidden staging folder inside
 * `dir`, and are moved into place only when every one is complete. On failure the staging
 * folder is removed and `dir` keeps what it had.
 */
export class OutputDir {
  readonly dir: string;
  readonly staging: string;
  private constructor(dir: string, staging: string) {
    this.dir = dir;
    this.staging = staging;
  }

  static async open(dir: string): Promise<OutputDir> {
    const abs = path.resolve(dir);
    const staging = path.join(abs, `.staging-${process.pid}-${Date.now()}`);
    try {
      await mkdir(staging, { recursive: true });
    } catch (e) {
      throw new CustodianError(
        'CUS_OUTPUT_UNWRITABLE',
        `${dir}: cannot create output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    return new OutputDir(abs, staging);
  }

  /** Path of a file being written (in the staging folder). */
  file(name: string): string {
    return path.join(this.staging, name);
  }

  /** Final path of a file once committed. */
  final(name: string): string {
    return path.join(this.dir, name);
  }

  async commit(): Promise<string[]> {
    const names = await readdir(this.staging);
    for (const n of names) await rename(path.join(this.staging, n), path.join(this.dir, n));
    await rm(this.staging, { recursive: true, force: true });
    return names.map((n) => path.join(this.dir, n));
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}
