import { createHash } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { ConfigError } from '../errors.js';
import type { SchemaRegistryClient } from '../kafka/registry.js';
import { readRanges, topicRanges, type SnapshotMessage } from '../kafka/topic-snapshot.js';
import { indexedRuleIdentity } from '../linkage/blocking.js';
import { explainDecision } from '../linkage/decision-summaries.js';
import { LinkageEngine, type LevelsOf } from '../linkage/engine.js';
import { personToMatchRecord, type MatchRecord } from '../linkage/match-record.js';
import { sameLevels } from '../linkage/scoring.js';
import { tfFeatures, type LinkageSettings } from '../linkage/settings.js';
import { settingsVersion } from '../linkage/settings-version.js';
import { ShadowTally, transitionOf, type ShadowSide, type ShadowSummary } from '../linkage/shadow-tally.js';
import { decideObservation, type ObservationVerdict } from '../register/observation-verdict.js';
import type { PersonObservation } from '../schemas/records.js';
import { CitizenRepository, sourceRecordKey } from '../store/citizen-repository.js';
import type { Pool } from '../store/db.js';
import { dayInVietnam } from '../linkage/age-prior.js';
import { loadTermFrequencies, PostgresCandidateSource } from './postgres-candidates.js';

const CHUNK = 1_000;

export interface ShadowReport extends ShadowSummary {
  currentVersion: string;
  candidateVersion: string;
  /** Messages on the observations topic in the range asked for, before sampling (a record linked again counts each time). */
  available: number;
  seconds: number;
}

export interface ObservationSelection {
  sinceMs?: number | undefined;
  /** At most this many, drawn uniformly (by a hash of their place on the topic, so the same run draws the same). */
  sample?: number | undefined;
}

/** A message's place on the topic as a number in [0, 1): the sample's order, the same every run. */
function drawOf(message: Pick<SnapshotMessage, 'topic' | 'partition' | 'offset'>): number {
  return createHash('sha1').update(`${message.topic}/${message.partition}/${message.offset}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The observations the pipeline has linked, read back from the observations topic. Of a record
 * linked again (a later attempt), the latest attempt counts. A sample keeps the messages of
 * smallest draw, read with a margin so that it has its size after that.
 */
export async function readObservations(
  kafka: Kafka,
  admin: Admin,
  registry: SchemaRegistryClient,
  topic: string,
  selection: ObservationSelection,
): Promise<{ observations: PersonObservation[]; available: number }> {
  const ranges = await topicRanges(admin, topic, selection.sinceMs);
  const available = ranges.reduce((sum, range) => sum + Number(range.to - range.from), 0);
  const rate = selection.sample === undefined ? 1 : Math.min(1, (selection.sample * 1.2 + 100) / Math.max(1, available));
  const messages = await readRanges(kafka, admin, ranges, { timeoutMs: 60_000 + available, keep: (message) => rate >= 1 || drawOf(message) < rate });
  const latest = new Map<string, { observation: PersonObservation; draw: number }>();
  for (const message of messages) {
    const observation = await registry.decode<PersonObservation>(message.value);
    const seen = latest.get(observation.observation_id);
    if (!seen || seen.observation.attempt < observation.attempt) latest.set(observation.observation_id, { observation, draw: drawOf(message) });
  }
  const distinct = [...latest.values()];
  const drawn = selection.sample === undefined ? distinct : distinct.sort((a, b) => a.draw - b.draw).slice(0, selection.sample);
  return { observations: drawn.map((entry) => entry.observation), available };
}

/**
 * Settings whose candidates the register can give: its blocking keys and term-frequency keys
 * are those of the current settings' rules (`dancu reindex` writes exactly those), so a
 * candidate must block with the current rules or some of them. A blocking change is judged offline first
 * (`dancu blocking report`), and its keys are rewritten when it is promoted.
 */
export function checkComparable(current: LinkageSettings, candidate: LinkageSettings): void {
  const rules = new Map(current.blocking_rules.map((rule) => [rule.name, indexedRuleIdentity(rule)]));
  for (const rule of candidate.blocking_rules) {
    if (rules.get(rule.name) !== indexedRuleIdentity(rule)) {
      throw new ConfigError(
        `the candidate's blocking rule ${rule.name} is not one of the current settings' (the register has keys only for those): a shadow run compares settings that block alike; try a blocking change with \`dancu blocking report\``,
      );
    }
  }
  const indexed = new Set(tfFeatures(current));
  const missing = tfFeatures(candidate).filter((feature) => !indexed.has(feature));
  if (missing.length > 0) {
    throw new ConfigError(
      `the candidate weighs ${missing.join(', ')} by term frequency, which the register has no counts of: use the current settings' term-frequency features`,
    );
  }
}

/** A record's candidates' levels, each computed the first time either settings asks. */
function levelsOnce(record: MatchRecord, engine: LinkageEngine): LevelsOf {
  const known = new Map<MatchRecord, readonly number[]>();
  return (candidate) => {
    let levels = known.get(candidate);
    if (!levels) known.set(candidate, (levels = engine.scorer.levels(record, candidate)));
    return levels;
  };
}

function sideOf(verdict: ObservationVerdict, explanation: ShadowSide['explanation'] = null): ShadowSide {
  return { decision: verdict.decision, citizenId: verdict.citizenId, score: verdict.score, reason: verdict.reason, explanation };
}

/**
 * What the candidate settings would decide for each observation, against the current
 * settings' decision, both made now against the register as it is. Writes nothing. A record's
 * earlier link is not taken as given (that is the question asked), but stewards' decisions
 * are: a must-link is kept, a cannot-link excludes its citizen for both.
 */
export async function shadowRun(
  pool: Pool,
  observations: readonly PersonObservation[],
  current: LinkageSettings,
  candidate: LinkageSettings,
  options: { examples: number; available?: number; onChange?: (observation: PersonObservation) => void },
): Promise<ShadowReport> {
  checkComparable(current, candidate);
  const started = performance.now();
  // One day for both, so a run that crosses midnight reports no change of the clock's.
  const asOf = dayInVietnam();
  const [currentEngine, candidateEngine] = await Promise.all([
    loadTermFrequencies(pool, current).then((frequencies) => new LinkageEngine(current, frequencies, { asOf })),
    loadTermFrequencies(pool, candidate).then((frequencies) => new LinkageEngine(candidate, frequencies, { asOf })),
  ]);
  const currentCandidates = new PostgresCandidateSource(pool, current);
  // Usually the rules are the same and one candidate query serves both; a candidate may also drop some.
  const sameRules = JSON.stringify(current.blocking_rules) === JSON.stringify(candidate.blocking_rules);
  const candidateCandidates = sameRules ? currentCandidates : new PostgresCandidateSource(pool, candidate);
  const citizens = new CitizenRepository(pool);
  // Most changes are to m, u, the prior or thresholds: each pair then reaches the same levels under both, computed once.
  const reuseLevels = sameLevels(current, candidate);
  const tally = new ShadowTally(options.examples);
  const load = (at: number) => {
    const chunk = observations.slice(at, at + CHUNK);
    const records = chunk.map((o) => personToMatchRecord(o.observation_id, o.person));
    return Promise.all([
      currentCandidates.candidatesFor(records),
      sameRules ? null : candidateCandidates.candidatesFor(records),
      citizens.constraintsOf(chunk),
    ]).then(([found, foundByCandidate, constraints]) => ({ chunk, records, found, foundByCandidate: foundByCandidate ?? found, constraints }));
  };
  // The next chunk's candidates are read while this one is decided: the database and the scoring overlap.
  let next = observations.length > 0 ? load(0) : null;
  for (let at = 0; next !== null; at += CHUNK) {
    const { chunk, records, found, foundByCandidate, constraints } = await next;
    next = at + CHUNK < observations.length ? load(at + CHUNK) : null;
    next?.catch(() => undefined);
    chunk.forEach((observation, index) => {
      const stewards = constraints.get(sourceRecordKey(observation));
      if (stewards?.mustLink) {
        tally.keptBySteward();
        return;
      }
      const known = { cannotLink: stewards?.cannotLink };
      const record = records[index]!;
      const levelsOf = reuseLevels ? levelsOnce(record, currentEngine) : undefined;
      const before = decideObservation(currentEngine, observation, record, found[index] ?? [], known, levelsOf);
      const after = decideObservation(candidateEngine, observation, record, foundByCandidate[index] ?? [], known, levelsOf);
      if (options.onChange && transitionOf(before, after) !== null) options.onChange(observation);
      tally.add(observation.observation_id, observation.source, sideOf(before), sideOf(after), () => ({
        current: sideOf(before, explainDecision(current, before)),
        candidate: sideOf(after, explainDecision(candidate, after)),
      }));
    });
  }
  return {
    currentVersion: currentEngine.settingsVersion,
    candidateVersion: settingsVersion(candidate),
    available: options.available ?? observations.length,
    ...tally.summary(),
    seconds: (performance.now() - started) / 1000,
  };
}
