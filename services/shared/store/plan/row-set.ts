/** Why a planned row is written: the decision (or steward, or merge) and the rule of the store that made it. */
export interface Cause {
  decision_id: string | null;
  rule: string;
}

/**
 * The rows a chunk writes to one table. Rows with the same key are folded into one: an
 * INSERT ... ON CONFLICT cannot touch one row twice, and two parts of one statement cannot see
 * each other's rows. Each row keeps the cause of its last fold.
 */
export class RowSet<Row extends object> {
  private readonly rows = new Map<string, { row: Row; cause: Cause }>();
  private sequence = 0;

  constructor(
    private readonly keyOf: ((row: Row) => string) | null = null,
    private readonly fold: (earlier: Row, later: Row) => Row = (_, later) => later,
  ) {}

  add(row: Row, cause: Cause): void {
    const key = this.keyOf ? this.keyOf(row) : String(this.sequence++);
    const earlier = this.rows.get(key);
    this.rows.set(key, { row: earlier ? this.fold(earlier.row, row) : row, cause });
  }

  /** The row planned under a key, if any (to change it before it is written). */
  get(key: string): Row | undefined {
    return this.rows.get(key)?.row;
  }

  delete(probe: Row): boolean {
    return this.keyOf ? this.rows.delete(this.keyOf(probe)) : false;
  }

  get size(): number {
    return this.rows.size;
  }

  values(): Row[] {
    return [...this.rows.values()].map((entry) => entry.row);
  }

  entries(): { row: Row; cause: Cause }[] {
    return [...this.rows.values()];
  }
}
