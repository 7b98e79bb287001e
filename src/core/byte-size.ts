/**
 * A size as DuckDB writes it ('8GB' = 8·10⁹ bytes, '8GiB' = 8·2³⁰, a bare number = bytes) in
 * bytes; undefined when not understood.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?\s*$/i.exec(text);
  if (!m) return undefined;
  const units: Record<string, number> = {
    B: 1,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
    KIB: 2 ** 10,
    MIB: 2 ** 20,
    GIB: 2 ** 30,
    TIB: 2 ** 40,
  };
  return Number(m[1]) * units[(m[2] ?? 'B').toUpperCase()]!;
}
