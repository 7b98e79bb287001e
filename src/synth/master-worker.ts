import { parentPort, workerData } from 'node:worker_threads';
import { generateBlock, type MasterSpec, populationContext } from './master.js';

/** Worker thread of the master writer: generates the blocks it is sent (src/synth/master.ts). */
const spec = workerData as MasterSpec;
const ctx = populationContext(spec.seed, spec.asOf);
parentPort!.on('message', (block: number) => {
  const result = generateBlock(spec, block, ctx);
  parentPort!.postMessage(
    result,
    result.chunks.map((c) => c.buffer as ArrayBuffer),
  );
});
