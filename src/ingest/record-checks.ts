/**
 * Row-level checks that make a record malformed (rule A17): it is refused with
 * MALFORMED_RECORD and a message naming the field; it is never dropped.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

/** Returns the problem with one field's value, or undefined. */
export function fieldProblem(column: string, value: string): string | undefined {
  const c = CONTROL.exec(value);
  if (c)
    return `${column} contains the control character U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (value.includes('\uFFFD')) return `${column} contains the replacement character U+FFFD`;
  if (column === 'date_of_birth' && value.trim() !== '' && !isValidIsoDate(value.trim())) {
    return `date_of_birth '${value}' is not a valid YYYY-MM-DD date`;
  }
  return undefined;
}
