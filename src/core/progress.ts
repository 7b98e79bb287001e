/**
 * How long-running stages report progress without knowing who listens: the CLI draws a bar on
 * a terminal and stays quiet when piped; the server will publish it to the console.
 */
export interface ProgressSink {
  /** A stage starts; `total` is the number of units (rows, pairs) when known. */
  start(stage: string, total?: number): void;
  /** Units done so far in the current stage. */
  update(done: number): void;
  /** The current stage is finished. */
  stop(): void;
}

export const SILENT_PROGRESS: ProgressSink = { start() {}, update() {}, stop() {} };
