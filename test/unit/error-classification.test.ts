import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { abortedForAnother, asDancuError, DancuError, deploymentFault, ValidationError } from '../../services/shared/errors.js';
import { registryFailure } from '../../services/shared/kafka/registry.js';

function pgError(code: string): Error {
  return Object.assign(new Error(`pg ${code}`), { code });
}

/** A broker's error code as kafkajs turns it into an error (the shape its protocol parser hands KafkaJSProtocolError). */
function kafkaProtocolError(type: string, code: number, retriable: boolean, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
}

describe('asDancuError', () => {
  it('keeps a DancuError as it is', () => {
    const error = new ValidationError([{ code: 'NAME_MISSING', path: 'person.full_name', message: 'required' }]);
    expect(asDancuError(error)).toBe(error);
  });

  it('treats a programmer error as not retriable', () => {
    const error = asDancuError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect([error.code, error.retriable]).toEqual(['INTERNAL_ERROR', false]);
  });

  it('treats a refused connection as retriable', () => {
    expect(asDancuError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).retriable).toBe(true);
  });

  it('treats a PostgreSQL shutdown or serialization failure as retriable', () => {
    expect([asDancuError(pgError('57P01')).retriable, asDancuError(pgError('40001')).retriable]).toEqual([true, true]);
  });

  it('treats every transaction PostgreSQL aborted for another, a lost connection and a lock not available as retriable', () => {
    const codes = ['40P01', '40001', '08006', '55P03', '53300', '58030'];
    expect(codes.map((code) => [code, asDancuError(pgError(code)).retriable])).toEqual(codes.map((code) => [code, true]));
    expect(['40P01', '40001'].map((code) => abortedForAnother(pgError(code)))).toEqual(['40P01', '40001']);
  });

  it('treats a PostgreSQL constraint violation as not retriable', () => {
    const error = asDancuError(pgError('23505'));
    expect([error.code, error.retriable]).toEqual(['STORE_REJECTED_23505', false]);
  });

  it('waits for a fault of the deployment in PostgreSQL (a grant, a read-only standby, a table or column not migrated, a login refused) and names it', () => {
    const codes = ['42501', '25006', '42P01', '42703', '28P01', '28000'];
    const errors = codes.map((code) => asDancuError(pgError(code)));
    expect(errors.map((error) => [error.code, error.retriable, deploymentFault(error) !== null])).toEqual(
      codes.map((code) => [`STORE_REJECTED_${code}`, true, true]),
    );
  });

  it('waits for a database, a function or an object (a type, an extension) that does not exist, a fault of the deployment, and names it', () => {
    const codes = ['3D000', '42883', '42704'];
    const errors = codes.map((code) => asDancuError(pgError(code)));
    expect(errors.map((error) => [error.code, error.retriable, deploymentFault(error) !== null])).toEqual(
      codes.map((code) => [`STORE_REJECTED_${code}`, true, true]),
    );
  });

  it('keeps data the database refuses (a check, a value of the wrong type, a value too long) not retriable and no deployment fault', () => {
    const errors = ['23514', '22P02', '22001'].map((code) => asDancuError(pgError(code)));
    expect(errors.map((error) => [error.retriable, deploymentFault(error)])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
  });

  it('treats a broker connection error from kafkajs as retriable', () => {
    const error = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });
    expect(asDancuError(error).retriable).toBe(true);
  });

  it('treats a group coordinator still loading after a broker restart as retriable', () => {
    const loading = kafkaProtocolError('COORDINATOR_LOAD_IN_PROGRESS', 14, true, "The coordinator is loading and hence can't process requests for this group");
    expect(asDancuError(loading).retriable).toBe(true);
  });

  it('treats a broker refusing a request for good as not retriable', () => {
    const refused = kafkaProtocolError(
      'MESSAGE_TOO_LARGE',
      10,
      false,
      'The request included a message larger than the max message size the server will accept',
    );
    expect([asDancuError(refused).code, asDancuError(refused).retriable]).toEqual(['KAFKA_MESSAGE_TOO_LARGE', false]);
  });

  it('treats a topic the principal may not write as a grant to wait for, never a message to dead-letter', () => {
    const denied = kafkaProtocolError('TOPIC_AUTHORIZATION_FAILED', 29, false, 'Not authorized to access topics: [Topic authorization failed]');
    expect([asDancuError(denied).code, asDancuError(denied).retriable]).toEqual(['KAFKA_TOPIC_AUTHORIZATION_FAILED', true]);
  });

  it('adds the stream position to the error context', () => {
    const error = asDancuError(new DancuError('UNKNOWN_TOPIC', 'x', { retriable: false }), { topic: 't', partition: 1, offset: '7' });
    expect(error.context).toEqual({ topic: 't', partition: 1, offset: '7' });
  });
});

/** A failed request of the registry client library: its ResponseError carries the HTTP status. */
function registryError(status: number): Error {
  return Object.assign(new Error(`Error, status ${status}`), { status });
}

describe('registryFailure', () => {
  it('waits for a registry that refuses this service (401, 403), a fault of the deployment, instead of dead-lettering', () => {
    const errors = [401, 403].map((status) => registryFailure(registryError(status), 'cannot decode') as DancuError);
    expect(errors.map((error) => [error.code, error.retriable, deploymentFault(error) !== null])).toEqual([
      ['REGISTRY_ACCESS_DENIED', true, true],
      ['REGISTRY_ACCESS_DENIED', true, true],
    ]);
  });

  it('treats a registry that asks for fewer requests (429) as busy, retriable', () => {
    const error = registryFailure(registryError(429), 'cannot decode') as DancuError;
    expect([error.code, error.retriable]).toEqual(['DEPENDENCY_UNAVAILABLE', true]);
  });

  it('keeps a schema id the registry does not have a message that cannot be decoded', () => {
    const error = registryFailure(registryError(404), 'cannot decode') as DancuError;
    expect([error.code, error.retriable]).toEqual(['DECODE_FAILED', false]);
  });
});

describe('abortedForAnother', () => {
  it('names the SQLSTATE of a transaction PostgreSQL aborted to break a circle of lock waits, or for a serialization failure', () => {
    expect([abortedForAnother(pgError('40P01')), abortedForAnother(pgError('40001'))]).toEqual(['40P01', '40001']);
  });

  it('finds the abort inside the error dancu wrapped it in', () => {
    expect(abortedForAnother(asDancuError(pgError('40P01')))).toBe('40P01');
  });

  it('is null for any other failure, retriable or not', () => {
    expect([pgError('57P01'), pgError('23505'), new Error('connect ECONNREFUSED'), 'not an error'].map(abortedForAnother)).toEqual([null, null, null, null]);
  });
});
