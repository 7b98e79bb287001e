import { describe, expect, it } from 'vitest';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it('reads decimal and binary units, and bare bytes', () => {
    expect(parseByteSize('8GB')).toBe(8e9);
    expect(parseByteSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize(' 1.5 gb ')).toBe(1.5e9);
    expect(parseByteSize('4096')).toBe(4096);
  });
  it('refuses what is not a size', () => {
    expect(parseByteSize('lots')).toBeUndefined();
    expect(parseByteSize('-1GB')).toBeUndefined();
    expect(parseByteSize('8 GB extra')).toBeUndefined();
  });
});
