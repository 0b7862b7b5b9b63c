/**
 * One of link-csv's linking threads (started by link-threads.ts): the register's rows, IDs and
 * indexes are the main thread's, in shared memory; the string pool, the engine and the record
 * reader are its own. Works out its share of the estimation's pairs when asked, takes the settings
 * as estimated, then decides the chunks it is given and answers each with its D.csv lines.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { CandidateTally } from '../linkage/candidate-tally.js';
import { CompactRegister } from '../linkage/compact-register.js';
import { LinkageEngine } from '../linkage/engine.js';
import { estimationPairsOf } from '../linkage/estimate.js';
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
const frequencies = TermFrequencies.fromCounts(setup.frequencies.total, setup.frequencies.counts);
// With the settings as given; when they are estimated, the main thread sends the estimate before the first chunk.
let engine = new LinkageEngine(setup.settings, frequencies, { asOf: setup.asOf });
const reader = new MatchRecordReader();

const send = (message: FromLinkThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** The estimation's pairs are looked up in an index of their own: the tally counts the linking's lookups only. */
function workOutPairs({ request, rows, draws, share }: Extract<ToLinkThread, { type: 'pairs' }>): void {
  const source = new InMemoryCandidateSource(setup.indexes.rules, register, setup.indexes);
  const records = rows.map((row) => recordOfRow(reader, row));
  const pairs = estimationPairsOf(setup.settings, register, source, records, draws, share);
  const worked = [pairs.random, pairs.blocked, ...pairs.sessions.map((session) => session.pairs)];
  send(
    { type: 'pairs', request, pairs },
    worked.flatMap((levels) => [levels.levels.buffer as ArrayBuffer, levels.recordOf.buffer as ArrayBuffer]),
  );
}

async function decide(chunk: number, rows: Extract<ToLinkThread, { type: 'chunk' }>['rows']): Promise<void> {
  const decided = await engine.decideAll(
    rows.map((row) => recordOfRow(reader, row)),
    tally,
  );
  const decisions = noDecisions();
  countDecisions(decisions, decided);
  send({ type: 'decided', chunk, lines: decided.map(decisionLine).join(''), decisions });
}

function failed(chunk: number | null, error: unknown): void {
  const failure = asDancuError(error);
  send({ type: 'failed', chunk, code: failure.code, message: failure.message });
}

port.on('message', (message: ToLinkThread) => {
  if (message.type === 'finish') send({ type: 'tally', state: tally.state() });
  else if (message.type === 'settings') engine = new LinkageEngine(message.settings, frequencies, { asOf: setup.asOf });
  else if (message.type === 'pairs') {
    try {
      workOutPairs(message);
    } catch (error) {
      failed(null, error);
    }
  } else decide(message.chunk, message.rows).catch((error: unknown) => failed(message.chunk, error));
});
send({ type: 'ready' });
