import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

const CHUNK = 1 << 20;

/**
 * Text encoded straight into megabyte buffers: the many small strings that make up rows die
 * young instead of piling up as a rope the garbage collector has to copy.
 */
export class MemoryWriter {
  protected buffer: Buffer;
  protected used = 0;
  protected readonly chunks: Uint8Array[] = [];

  constructor(protected readonly chunkSize = CHUNK) {
    this.buffer = Buffer.allocUnsafe(chunkSize);
  }

  add(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (text.length * 3 > this.buffer.length - this.used) {
      this.seal();
      this.buffer = Buffer.allocUnsafe(Math.max(this.chunkSize, text.length * 3));
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Bytes already encoded (kept as they are). */
  addBytes(bytes: Uint8Array): void {
    this.seal();
    this.chunks.push(bytes);
  }

  /** Moves the filled part of the current buffer to the chunk list and starts a new buffer. */
  protected seal(): void {
    if (this.used === 0) return;
    this.chunks.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(this.chunkSize);
    this.used = 0;
  }

  /** The encoded text, in order. */
  finish(): Uint8Array[] {
    this.seal();
    return this.chunks.splice(0);
  }
}

/**
 * A file written in large chunks with backpressure: when the stream's queue is full the
 * producer waits for 'drain', so memory stays flat however many rows are written.
 */
export class ChunkWriter extends MemoryWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(
    readonly path: string,
    chunkSize = CHUNK,
  ) {
    super(chunkSize);
    this.stream = createWriteStream(path, { highWaterMark: 4 << 20 });
    this.stream.on('error', (e) => {
      this.failure = e;
    });
  }

  /** True when the buffered text should be flushed. */
  get full(): boolean {
    return this.used >= this.chunkSize - 65_536 || this.chunks.length > 0;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    let ok = true;
    for (const chunk of this.finish()) ok = this.stream.write(chunk);
    if (!ok) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    if (!this.stream.writableFinished) await once(this.stream, 'finish');
    if (this.failure) throw this.failure;
  }

  /** Stops without waiting (after an error elsewhere). */
  destroy(): void {
    this.stream.destroy();
  }
}
