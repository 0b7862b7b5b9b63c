/** Where in the stream a failure happened; travels with every error into logs and dead letters. */
export interface ErrorContext {
  stage?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  recordId?: string;
  sourceSystem?: string;
}

/** One problem found while validating a record; many are reported together. */
export interface Issue {
  code: string;
  path: string;
  message: string;
}

/**
 * The one base error of dancu. `retriable` says whether trying the same work again may succeed
 * (a broker or database that is away); bad input and programmer errors are never retried.
 */
export class DancuError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: { retriable: boolean; context?: ErrorContext; cause?: unknown }) {
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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATE classes and codes after which the same statement may succeed. */
const RETRIABLE_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01|55P03|58)/;

/**
 * Errors thrown by the clients (kafkajs, pg, fetch) told apart by name and code: a broker or a
 * database that is away is retriable; a refused statement or an oversized message is not.
 */
function fromDependency(error: unknown): DancuError | null {
  if (!(error instanceof Error)) return null;
  const { code, retriable, type } = error as { code?: string; retriable?: boolean; type?: string };
  if (error.name.startsWith('KafkaJS')) {
    if (error.name === 'KafkaJSProtocolError' && retriable === false) {
      return new DancuError(`KAFKA_${type ?? 'REFUSED'}`, error.message, { retriable: false, cause: error });
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
      : new DancuError(`STORE_REJECTED_${code}`, error.message, { retriable: false, cause: error });
  }
  return null;
}

/** Any thrown value as a DancuError: known ones pass through, client errors are classified, the rest are programmer errors. */
export function asDancuError(error: unknown, context?: ErrorContext): DancuError {
  const dancuError = error instanceof DancuError ? error : (fromDependency(error) ?? new InternalError(error));
  return context ? dancuError.withContext(context) : dancuError;
}
