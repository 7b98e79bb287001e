import { describe, expect, it } from 'vitest';
import { bufferIO } from './context.js';
import { runCli } from './main.js';

describe('custodian model show', () => {
  it('prints the built-in model with m, u and weights per level', async () => {
    const io = bufferIO();
    expect(await runCli(['model', 'show'], io)).toBe(0);
    expect(io.stdout).toMatch(/^model fs-[0-9a-f]{12} \(custodian-fs-model\/1\)/);
    expect(io.stdout).toMatch(/Date of birth \[dob\]/);
    expect(io.stdout).toMatch(/day and month swapped\s+m=\s*[\d.]+\s+u=\s*[\d.e+-]+\s+weight=/);
  });

  it('refuses a file that is not a model, with exit 2', async () => {
    const io = bufferIO();
    expect(await runCli(['model', 'show', 'package.json'], io)).toBe(2);
    expect(io.stderr).toMatch(/package\.json: not a custodian-fs-model\/1 file .*\[CUS_MODEL_INVALID\]/);
  });
});
