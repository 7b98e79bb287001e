/**
 * Statute citations, compared after normalising their spelling: `8 USC 1326(a)`,
 * `8 U.S.C. § 1326(a)` and `8 usc 1326` are one statute, and a subsection cited under a
 * recognised section is recognised (shared/spec/disclosure-rules.md, rule A7).
 */
export interface Statute {
  /** Title number of the United States Code. */
  readonly title: number;
  /** Section, upper-cased (sections such as `1229a` keep their letter in lower case). */
  readonly section: string;
  /** Subsection path, e.g. ['a', '1'] for `(a)(1)`. */
  readonly subsections: readonly string[];
}

const CITATION =
  /^(\d{1,2})\s*U\.?\s*S\.?\s*C\.?(?:\s*A\.?)?\s*(?:§+|SEC(?:TION|\.)?)?\s*(\d+[A-Z]?(?:-\d+)?)\s*((?:\(\s*[A-Z0-9]+\s*\)\s*)*)$/i;

/** Parses a citation of the United States Code; null when it is not one. */
export function parseStatute(raw: string): Statute | null {
  const text = raw.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const m = CITATION.exec(text);
  if (!m) return null;
  const title = Number(m[1]);
  const section = m[2]!.toLowerCase();
  const subsections = [...(m[3] ?? '').matchAll(/\(\s*([A-Z0-9]+)\s*\)/gi)].map((s) => s[1]!.toLowerCase());
  return { title, section, subsections };
}

/** The canonical spelling: `8 USC 1326(a)(1)`. */
export function formatStatute(s: Statute): string {
  return `${s.title} USC ${s.section}${s.subsections.map((x) => `(${x})`).join('')}`;
}

/** Canonical spelling of a citation, or null when it cannot be parsed. */
export function normalizeStatute(raw: string): string | null {
  const s = parseStatute(raw);
  return s ? formatStatute(s) : null;
}

/** True when `cited` is `listed` itself or a subsection under it. */
export function statuteWithin(cited: Statute, listed: Statute): boolean {
  if (cited.title !== listed.title || cited.section !== listed.section) return false;
  if (cited.subsections.length < listed.subsections.length) return false;
  return listed.subsections.every((x, i) => cited.subsections[i] === x);
}

/** Rule A7: is the cited statute on the agreement's list of recognised criminal statutes? */
export function statuteRecognized(raw: string, recognised: readonly string[]): boolean {
  const cited = parseStatute(raw);
  if (!cited || cited.title === 26) return false;
  return recognised.some((r) => {
    const listed = parseStatute(r);
    return listed !== null && statuteWithin(cited, listed);
  });
}

/**
 * Provisions that are never non-tax criminal statutes, whatever an agreement lists: civil and
 * removal provisions of the immigration law, and all of Title 26 (tax). Agreement validation
 * rejects a list naming one of these (rule A7 is statutory).
 */
export const NEVER_CRIMINAL: readonly string[] = ['8 USC 1182', '8 USC 1227', '8 USC 1229a', '8 USC 1231'];

export function isNeverCriminal(raw: string): boolean {
  const cited = parseStatute(raw);
  if (!cited) return false;
  if (cited.title === 26) return true;
  return NEVER_CRIMINAL.some((n) => {
    const listed = parseStatute(n)!;
    // Any part of a never-criminal section, and any listing broad enough to cover one.
    return statuteWithin(cited, listed) || statuteWithin(listed, cited);
  });
}
