import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../services/shared/observability/logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, stream };
}

describe('logging', () => {
  it('never writes a name, personal ID, date of birth or address in clear', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    logger.info({ personal_id: '079087000001', full_name: 'Nguyễn Văn Hùng', date_of_birth: '1987-03-14', address: 'Số 1 Lê Lợi' }, 'record seen');
    logger.child({ component: 'x' }).info({ person: { full_name: 'Trần Thị Mai' }, record: { personal_id: '001305000001' } }, 'nested');
    const text = lines.join('');
    for (const secret of ['079087000001', 'Nguyễn', '1987-03-14', 'Lê Lợi', 'Trần Thị Mai', '001305000001']) expect(text).not.toContain(secret);
  });

  it('never writes a password or a Kafka login’s settings in clear', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    logger.info({ password: 'p4ss-one', sasl: { mechanism: 'scram-sha-512', username: 'dancu-store', password: 'p4ss-two' } }, 'connecting');
    logger.info({ broker: { sasl: { password: 'p4ss-three' } } }, 'nested');
    const text = lines.join('');
    for (const secret of ['p4ss-one', 'p4ss-two', 'p4ss-three']) expect(text).not.toContain(secret);
  });

  it('keeps the fields that are not personal', () => {
    const { lines, stream } = capture();
    createLogger({ level: 'info' }, stream).info({ topic: 'dlq.v1', offset: '12' }, 'message dead-lettered');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ topic: 'dlq.v1', offset: '12', msg: 'message dead-lettered' });
  });
});
