import { describe, expect, it } from 'vitest';
import { cliConfigSchema } from '../../services/cli/config.js';
import { securityDisabled } from '../../services/cli/kafka-acl-setup.js';
import { requireBrokers, requireRegistry } from '../../services/cli/kafka-session.js';
import { databaseRemedy } from '../../services/cli/run-settings.js';
import { parseConfig } from '../../services/shared/config/common.js';
import { DancuError } from '../../services/shared/errors.js';
import { databaseFailure, isConnectionFailure } from '../../services/shared/store/schema-check.js';

const DATABASE = 'postgres://someone:s3cret@db.example:6432/register';

async function refusal(promise: Promise<unknown>): Promise<DancuError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof DancuError)) throw new Error(`expected a DancuError, got ${String(error)}`);
  return error;
}

describe('a command finding no Kafka broker', () => {
  it('is refused at once with BROKERS_UNREACHABLE when no listed broker takes a connection', async () => {
    const error = await refusal(requireBrokers(['127.0.0.1:1', 'kafka-2:9092'], async () => false));
    expect(error.code).toBe('BROKERS_UNREACHABLE');
  });

  it('names the brokers it tried, the variable and what to do, in one line', async () => {
    const error = await refusal(requireBrokers(['127.0.0.1:1'], async () => false));
    expect(error.message).toMatch(/^no Kafka broker of DANCU_KAFKA_BROKERS \(127\.0\.0\.1:1\) takes a connection: start the stack .*$/);
  });

  it('goes on when any one listed broker takes a connection', async () => {
    await expect(requireBrokers(['127.0.0.1:1', 'kafka-2:9092'], async (address) => address === 'kafka-2:9092')).resolves.toBeUndefined();
  });

  it('finds a closed port closed without a broker to ask', async () => {
    const error = await refusal(requireBrokers(['127.0.0.1:1']));
    expect(error.code).toBe('BROKERS_UNREACHABLE');
  });
});

describe('a command finding no schema registry', () => {
  it('names the registry URL and the variable to set', async () => {
    const error = await refusal(requireRegistry('http://127.0.0.1:1/apis/ccompat/v7'));
    expect([error.code, error.message]).toEqual([
      'REGISTRY_UNREACHABLE',
      expect.stringMatching(/^the schema registry does not answer at http:\/\/127\.0\.0\.1:1\/apis\/ccompat\/v7: .*DANCU_SCHEMA_REGISTRY_URL/),
    ]);
  });
});

describe("the register's database as a command finds it", () => {
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('says a refused login is one, naming the database and the server’s reason', () => {
    const error = databaseFailure(pgError('28000', 'role "someone" does not exist'), DATABASE);
    expect([error.code, error.message]).toEqual([
      'DATABASE_LOGIN_REFUSED',
      'PostgreSQL refused the login to database "register" on db.example:6432 (role "someone" does not exist)',
    ]);
  });

  it('says a wrong password is a refused login', () => {
    expect(databaseFailure(pgError('28P01', 'password authentication failed for user "someone"'), DATABASE).code).toBe('DATABASE_LOGIN_REFUSED');
  });

  it('says a refused connection is a server that does not answer', () => {
    expect(databaseFailure(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), DATABASE).code).toBe('DATABASE_UNREACHABLE');
  });

  it('says a missing database is missing', () => {
    expect(databaseFailure(pgError('3D000', 'database "register" does not exist'), DATABASE).code).toBe('DATABASE_MISSING');
  });

  it('tells what to set after a refused login', () => {
    expect(databaseRemedy('DATABASE_LOGIN_REFUSED', { databaseUrl: DATABASE, demoRun: null })).toMatch(/DATABASE_URL .*DANCU_DATABASE_PASSWORD/);
  });

  it('refuses a DATABASE_URL that is not a URL, naming the variable', () => {
    expect(() => parseConfig(cliConfigSchema, { DATABASE_URL: 'notaurl' })).toThrow(/^invalid configuration: DATABASE_URL: not a URL/);
  });

  it('takes a DATABASE_URL of a Unix socket, which pg takes though a WHATWG URL does not', () => {
    const socket = 'postgres://postgres@/dancu?host=/var/run/postgresql';
    expect(parseConfig(cliConfigSchema, { DATABASE_URL: socket }).DATABASE_URL).toBe(socket);
  });
});

describe('an error of dancu migrate', () => {
  const sqlError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

  it('is a connection failure when no server takes the connection', () => {
    expect(isConnectionFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('is a connection failure when the login is refused or the server is starting', () => {
    expect([sqlError('28P01'), sqlError('57P03'), sqlError('3D000')].map(isConnectionFailure)).toEqual([true, true, true]);
  });

  it('is not a connection failure when a deadlock or a full disk stops the migration', () => {
    expect([sqlError('40P01'), sqlError('53100'), sqlError('57P01')].map(isConnectionFailure)).toEqual([false, false, false]);
  });
});

describe('dancu acl apply on a broker without ACLs', () => {
  const disabled = Object.assign(new Error('Security features are disabled'), { name: 'KafkaJSProtocolError', type: 'SECURITY_DISABLED' });

  it('says the broker takes no logins and where a secure one is', () => {
    expect(securityDisabled(disabled, ['127.0.0.1:9092'])?.message).toMatch(
      /^the broker at 127\.0\.0\.1:9092 keeps no ACLs .*DANCU_KAFKA_SECURITY=sasl_ssl.*stack up --secure/,
    );
  });

  it('leaves any other error alone', () => {
    expect(securityDisabled(new Error('connection refused'), ['127.0.0.1:9092'])).toBeNull();
  });
});
