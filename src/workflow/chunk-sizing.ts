/**
 * How many requests each chunk of a batch matches. A chunk's requests, candidate pairs and scores
 * live in the comparison kernel's memory until the chunk is decided, and every chunk costs one
 * scan of the master's comparison records; so chunks are made as large as a memory budget
 * allows — sized from the candidate pairs per request measured so far — and no larger. A chunk
 * whose blocking finds more pairs than the budget holds is matched again in smaller pieces
 * before anything is scored. Pure: process-batch.ts does the measuring.
 */

/** Bytes of kernel memory a chunk takes per request and per candidate pair (the addon's chunkCost). */
export interface ChunkCost {
  readonly request: number;
  readonly pair: number;
}

/** The most requests in one chunk however small the master: bounds the blocking's work tables. */
export const MAX_CHUNK_REQUESTS = 2_000_000;
/** Requests blocked (not scored) to measure the candidate pairs per request before the first chunk. */
export const SAMPLE_REQUESTS = 10_000;
/** Head-room over the measured pairs per request when sizing a chunk (requests vary). */
export const PAIRS_MARGIN = 1.25;
/**
 * Candidate pairs per request a batch is assumed to reach at most when deciding whether to sample
 * it: ten times the largest average measured (90 a request at 100M master rows, docs/performance.md).
 * A batch the budget holds whole even at this many is matched as one chunk without a sample; if it
 * finds more, `admit` still refuses it and it is matched again in smaller pieces.
 */
export const UNSAMPLED_PAIRS_PER_REQUEST = 1_000;
/**
 * Default kernel memory for a chunk: an eighth of the machine's memory (DuckDB's default limit
 * is 60 % of it), at least 512 MiB — about 3 GB on a 24 GB machine, where a batch of 1M requests
 * against 20M master rows is one chunk.
 */
export function defaultChunkMemory(totalMemoryBytes: number): number {
  return Math.max(512 * 1024 ** 2, Math.floor(totalMemoryBytes / 8));
}

export class ChunkSizer {
  private pairsPerRequest: number;

  /**
   * `fixed`: every chunk this many requests, no budget (the `--chunk-size` of earlier versions).
   * `estimate`: candidate pairs per request measured on a sample, for the first chunk.
   */
  constructor(
    private readonly options: {
      readonly budgetBytes: number;
      readonly cost: ChunkCost;
      readonly fixed?: number | undefined;
      readonly estimate?: number | undefined;
    },
  ) {
    this.pairsPerRequest = options.estimate ?? 0;
  }

  /** Whether chunks are sized to the budget (else fixed). */
  get adaptive(): boolean {
    return this.options.fixed === undefined;
  }

  /**
   * Whether a batch of `requests` is worth blocking a sample of first: chunks are sized to the
   * budget, and the budget would not hold the whole batch at UNSAMPLED_PAIRS_PER_REQUEST pairs a
   * request. (The sample costs a scan of the master's blocking keys — seconds at 20M master rows —
   * which a batch small enough to be one chunk whatever it finds need not pay.)
   */
  wantsSample(requests: number): boolean {
    if (!this.adaptive) return false;
    return (
      this.bytes(requests, requests * UNSAMPLED_PAIRS_PER_REQUEST * PAIRS_MARGIN) > this.options.budgetBytes
    );
  }

  /** Requests for the next chunk, with `remaining` requests left. */
  next(remaining: number): number {
    if (remaining <= 0) return 0;
    const { fixed, budgetBytes, cost } = this.options;
    if (fixed !== undefined) return Math.min(fixed, remaining);
    const perRequest = cost.request + cost.pair * this.pairsPerRequest * PAIRS_MARGIN;
    const fits = Math.floor(budgetBytes / perRequest);
    return Math.max(1, Math.min(fits, MAX_CHUNK_REQUESTS, remaining));
  }

  /** Bytes of kernel memory a chunk of `requests` requests and `pairs` pairs takes. */
  bytes(requests: number, pairs: number): number {
    return requests * this.options.cost.request + pairs * this.options.cost.pair;
  }

  /**
   * After a chunk's blocking: whether its pairs fit the budget (always, with a fixed size, or for
   * a chunk of one request, which cannot be split). Learns the pairs per request either way.
   */
  admit(requests: number, pairs: number): boolean {
    if (requests > 0) this.pairsPerRequest = pairs / requests;
    if (!this.adaptive || requests <= 1) return true;
    return this.bytes(requests, pairs) <= this.options.budgetBytes;
  }

  /**
   * Requests to retry a refused chunk of `requests` with, once `admit` has learnt what it found:
   * the next chunk's size at those pairs per request, and always fewer than before.
   */
  retry(requests: number): number {
    return Math.max(1, Math.min(this.next(requests), requests - 1));
  }
}
