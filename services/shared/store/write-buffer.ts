/**
 * Rows one chunk adds to a table, written by a single statement that reads them from one JSON
 * parameter (`jsonb_to_recordset`). Rows with the same key are folded into one first: an INSERT ... ON CONFLICT cannot
 * touch one row twice, and two CTEs of one statement cannot see each other's rows.
 */
export class WriteBuffer<Row extends object> {
  private readonly rows = new Map<string, Row>();
  private sequence = 0;

  constructor(
    readonly sql: string,
    private readonly keyOf: ((row: Row) => string) | null = null,
    private readonly fold: (earlier: Row, later: Row) => Row = (_, later) => later,
  ) {}

  add(row: Row): void {
    const key = this.keyOf ? this.keyOf(row) : String(this.sequence++);
    const earlier = this.rows.get(key);
    this.rows.set(key, earlier ? this.fold(earlier, row) : row);
  }

  get size(): number {
    return this.rows.size;
  }

  values(): Row[] {
    return [...this.rows.values()];
  }

  /** The rows as the statement's JSON parameter, and empties the buffer. */
  take(): string {
    const json = JSON.stringify(this.values());
    this.rows.clear();
    return json;
  }
}
