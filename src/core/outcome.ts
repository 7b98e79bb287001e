/** The outcome of one request record (interchange spec, section 3). */
export const OUTCOMES = ['disclosed', 'no_match', 'ambiguous', 'refused', 'pending_review'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the requesting agency sees (section 4): every non-disclosure reads the same. */
export type ReleaseStatus = 'disclosed' | 'not_disclosed';
