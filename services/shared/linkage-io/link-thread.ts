/**
 * One of link-csv's linking threads (started by link-threads.ts): the register's rows, IDs and
 * indexes are the main thread's, in shared memory; the string pool, the engine and the record
 * reader are its own. Decides the chunks it is given and answers each with its D.csv lines.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { CandidateTally } from '../linkage/candidate-tally.js';
import { CompactRegister } from '../linkage/compact-register.js';
import { LinkageEngine } from '../linkage/engine.js';
import { InMemoryCandidateSource } from '../linkage/in-memory-candidates.js';
import { MatchRecordReader } from '../linkage/match-record.js';
import { TermFrequencies } from '../linkage/term-frequencies.js';
import { asDancuError } from '../errors.js';
import { decisionLine, recordOfRow } from './csv-io.js';
import type { FromLinkThread, LinkThreadSetup, ToLinkThread } from './link-thread-messages.js';
import { countDecisions, noDecisions } from './linking-phase.js';

const port = parentPort;
if (!port) throw new Error('link-thread.ts runs as a worker thread of link-csv');
const setup = workerData as LinkThreadSetup;
const register = new CompactRegister(setup.register);
const tally = new CandidateTally(new InMemoryCandidateSource(setup.indexes.rules, register, setup.indexes));
const engine = new LinkageEngine(setup.settings, TermFrequencies.fromCounts(setup.frequencies.total, setup.frequencies.counts), { asOf: setup.asOf });
const reader = new MatchRecordReader();

const send = (message: FromLinkThread) => port.postMessage(message);

async function decide(chunk: number, rows: Extract<ToLinkThread, { type: 'chunk' }>['rows']): Promise<void> {
  const decided = await engine.decideAll(
    rows.map((row) => recordOfRow(reader, row)),
    tally,
  );
  const decisions = noDecisions();
  countDecisions(decisions, decided);
  send({ type: 'decided', chunk, lines: decided.map(decisionLine).join(''), decisions });
}

port.on('message', (message: ToLinkThread) => {
  if (message.type === 'finish') {
    send({ type: 'tally', state: tally.state() });
    return;
  }
  decide(message.chunk, message.rows).catch((error: unknown) => {
    const failure = asDancuError(error);
    send({ type: 'failed', chunk: message.chunk, code: failure.code, message: failure.message });
  });
});
send({ type: 'ready' });
