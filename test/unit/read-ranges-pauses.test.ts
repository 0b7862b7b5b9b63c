import { describe, expect, it } from 'vitest';
import { partitionsToPause } from '../../services/shared/kafka/topic-snapshot.js';

const metadata = [
  { name: 'a', partitions: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }] },
  { name: 'b', partitions: [{ partitionId: 0 }, { partitionId: 1 }] },
];

describe('the partitions a read of offset ranges pauses from the start', () => {
  it('pauses every partition of the topics that has no range to read', () => {
    const wanted = new Map([['a\u00001', {}]]);
    expect(partitionsToPause(metadata, wanted)).toEqual([
      { topic: 'a', partitions: [0, 2] },
      { topic: 'b', partitions: [0, 1] },
    ]);
  });

  it('names no topic whose every partition has a range', () => {
    const wanted = new Map([
      ['b\u00000', {}],
      ['b\u00001', {}],
      ['a\u00000', {}],
    ]);
    expect(partitionsToPause(metadata, wanted)).toEqual([{ topic: 'a', partitions: [1, 2] }]);
  });
});
