import { describe, expect, it } from 'vitest';
import { cpuByRole, formatBudget, roleOf } from '../../services/bench/cost-budget.js';
import { categoryOf, summarise } from '../../services/bench/cpu-profile-summary.js';

describe('the per-event cost budget', () => {
  it('tells a process role by its command line', () => {
    expect(['node /x/bin/dancu.js run linker', 'java -cp libs/* kafka.Kafka server.properties', 'postgres: 15/main: checkpointer', 'bash'].map(roleOf)).toEqual(
      ['linker', 'kafka', 'postgresql', null],
    );
  });

  it('charges a role the CPU its processes used between two snapshots, all of it for a process that started in between', () => {
    const before = new Map([[1, { role: 'store', seconds: 10 }]]);
    const after = new Map([
      [1, { role: 'store', seconds: 12.5 }],
      [2, { role: 'store', seconds: 0.5 }],
    ]);
    expect(cpuByRole(before, after)).toEqual(new Map([['store', 3]]));
  });

  it('divides every figure by the events', () => {
    const text = formatBudget({
      events: 1000,
      cpu: new Map([['linker', 0.5]]),
      writes: new Map([['citizens', 2000]]),
      statements: 3000,
      transactions: 100,
      topics: new Map([['person.observations.v1', { messages: 1000, bytes: 800_000 }]]),
    });
    expect(text).toContain('| linker | 500 |');
    expect(text).toContain('| citizens | 2.00 |');
    expect(text).toContain('0.100 transactions and 3.00 statements per event');
    expect(text).toContain('| person.observations.v1 | 1.00 | 800 | 800 |');
  });
});

describe('a CPU profile summary', () => {
  it('charges a frame to its package, its dancu folder, or V8', () => {
    const frame = (url: string, functionName = 'f') => ({ url, functionName, lineNumber: 0 });
    expect([
      categoryOf(frame('file:///w/node_modules/kafkajs/src/index.js')),
      categoryOf(frame('file:///w/node_modules/@kafkajs/confluent-schema-registry/x.js')),
      categoryOf(frame('file:///w/dist/services/shared/linkage/engine.js')),
      categoryOf(frame('file:///w/dist/services/linker/linker-stage.js')),
      categoryOf(frame('', '(garbage collector)')),
    ]).toEqual(['kafkajs', '@kafkajs/confluent-schema-registry', 'dancu:linkage', 'dancu:linker', '(garbage collector)']);
  });

  it('counts sampled time as busy except idle and program time', () => {
    const summary = summarise({
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: 0 } },
        { id: 2, callFrame: { functionName: 'score', url: 'file:///w/dist/services/shared/linkage/scoring.js', lineNumber: 9 } },
      ],
      samples: [1, 2, 2],
      timeDeltas: [3000, 1000, 1000],
    });
    expect([summary.totalMs, summary.busyMs, summary.byCategory]).toEqual([5, 2, [['dancu:linkage', 2]]]);
  });

  const startAndRun = {
    nodes: [
      { id: 1, callFrame: { functionName: 'readRegisterSnapshot', url: 'file:///w/dist/services/shared/register/citizen-changes.js', lineNumber: 14 } },
      { id: 2, callFrame: { functionName: 'score', url: 'file:///w/dist/services/shared/linkage/scoring.js', lineNumber: 9 } },
    ],
    startTime: 1_000_000,
    samples: [1, 1, 2, 2, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000],
  };

  it("counts only the samples stamped inside a run's window, both ends included", () => {
    const summary = summarise(startAndRun, { fromUs: 1_003_000, toUs: 1_004_000 });
    expect([summary.totalMs, summary.byFunction]).toEqual([2, [['score scoring.js:10', 2]]]);
  });

  it('counts every sample without a window, the start included', () => {
    expect(summarise(startAndRun).byCategory).toEqual([
      ['dancu:linkage', 3],
      ['dancu:register', 2],
    ]);
  });
});
