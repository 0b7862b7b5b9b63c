import avro from 'avsc';

/**
 * What the Kafka client benchmark sends: Avro records about the size of the pipeline's own
 * (observations 515 bytes, decisions 770, updates 370, sector events 200; docs/BENCHMARKS.md),
 * framed as the schema registry frames them (magic byte, 4-byte schema id), keyed by a source
 * record id as the publisher keys them. Synthetic and deterministic: no person is real.
 */
export const BENCH_RECORD = avro.Type.forSchema({
  type: 'record',
  name: 'BenchObservation',
  namespace: 'vn.dancu.bench',
  fields: [
    { name: 'event_id', type: 'string' },
    { name: 'source_system', type: 'string' },
    { name: 'source_record_id', type: 'string' },
    { name: 'full_name', type: 'string' },
    { name: 'date_of_birth', type: ['null', 'string'] },
    { name: 'sex', type: 'string' },
    { name: 'address', type: 'string' },
    { name: 'event_time', type: 'long' },
    { name: 'details', type: 'string' },
  ],
});

const SCHEMA_ID = 1;
const SYLLABLES = ['an', 'binh', 'chi', 'dung', 'giang', 'hoa', 'khanh', 'lan', 'minh', 'ngoc', 'phuc', 'quang', 'son', 'thu', 'vy'];

export interface BenchMessage {
  key: Buffer;
  value: Buffer;
}

/** A small seeded generator (mulberry32), so every run and client sends the same bytes. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` framed records whose values are spread evenly between `minBytes` and `maxBytes`. */
export function benchMessages(count: number, minBytes = 300, maxBytes = 800, seed = 13): BenchMessage[] {
  const random = seeded(seed);
  const word = () => SYLLABLES[Math.floor(random() * SYLLABLES.length)] ?? 'an';
  const messages: BenchMessage[] = [];
  for (let index = 0; index < count; index += 1) {
    const sourceRecordId = `bench-${seed}-${index.toString().padStart(9, '0')}`;
    const record = {
      event_id: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      source_system: 'bench',
      source_record_id: sourceRecordId,
      full_name: `${word()} ${word()} ${word()}`,
      date_of_birth: `19${Math.floor(random() * 90 + 10)}-0${Math.floor(random() * 9 + 1)}-1${Math.floor(random() * 9)}`,
      sex: random() < 0.5 ? 'F' : 'M',
      address: `${Math.floor(random() * 900 + 1)} ${word()} ${word()}, phuong ${word()}, ${word()}`,
      event_time: 1_764_000_000_000 + index,
      details: '',
    };
    const target = minBytes + Math.floor(random() * (maxBytes - minBytes + 1));
    const bare = BENCH_RECORD.toBuffer(record).length + 5;
    record.details = 'x'.repeat(Math.max(0, target - bare - 2));
    const body = BENCH_RECORD.toBuffer(record);
    const value = Buffer.alloc(5 + body.length);
    value.writeUInt8(0, 0);
    value.writeUInt32BE(SCHEMA_ID, 1);
    body.copy(value, 5);
    messages.push({ key: Buffer.from(sourceRecordId), value });
  }
  return messages;
}

/** The consumer's work per message in the benchmark: unframe and decode, as a stage's first step does. */
export function decodeBenchValue(value: Buffer | null | undefined): unknown {
  if (!value || value.length < 5 || value.readUInt8(0) !== 0) throw new Error('not a framed Avro value');
  return BENCH_RECORD.fromBuffer(value.subarray(5));
}
