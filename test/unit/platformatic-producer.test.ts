import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { DancuError } from '../../services/shared/errors.js';
import { asKafkaError, toOutgoing } from '../../services/shared/kafka/platformatic-producer.js';

describe('toOutgoing', () => {
  it('sends string keys and values as their UTF-8 bytes', () => {
    const outgoing = toOutgoing('t', { key: 'k-1', value: 'giá trị' });
    expect([outgoing.key?.toString(), outgoing.value?.toString()]).toEqual(['k-1', 'giá trị']);
  });

  it('sends a header given several values once per value, in order', () => {
    const headers = toOutgoing('t', { value: null, headers: { trace: ['a', Buffer.from('b')], one: 'c' } }).headers as Map<Buffer, Buffer>;
    expect([...headers].map(([name, value]) => `${name.toString()}=${value.toString()}`)).toEqual(['trace=a', 'trace=b', 'one=c']);
  });

  it('sends a null value as no value and keeps the partition and timestamp given', () => {
    const outgoing = toOutgoing('t', { key: null, value: null, partition: 2, timestamp: '1764000000000' });
    expect(outgoing).toEqual({ topic: 't', partition: 2, timestamp: 1_764_000_000_000n });
  });
});

/** The classification as [code, retriable], or null when the error is not turned into a DancuError. */
function classified(error: Error): [string, boolean] | null {
  const result = asKafkaError(error);
  return result instanceof DancuError ? [result.code, result.retriable] : null;
}

describe('asKafkaError', () => {
  it('treats a broker away as retriable', () => {
    expect([classified(new NetworkError('Connection closed')), classified(new TimeoutError('Request timed out'))]).toEqual([
      ['DEPENDENCY_UNAVAILABLE', true],
      ['DEPENDENCY_UNAVAILABLE', true],
    ]);
  });

  it('treats a leader that moved, inside the errors of one send, as retriable', () => {
    const error = new MultipleErrors('Producing messages failed.', [new ProtocolError('NOT_LEADER_OR_FOLLOWER')]);
    expect(classified(error)).toEqual(['DEPENDENCY_UNAVAILABLE', true]);
  });

  it('treats a message the broker will never take as not retriable', () => {
    const error = new MultipleErrors('Producing messages failed.', [new ProtocolError('MESSAGE_TOO_LARGE')]);
    expect(classified(error)).toEqual(['KAFKA_MESSAGE_TOO_LARGE', false]);
  });

  it('treats a refusal for want of an ACL as retriable, waiting for the grant', () => {
    expect(classified(new ProtocolError('TOPIC_AUTHORIZATION_FAILED'))).toEqual(['KAFKA_TOPIC_AUTHORIZATION_FAILED', true]);
  });

  it('treats a login the broker refuses, the cause of a failed connection, as retriable, waiting for the fix', () => {
    const refused = new NetworkError('Connection to 127.0.0.1:9192 failed.', { cause: new AuthenticationError('SASL authentication failed.') });
    const error = new MultipleErrors('Cannot connect to any broker.', [refused]);
    expect(classified(error)).toEqual(['KAFKA_SASL_AUTHENTICATION_FAILED', true]);
  });

  it('treats a message the client cannot serialise as not retriable', () => {
    expect(classified(new UserError('Failed to serialize a message.'))).toEqual(['KAFKA_REFUSED', false]);
  });

  it('leaves an error from outside the library as it is', () => {
    const error = new TypeError('not a function');
    expect(asKafkaError(error)).toBe(error);
  });
});
