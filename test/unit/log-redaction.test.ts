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

  it('never writes a password, a database URL or SASL settings in clear', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    logger.info({ databaseUrl: 'postgres://dancu_store:pw-one@db/dancu', sasl: { mechanism: 'scram-sha-512', password: 'pw-two' } }, 'connecting');
    logger.child({ component: 'x' }).info({ options: { password: 'pw-three', connectionString: 'postgres://u:pw-four@h/d' } }, 'nested');
    logger.info({ password: 'pw-five', broker: { sasl: { username: 'dancu-store', password: 'pw-six' } } }, 'login');
    const text = lines.join('');
    for (const secret of ['pw-one', 'pw-two', 'pw-three', 'pw-four', 'pw-five', 'pw-six']) expect(text).not.toContain(secret);
  });

  it('keeps the fields that are not personal', () => {
    const { lines, stream } = capture();
    createLogger({ level: 'info' }, stream).info({ topic: 'dlq.v1', offset: '12' }, 'message dead-lettered');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ topic: 'dlq.v1', offset: '12', msg: 'message dead-lettered' });
  });
});
