import { describe, expect, it } from 'vitest';
import {
  ChunkSizer,
  defaultChunkMemory,
  MAX_CHUNK_REQUESTS,
  UNSAMPLED_PAIRS_PER_REQUEST,
} from './chunk-sizing.js';

const cost = { request: 1000, pair: 40 };
const MB = 1_000_000;

describe('ChunkSizer', () => {
  it('with a fixed size, gives it (or what is left) and admits every chunk', () => {
    const s = new ChunkSizer({ budgetBytes: 1, cost, fixed: 250_000 });
    expect(s.adaptive).toBe(false);
    expect(s.next(1_000_000)).toBe(250_000);
    expect(s.next(10)).toBe(10);
    expect(s.next(0)).toBe(0);
    expect(s.admit(250_000, 1e9)).toBe(true);
  });

  it('sizes chunks to the budget from the pairs per request measured, with head-room', () => {
    const s = new ChunkSizer({ budgetBytes: 100 * MB, cost, estimate: 20 });
    // 1000 + 40 × 20 × 1.25 = 2000 bytes a request.
    expect(s.next(1e9)).toBe(50_000);
    expect(s.next(30_000)).toBe(30_000);
    // A chunk that found 45 pairs a request: 1000 + 40 × 45 = 2800 bytes each, 40,000 × 2800 > 100 MB.
    expect(s.admit(40_000, 40_000 * 45)).toBe(false);
    // It learnt: 1000 + 40 × 45 × 1.25 = 3250 bytes a request.
    expect(s.next(1e9)).toBe(Math.floor((100 * MB) / 3250));
    expect(s.admit(30_000, 30_000 * 45)).toBe(true);
  });

  it('without an estimate, starts from the requests alone and learns from the first chunk', () => {
    const s = new ChunkSizer({ budgetBytes: 10 * MB, cost });
    expect(s.next(1e9)).toBe(10_000);
    expect(s.admit(10_000, 100_000)).toBe(false);
  });

  it('retries a refused chunk smaller, sized to what it found', () => {
    const s = new ChunkSizer({ budgetBytes: 100 * MB, cost });
    expect(s.admit(100_000, 100_000 * 45)).toBe(false);
    // 1000 + 40 × 45 × 1.25 = 3250 bytes a request.
    const retry = s.retry(100_000);
    expect(retry).toBe(Math.floor((100 * MB) / 3250));
    expect(s.admit(retry, retry * 45)).toBe(true);
    // Always smaller, never below one request.
    expect(s.admit(2, 1e12)).toBe(false);
    expect(s.retry(2)).toBe(1);
    expect(s.admit(100, 0)).toBe(true);
    expect(s.retry(100)).toBe(99);
  });

  it('admits a chunk of one request whatever its pairs (it cannot be split)', () => {
    const s = new ChunkSizer({ budgetBytes: 1, cost });
    expect(s.admit(1, 1_000_000)).toBe(true);
    expect(s.admit(2, 0)).toBe(false);
  });

  it('never makes a chunk larger than MAX_CHUNK_REQUESTS, nor smaller than one request', () => {
    expect(new ChunkSizer({ budgetBytes: 1e15, cost }).next(1e9)).toBe(MAX_CHUNK_REQUESTS);
    expect(new ChunkSizer({ budgetBytes: 10, cost, estimate: 1000 }).next(1e9)).toBe(1);
  });

  it('asks for a sample only when the budget would not hold the whole batch at the assumed most pairs', () => {
    // 1000 + 40 × 1,000 × 1.25 = 51,000 bytes a request at the assumed most.
    expect(UNSAMPLED_PAIRS_PER_REQUEST).toBe(1_000);
    const s = new ChunkSizer({ budgetBytes: 51_000 * 1_000, cost });
    expect(s.wantsSample(1_000)).toBe(false);
    expect(s.wantsSample(1_001)).toBe(true);
    // The batch then starts as one chunk, sized from the requests alone.
    expect(s.next(1_000)).toBe(1_000);
    expect(new ChunkSizer({ budgetBytes: 1, cost, fixed: 10 }).wantsSample(1e9)).toBe(false);
  });

  it('defaults to an eighth of the machine memory, at least 512 MiB', () => {
    expect(defaultChunkMemory(24e9)).toBe(3e9);
    expect(defaultChunkMemory(2e9)).toBe(512 * 1024 ** 2);
  });
});
