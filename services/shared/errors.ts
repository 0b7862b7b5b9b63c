/** Where in the stream a failure happened; travels with every error into logs and dead letters. */
export interface ErrorContext {
  stage?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  recordId?: string;
  sourceSystem?: string;
  /** A change captured from a sector's database (Debezium): its table, row key and WAL position, so the sector can find the row. */
  sourceTable?: string;
  sourceKey?: string;
  sourceLsn?: string;
}

/**
 * Every code a DancuError of dancu's own carries. The code is what dead letters, metrics and
 * the steward API report: a value here is a contract, renamed never. Some are rule codes of the
 * data-quality catalogue too (DECODE_FAILED, PAYLOAD_TOO_LARGE, TEXT_INVALID_UTF8): the
 * publisher's feedback names them as rules.
 */
export const ERROR_CODES = [
  // Any stage
  'VALIDATION_FAILED',
  'DECODE_FAILED',
  'DEPENDENCY_UNAVAILABLE',
  'REGISTER_BUSY',
  'REGISTRY_ACCESS_DENIED',
  'INTERNAL_ERROR',
  'CONFIG_INVALID',
  // Ingest
  'PAYLOAD_TOO_LARGE',
  'TEXT_INVALID_UTF8',
  'UNKNOWN_TOPIC',
  // The register and its merges
  'CITIZEN_NOT_FOUND',
  'CITIZEN_REGISTERED_MEANWHILE',
  'RECORD_MOVED_MEANWHILE',
  'CITIZEN_ALREADY_MERGED',
  'MERGE_SAME_CITIZEN',
  'MERGE_NOT_FOUND',
  'MERGE_ALREADY_UNDONE',
  'POPULATION_FILE_INVALID',
  'CSV_FILE_INVALID',
  // A decision's evidence against the settings it names
  'EVIDENCE_MISMATCH',
  'SETTINGS_VERSION_UNKNOWN',
  // The outbox
  'OUTBOX_UNPUBLISHABLE',
  // The register's database, Kafka and the registry, as a command finds them
  'DATABASE_MISSING',
  'DATABASE_UNREACHABLE',
  'DATABASE_LOGIN_REFUSED',
  'NOT_MIGRATED',
  'BROKERS_UNREACHABLE',
  'REGISTRY_UNREACHABLE',
  // Backup and restore of the register
  'BACKUP_UNREADABLE',
  'BACKUP_CORRUPT',
  'BACKUP_FOLDER_IN_USE',
  'PG_TOOL_MISSING',
  'PG_TOOL_FAILED',
  'RESTORE_TARGET_NOT_EMPTY',
  'CONSUMER_GROUP_ACTIVE',
  'REPLAY_IMPOSSIBLE',
  // The demo's run file (--demo)
  'NO_DEMO_RUN',
  'DEMO_RUN_UNREADABLE',
  // Review cases and steward decisions
  'CASE_NOT_FOUND',
  'CASE_DECIDED',
  'CLAIMED_BY_OTHER',
  'NOT_CLAIMED',
  'COMMENT_REQUIRED',
  'DECISION_NOT_ALLOWED',
  'DECISION_NOT_FOUND',
  'ALREADY_UNDONE',
  'NOT_APPLIED_YET',
  'NOT_APPLIED',
  'UNKNOWN_ACTION',
  'STEWARD_DECISION_REFUSED',
  'RECORD_DELETED',
  'UNDO_NOT_YOURS',
  'INVALID_PARAMETER',
  // Four-eyes merges
  'MERGE_NEEDS_APPROVAL',
  'MERGE_EVIDENCE_AGAINST',
  'OVERRIDE_NEEDS_SUPERVISOR',
  'MERGE_PROPOSED_ALREADY',
  'PROPOSAL_NOT_FOUND',
  'PROPOSAL_NOT_OPEN',
  'SAME_STEWARD',
  // Stewards' work: stale pages, assignment, bulk decisions
  'STALE_CASE',
  'UNKNOWN_STEWARD',
  'UNKNOWN_TEAM',
  'RULE_NOT_FOUND',
  'BATCH_NOT_FOUND',
  // Steward users
  'BAD_USERNAME',
  'WEAK_PASSWORD',
  'BAD_ROLE',
  // Database roles
  'ROLES_NOT_CREATED',
  // The linker's candidates held in memory
  'REGISTER_OUTGREW_MEMORY',
] as const;

/**
 * Codes of validation issues: the data-quality rules' codes. The rule catalogue
 * (quality/rules.ts) adds them to this interface by declaration merging, so that this module,
 * which every folder imports, imports none of them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by quality/rules.ts
export interface IssueCodes {}
export type IssueCode = Extract<keyof IssueCodes, string>;

/**
 * The code of a DancuError: one of dancu's own, a validation rule's, or a client error's
 * classified by asDancuError (a Kafka protocol error's type, a PostgreSQL SQLSTATE).
 */
export type ErrorCode = (typeof ERROR_CODES)[number] | IssueCode | `KAFKA_${string}` | `STORE_REJECTED_${string}`;

/** One problem found while validating a record; many are reported together. */
export interface Issue {
  code: IssueCode;
  path: string;
  message: string;
}

/**
 * The one base error of dancu. `retriable` says whether trying the same work again may succeed
 * (a broker or database that is away); bad input and programmer errors are never retried.
 */
export class DancuError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { retriable: boolean; context?: ErrorContext; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable;
    this.context = options.context ?? {};
  }

  withContext(context: ErrorContext): this {
    Object.assign(this.context, context);
    return this;
  }
}

/** Input that can never be processed as sent: all of its problems, found in one pass. */
export class ValidationError extends DancuError {
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[], context?: ErrorContext) {
    super(
      issues.length === 1 ? (issues[0]?.code ?? 'VALIDATION_FAILED') : 'VALIDATION_FAILED',
      issues.map((issue) => `${issue.path || '(record)'}: ${issue.message} [${issue.code}]`).join('; '),
      { retriable: false, context },
    );
    this.issues = issues;
  }
}

/** Bytes that are not a record of a known schema (not Avro, unknown schema id, truncated). */
export class DecodeError extends DancuError {
  constructor(message: string, cause?: unknown, context?: ErrorContext) {
    super('DECODE_FAILED', message, { retriable: false, context, cause });
  }
}

/** A dependency (Kafka, the registry, PostgreSQL) did not answer; the same work may succeed later. */
export class UnavailableError extends DancuError {
  constructor(dependency: string, cause?: unknown, context?: ErrorContext) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable${detail}`, { retriable: true, context, cause });
  }
}

/**
 * A transaction a person started that PostgreSQL aborted for another's sake each of the times it
 * ran (store/db.ts, inRetriedTransaction): nothing of it was committed, and run again a moment
 * later it most likely commits.
 */
export class RegisterBusyError extends DancuError {
  constructor(attempts: number, cause: unknown) {
    super('REGISTER_BUSY', `the register was changing the same rows each of the ${attempts} times this ran; nothing was changed`, { retriable: true, cause });
  }
}

/** A setting, a settings file or a rules file that dancu cannot run with: every problem in one message. */
export class ConfigError extends DancuError {
  constructor(message: string) {
    super('CONFIG_INVALID', message, { retriable: false });
  }
}

/** A bug in dancu itself: wrapped so it is dead-lettered with its stack, never retried in a loop. */
export class InternalError extends DancuError {
  constructor(cause: unknown, context?: ErrorContext) {
    super('INTERNAL_ERROR', cause instanceof Error ? cause.message : String(cause), {
      retriable: false,
      context,
      cause,
    });
  }
}

/**
 * SQLSTATEs of a transaction PostgreSQL aborted for another's sake: a circle of lock waits it broke
 * (40P01) or a serialization failure (40001). Nothing of it was committed, and run again it most
 * likely commits: the other transaction has gone on meanwhile.
 */
const ABORTED_FOR_ANOTHER: ReadonlySet<string> = new Set(['40P01', '40001']);

/** The first of these SQLSTATEs that `error`, or an error it wraps (eight deep at most), carries; else null. */
export function sqlstateAmong(error: unknown, codes: ReadonlySet<string>): string | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return code;
  }
  return null;
}

/** The SQLSTATE when `error`, or an error it wraps, is PostgreSQL aborting the transaction for another's sake; else null. */
export function abortedForAnother(error: unknown): string | null {
  return sqlstateAmong(error, ABORTED_FOR_ANOTHER);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATE classes and codes after which the same statement may succeed: a connection
 * lost (08), resources short (53), an operator's shutdown (57P01–57P03), a lock not available
 * (55P03), a system error (58), and a transaction aborted for another's sake (ABORTED_FOR_ANOTHER,
 * one list for both).
 */
const RETRIABLE_SQLSTATE = new RegExp(`^(08|53|57P0[1-3]|55P03|58|${[...ABORTED_FOR_ANOTHER].join('|')})`);
/**
 * PostgreSQL refusals that are the deployment's to fix, whatever the data: every statement of the
 * kind fails alike until someone does. The work waits for the fix (retriable) and is never
 * dead-lettered for it, as with a missing Kafka ACL. What each most likely means, for the log.
 */
const DEPLOYMENT_SQLSTATES: Readonly<Record<string, string>> = {
  '28000': 'the database refuses this login',
  '28P01': 'the database refuses this login (its password)',
  '42501': 'a database role lacks a grant',
  '25006': 'the database is read-only (a standby, or a former primary after a failover)',
  '42P01': 'a table is missing: the database is not migrated to this code',
  '42703': 'a column is missing: the database is not migrated to this code',
  '42883': 'a function is missing: the database is not migrated to this code, or lacks an extension',
  '42704': 'an object is missing (a type, an extension, a role): the database is not migrated to this code, or lacks an extension',
  '3D000': 'the database does not exist (its name in the settings, or it is not created yet)',
};

/**
 * What a fault of the deployment most likely is, for the one log line of its episode; null for any
 * other error. Such a fault stops every message alike until it is fixed (a grant, an ACL, a login,
 * a migration, a primary), so the work waits (the errors are retriable) and nothing is dead-lettered.
 */
export function deploymentFault(error: DancuError): string | null {
  const sqlstate = /^STORE_REJECTED_(.+)$/.exec(error.code)?.[1];
  if (sqlstate !== undefined) return Object.hasOwn(DEPLOYMENT_SQLSTATES, sqlstate) ? (DEPLOYMENT_SQLSTATES[sqlstate] ?? null) : null;
  if (/^KAFKA_.*_AUTHORIZATION_FAILED$/.test(error.code)) return 'the Kafka principal lacks an ACL';
  if (/^KAFKA_.*_AUTHENTICATION_FAILED$/.test(error.code)) return 'the broker refuses this login';
  if (error.code === 'REGISTRY_ACCESS_DENIED') return 'the schema registry refuses this service';
  return null;
}

/**
 * Errors thrown by the clients (kafkajs, pg, fetch) told apart by name and code: a broker or a
 * database that is away is retriable; a refused statement or an oversized message is not.
 */
function fromDependency(error: unknown): DancuError | null {
  if (!(error instanceof Error)) return null;
  const { code, retriable, type } = error as { code?: string; retriable?: boolean; type?: string };
  if (error.name.startsWith('KafkaJS')) {
    if (error.name === 'KafkaJSProtocolError' && retriable === false) {
      // A principal denied what it does is the deployment's to fix (a missing ACL), not the
      // message's fault: the work waits for the grant and is never dead-lettered for it.
      const denied = type?.endsWith('_AUTHORIZATION_FAILED') ?? false;
      return new DancuError(`KAFKA_${type ?? 'REFUSED'}`, error.message, { retriable: denied, cause: error });
    }
    return new UnavailableError('kafka', error);
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return new UnavailableError('a dependency', error);
  if (/Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(error.message)) {
    return new UnavailableError('postgresql', error);
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return RETRIABLE_SQLSTATE.test(code)
      ? new UnavailableError('postgresql', error)
      : new DancuError(`STORE_REJECTED_${code}`, error.message, { retriable: Object.hasOwn(DEPLOYMENT_SQLSTATES, code), cause: error });
  }
  return null;
}

/** Any thrown value as a DancuError: known ones pass through, client errors are classified, the rest are programmer errors. */
export function asDancuError(error: unknown, context?: ErrorContext): DancuError {
  const dancuError = error instanceof DancuError ? error : (fromDependency(error) ?? new InternalError(error));
  return context ? dancuError.withContext(context) : dancuError;
}
