/**
 * Calendar arithmetic on day numbers (days since 1900-01-01, UTC), with a cached table of
 * `YYYY-MM-DD` strings so the master writer never formats a date in its inner loop. Dates are
 * computed from the `asOf` option, never from the clock.
 */
const MS_PER_DAY = 86_400_000;
const EPOCH = Date.UTC(1900, 0, 1);

export function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: '${iso}'`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (
    d.getUTCFullYear() !== Number(m[1]) ||
    d.getUTCMonth() !== Number(m[2]) - 1 ||
    d.getUTCDate() !== Number(m[3])
  )
    throw new RangeError(`not a calendar date: '${iso}'`);
  return Math.round((t - EPOCH) / MS_PER_DAY);
}

export function isoOf(day: number): string {
  return new Date(EPOCH + day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function isIsoDate(s: string): boolean {
  try {
    dayOf(s);
    return true;
  } catch {
    return false;
  }
}

/** Day numbers → ISO strings for days 0 … `lastDay`, computed once. */
export class DateTable {
  readonly strings: string[];
  readonly years: Uint16Array;
  constructor(lastDay: number) {
    this.strings = new Array<string>(lastDay + 1);
    this.years = new Uint16Array(lastDay + 1);
    for (let d = 0; d <= lastDay; d++) {
      const s = isoOf(d);
      this.strings[d] = s;
      this.years[d] = Number(s.slice(0, 4));
    }
  }
  iso(day: number): string {
    return this.strings[day] ?? isoOf(day);
  }
  year(day: number): number {
    return this.years[day] ?? Number(isoOf(day).slice(0, 4));
  }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `2025-03-04` → `March 4, 2025`. */
export function longDate(iso: string): string {
  return `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))}, ${iso.slice(0, 4)}`;
}

/** `2023-06-14` → `June 2023`. */
export function monthYear(iso: string): string {
  return `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}
