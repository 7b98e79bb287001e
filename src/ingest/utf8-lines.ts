import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CustodianError } from '../core/errors.js';

/**
 * Streams a file as UTF-8 text chunks, failing with a clear error (file and byte offset) at
 * the first invalid byte sequence: a file that is not UTF-8 is unusable as a whole, so it is
 * refused before anything is written.
 */
export async function* utf8Chunks(file: string): AsyncGenerator<string> {
  await assertReadableFile(file);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    try {
      yield decoder.decode(buf, { stream: true });
    } catch {
      throw new CustodianError(
        'CUS_INPUT_NOT_UTF8',
        `${path.basename(file)}: not UTF-8 text (invalid byte sequence near byte ${offset + firstInvalid(buf)})`,
      );
    }
    offset += buf.length;
  }
  try {
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch {
    throw new CustodianError(
      'CUS_INPUT_NOT_UTF8',
      `${path.basename(file)}: not UTF-8 text (truncated sequence at end of file)`,
    );
  }
}

function firstInvalid(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return buf.length;
}

export async function assertReadableFile(file: string): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new CustodianError('CUS_INPUT_UNREADABLE', `${file}: not a regular file`);
  } catch (e) {
    if (e instanceof CustodianError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CustodianError('CUS_INPUT_NOT_FOUND', `${file}: file not found`);
    throw new CustodianError('CUS_INPUT_UNREADABLE', `${file}: cannot read (${code ?? String(e)})`);
  }
}
