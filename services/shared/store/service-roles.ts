/**
 * Least privilege in the register's database: one PostgreSQL role per service that connects to
 * it, and for every table what each may do. Rules as data: role-grants.ts applies them after
 * every migration, and a test fails when a migration adds a table this map does not name, so a
 * new table is never reachable (or unreachable) by accident.
 *
 * Ingest holds no database connection and has no role. The migration owner (DATABASE_URL's user)
 * keeps everything: the CLI's operator commands (load-population, steward users, reindex, backup)
 * run as it.
 */

export const SERVICE_ROLES = ['linker', 'store', 'steward', 'monitor'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** s: select, i: insert, u: update, d: delete. */
type Access = '' | 's' | 'sd' | 'si' | 'su' | 'siu' | 'sid' | 'siud';

interface TableAccess {
  linker: Access;
  store: Access;
  steward: Access;
  monitor: Access;
}

const none: TableAccess = { linker: '', store: '', steward: '', monitor: '' };

/**
 * Every table of the register. The store writes the register; the linker reads candidates (and
 * whether a record a change sent back waits in its case) and records the settings version it
 * links with; the steward service reads what a steward looks at
 * and writes only its own tables, its decisions' outbox rows and the audit log — never a citizen;
 * the monitor reads the backlog. The audit log is insert-only for every role (its trigger also
 * refuses updates and deletes to the owner).
 */
export const TABLE_ACCESS: Record<string, TableAccess> = {
  citizens: { linker: 's', store: 'siud', steward: 's', monitor: 's' },
  citizen_blocking_keys: { ...none, linker: 's', store: 'siud', steward: 's' },
  // Written by the citizens' triggers as the table's owner; read by a linker holding candidates in memory; pruned by the store.
  citizen_changes: { ...none, linker: 's', store: 'sd' },
  citizen_changes_pruned: { ...none, linker: 's', store: 'su' },
  citizen_facts: { ...none, store: 'siud', steward: 's' },
  citizen_merges: { ...none, store: 'siud', steward: 's' },
  citizen_versions: { ...none, store: 'siu' },
  field_provenance: { ...none, store: 'siud', steward: 's', monitor: 's' },
  linkage_constraints: { ...none, linker: 's', store: 'siu', steward: 's' },
  linkage_settings: { linker: 'si', store: 's', steward: 's', monitor: '' },
  linkage_settings_history: { ...none, linker: 'si', store: 's', steward: 's' },
  settings_shadow_runs: { ...none, steward: 's' },
  settings_relinks: { ...none, linker: 's', store: 'si' },
  register_reexaminations: { ...none, store: 'siu', steward: 's' },
  observation_outcomes: { ...none, store: 'siu', steward: 's', monitor: 's' },
  // The store also deletes published rows (outbox-retention.ts), the steward service's among them.
  outbox: { ...none, store: 'siud', steward: 'siu', monitor: 's' },
  processed_events: { ...none, store: 'si' },
  quality_findings: { ...none, store: 'siud', steward: 's', monitor: 's' },
  record_links: { linker: 's', store: 'siud', steward: 's', monitor: '' },
  // Whether a case's record was deleted at its source: the store refuses a steward all but a rejection then
  // (steward-apply.ts), and the steward service offers only that (case-queue.ts).
  record_deletions: { ...none, store: 'si', steward: 's' },
  review_case_keys: { ...none, store: 'siud' },
  // The linker reads whether a record sent back by a change waits in its case (settings-relinks.ts).
  review_cases: { linker: 's', store: 'siud', steward: 'su', monitor: 's' },
  steward_decisions: { ...none, store: 'siu', steward: 'si' },
  merge_proposals: { ...none, store: 's', steward: 'siu' },
  steward_users: { ...none, steward: 'su' },
  steward_sessions: { ...none, steward: 'sid' },
  unlinked_keys: { ...none, linker: 's', store: 'siud' },
  unlinked_records: { ...none, store: 'siud', steward: 's', monitor: 's' },
  audit_log: { ...none, store: 'si', steward: 'si' },
  consumer_positions: { ...none, store: 'siu' },
  steward_team_members: { ...none, steward: 'sid' },
  case_assignment_rules: { ...none, steward: 'siud' },
  bulk_batches: { ...none, steward: 'siud' },
  bulk_batch_decisions: { ...none, steward: 'siu' },
  population_loads: none,
  pgmigrations: none,
};

const PRIVILEGES: Record<string, string> = { s: 'select', i: 'insert', u: 'update', d: 'delete' };

/** The PostgreSQL role a service connects as. */
export function roleName(service: ServiceRole): string {
  return `dancu_${service}`;
}

/** What `role` may do on `table`, as SQL privilege names (empty: nothing). */
export function privilegesOn(table: string, service: ServiceRole): string[] {
  const access = TABLE_ACCESS[table]?.[service] ?? '';
  return [...access].map((letter) => PRIVILEGES[letter]!);
}

/** The tables a role may insert into: their sequences (serial ids) are granted with them. */
export function insertsInto(service: ServiceRole): string[] {
  return Object.keys(TABLE_ACCESS).filter((table) => TABLE_ACCESS[table]![service].includes('i'));
}

export function isServiceRole(name: string): name is ServiceRole {
  return (SERVICE_ROLES as readonly string[]).includes(name);
}

/**
 * The URL a service connects with: the register's, as the service's own role, with the role's
 * password from `DANCU_<SERVICE>_DATABASE_PASSWORD` when one is set (the stack's own cluster
 * trusts local connections and needs none).
 */
export function serviceDatabaseUrl(databaseUrl: string, service: ServiceRole, password: string | undefined): string {
  const url = new URL(databaseUrl);
  url.username = roleName(service);
  url.password = password === undefined ? '' : encodeURIComponent(password);
  return url.toString();
}
