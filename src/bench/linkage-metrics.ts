import { type DuckDBConnection, queryValue } from '../store/duckdb.js';

export interface LinkageMetrics {
  readonly truePairs: number;
  readonly predicted: number;
  readonly correct: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/**
 * Precision, recall and F1 of predicted links `predicted(row_no, tin)` against true links
 * `truth(row_no, true_tin)` (requests without a true taxpayer have true_tin NULL).
 */
export async function linkageMetrics(
  conn: DuckDBConnection,
  predicted: string,
  truth: string,
): Promise<LinkageMetrics> {
  const truePairs = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ${truth} WHERE true_tin IS NOT NULL`,
  );
  const nPredicted = await queryValue<number>(conn, `SELECT count(*) FROM ${predicted}`);
  const correct = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ${predicted} p JOIN ${truth} t ON t.row_no = p.row_no AND t.true_tin = p.tin`,
  );
  const precision = nPredicted > 0 ? correct / nPredicted : 1;
  const recall = truePairs > 0 ? correct / truePairs : 0;
  return {
    truePairs,
    predicted: nPredicted,
    correct,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}

/** Share of true pairs that survive blocking (are among the candidate pairs). */
export async function pairCompleteness(
  conn: DuckDBConnection,
  candidates: string,
  truth: string,
): Promise<number> {
  const truePairs = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ${truth} WHERE true_tin IS NOT NULL`,
  );
  const kept = await queryValue<number>(
    conn,
    `SELECT count(*) FROM ${candidates} c JOIN ${truth} t ON t.row_no = c.row_no AND t.true_tin = lpad(c.tin::VARCHAR, 9, '0')`,
  );
  return truePairs > 0 ? kept / truePairs : 1;
}
