import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Field paths that may hold personal data. pino replaces them before a line is written, so no
 * name, personal ID, date of birth or address reaches a log in clear, whatever a component logs.
 */
export const PII_PATHS: readonly string[] = [
  'personal_id',
  'personalId',
  'full_name',
  'fullName',
  'name',
  'date_of_birth',
  'dateOfBirth',
  'address',
  '*.personal_id',
  '*.personalId',
  '*.full_name',
  '*.fullName',
  '*.date_of_birth',
  '*.dateOfBirth',
  '*.address',
  '*.person',
  'person',
  'record',
  '*.record',
];

/** Field paths that may hold a secret: a password, a URL with one in it, SASL settings. */
export const SECRET_PATHS: readonly string[] = [
  'password',
  '*.password',
  'connectionString',
  '*.connectionString',
  'databaseUrl',
  '*.databaseUrl',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'sasl',
  '*.sasl',
  'ssl',
  '*.ssl',
];

export function createLogger(options: { level: string; name?: string }, destination?: pino.DestinationStream): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level,
    redact: { paths: [...PII_PATHS, ...SECRET_PATHS], censor: '[redacted]' },
    base: { service: options.name ?? 'dancu' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(loggerOptions, destination) : pino(loggerOptions);
}

export type { Logger };
