/** The SQL types of the columns dancu passes through `jsonb_to_recordset` and COPY. */
export type SqlType = 'text' | 'integer' | 'bigint' | 'double precision' | 'boolean' | 'timestamptz' | 'jsonb';

/**
 * A table as the code sees it: its name and its columns with their types, written once. Column
 * lists, the record types of `jsonb_to_recordset` and the `set` lists of updates are derived from
 * it, so a column added to a migration is added here and nowhere else.
 */
export interface Table<Column extends string> {
  readonly name: string;
  readonly columns: readonly Column[];
  /** `a, b` — or `t.a, t.b` with an alias. */
  list(columns?: readonly Column[], alias?: string): string;
  /** `a text, b integer`: the record type of `jsonb_to_recordset(...) as x(...)`. */
  recordType(columns?: readonly Column[]): string;
  /** `a = x.a, b = x.b`: the `set` list of an update from a recordset aliased `from`. */
  assignments(columns: readonly Column[], from: string): string;
  /** The SQL type of one column. */
  typeOf(column: Column): SqlType;
}

export function defineTable<const Types extends Record<string, SqlType>>(name: string, types: Types): Table<keyof Types & string> {
  type Column = keyof Types & string;
  const all = Object.keys(types) as Column[];
  return {
    name,
    columns: all,
    list: (columns = all, alias) => columns.map((column) => (alias ? `${alias}.${column}` : column)).join(', '),
    recordType: (columns = all) => columns.map((column) => `${column} ${types[column]}`).join(', '),
    assignments: (columns, from) => columns.map((column) => `${column} = ${from}.${column}`).join(', '),
    typeOf: (column) => types[column] as SqlType,
  };
}
