import { blockingKeys } from '../linkage/blocking.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { LinkDecision, PersonObservation } from '../schemas/records.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import type { PoolClient } from './db.js';
import { addToOutbox } from './outbox-relay.js';

/** A record is sent back to the linker at most this many times (each time a new citizen shares a key with it). */
export const MAX_RELINK_ATTEMPTS = 20;

/**
 * A citizen committed after the linker read its candidates was invisible to it: one created later
 * than the decision time, less this margin for the two clocks (linker process, database), may be
 * the record's person.
 */
const CLOCK_MARGIN_S = 5;

/**
 * A new citizen is worth a second look for a waiting record when they share the personal ID key
 * or at least two blocking keys: one shared key alone (same birth day and family name) is how
 * most strangers look, and sending each of them back would multiply the linker's work.
 */
const enoughSharedKeys = (idRulesParam: string) => `count(*) >= 2 or bool_or(k.rule = any(${idRulesParam}::text[]))`;

/** The blocking rules that key on the personal ID alone. */
function idRules(settings: LinkageSettings): string[] {
  return settings.blocking_rules.filter((rule) => rule.equal.length === 1 && rule.equal[0] === 'personal_id').map((rule) => rule.name);
}

function keysOf(settings: LinkageSettings, id: string, person: PersonObservation['person']): { rule: string; key: string }[] {
  return blockingKeys(settings.blocking_rules, personToMatchRecord(id, person));
}

/** The keys a record waiting unlinked, or in review, is found under when a new citizen is registered. */
export function recordKeysOf(settings: LinkageSettings, observation: PersonObservation): { rule: string; key: string }[] {
  return keysOf(settings, observation.observation_id, observation.person);
}

/**
 * Sends back to the linker each of the records that a citizen created since it was decided (less
 * the clock margin) may be the person of: one sharing the personal-ID key or two blocking keys
 * with it. The linker decided before that citizen was committed, so it decides again with it in
 * sight. One query for all the records; returns the ids of those sent back.
 */
async function requeueInReachOfNewCitizen(
  client: PoolClient,
  settings: LinkageSettings,
  decisions: readonly LinkDecision[],
  observationsTopic: string,
): Promise<Set<string>> {
  const rows = decisions
    .filter((d) => d.observation.attempt < MAX_RELINK_ATTEMPTS)
    .flatMap((d) =>
      keysOf(settings, d.observation.observation_id, d.observation.person).map((k) => ({
        ...k,
        observation: d.observation.observation_id,
        decided: d.decided_at,
      })),
    );
  if (rows.length === 0) return new Set();
  const { rows: found } = await client.query<{ observation: string; citizen_id: string }>(
    `select t.observation, k.citizen_id from citizen_blocking_keys k join citizens c using (citizen_id)
       join unnest($1::text[], $2::text[], $3::text[], $4::float8[]) as t(rule, key, observation, decided) on k.rule = t.rule and k.key = t.key
      where c.origin like 'source:%' and c.created_at > to_timestamp(t.decided / 1000.0) - make_interval(secs => $5)
      group by t.observation, k.citizen_id having ${enoughSharedKeys('$6')}`,
    [rows.map((r) => r.rule), rows.map((r) => r.key), rows.map((r) => r.observation), rows.map((r) => r.decided), CLOCK_MARGIN_S, idRules(settings)],
  );
  // A citizen among the decision's candidates was in sight when it was made: deciding again would decide the same (and again, to the attempts' limit).
  const seen = new Map(decisions.map((d) => [d.observation.observation_id, new Set(d.candidates.map((c) => c.citizen_id))]));
  const inReach = new Set(found.filter((row) => !seen.get(row.observation)?.has(row.citizen_id)).map((row) => row.observation));
  const sent = decisions.filter((d) => inReach.has(d.observation.observation_id));
  const back = (list: LinkDecision[]) => list.map((d) => ({ observation: d.observation, attempt: d.observation.attempt }));
  await requeue(client, back(sent.filter((d) => d.decision !== 'REVIEW')), observationsTopic, 'unlinked_records');
  await requeue(client, back(sent.filter((d) => d.decision === 'REVIEW')), observationsTopic, 'review_cases');
  return inReach;
}

/** Records the chunk kept unlinked or sent to review that a citizen created meanwhile may be the person of go straight back; run after the chunk's writes (its own births included). */
export async function requeueKeptInReach(
  client: PoolClient,
  settings: LinkageSettings,
  kept: readonly LinkDecision[],
  observationsTopic: string,
): Promise<number> {
  return (await requeueInReachOfNewCitizen(client, settings, kept, observationsTopic)).size;
}

/**
 * Two records of one new person without a personal ID can reach the store at once (on different
 * partitions, or two instances): each was decided NEW before the other's citizen existed. The
 * chunk's locks on their blocking keys (lockKeysOf) make the second wait for the first to
 * commit; it then sees that citizen and goes back to the linker, which decides again with it in
 * sight. Only a first attempt is sent back: the second decision was made after the citizen was
 * committed.
 */
export async function requeueIfNewCitizenInReach(
  client: PoolClient,
  settings: LinkageSettings,
  decision: LinkDecision,
  observationsTopic: string,
): Promise<boolean> {
  if (decision.observation.person.personal_id || decision.observation.attempt > 0) return false;
  return (await requeueInReachOfNewCitizen(client, settings, [decision], observationsTopic)).size > 0;
}

/**
 * Takes, until the transaction ends, a lock on every blocking key of the chunk's records that
 * may create a citizen or wait unlinked. A new citizen and a record waiting for them share a
 * key, so the transaction that writes second waits for the first to commit and then sees it:
 * without this, a birth and its newborn's vaccination applied at the same moment on two
 * partitions each missed the other, and the vaccination waited unlinked for good. All keys in
 * one sorted statement, so two chunks never wait on each other in a circle.
 */
export async function lockKeysOf(client: PoolClient, settings: LinkageSettings, decisions: readonly LinkDecision[]): Promise<void> {
  const keys = decisions.flatMap((d) => keysOf(settings, d.observation.observation_id, d.observation.person).map((k) => `${k.rule}:${k.key}`));
  if (keys.length === 0) return;
  await client.query('select pg_advisory_xact_lock(h) from (select distinct hashtextextended(k, 0) as h from unnest($1::text[]) as k order by 1) as locks', [
    keys,
  ]);
}

/**
 * New citizens: every waiting record, and every record in an open review case no steward has
 * taken, that shares the personal-ID key or two blocking keys with one of them goes back to the
 * linker, which decides again with them in sight. A case a steward has claimed or decided is the
 * steward's: it is not looked at again.
 */
export async function relinkFor(client: PoolClient, settings: LinkageSettings, citizens: CitizenRow[], observationsTopic: string): Promise<number> {
  const keys = citizens.flatMap((citizen) =>
    keysOf(settings, citizen.citizen_id, citizenAsPerson(citizen)).map((k) => ({ ...k, citizen: citizen.citizen_id })),
  );
  if (keys.length === 0) return 0;
  const params = [keys.map((k) => k.rule), keys.map((k) => k.key), keys.map((k) => k.citizen), MAX_RELINK_ATTEMPTS, idRules(settings)];
  const inReach = (table: string) =>
    `select k.observation_id from ${table} k join unnest($1::text[], $2::text[], $3::text[]) as t(rule, key, citizen) on k.rule = t.rule and k.key = t.key
      group by k.observation_id, t.citizen having ${enoughSharedKeys('$5')}`;
  const waiting = await client.query<{ observation: PersonObservation; attempt: number }>(
    `select u.observation, u.attempt from unlinked_records u
      where u.resolved_at is null and u.attempt < $4 and u.observation_id in (${inReach('unlinked_keys')})`,
    params,
  );
  await requeue(client, waiting.rows, observationsTopic, 'unlinked_records');
  // A case's record was decided at some attempt (a waiting record may have gone to review); its next look comes after both that and the case's earlier looks.
  const inReview = await client.query<{ observation: PersonObservation; attempt: number }>(
    `select r.observation, greatest(r.rechecks, (r.observation->>'attempt')::int) as attempt from review_cases r
      where r.status = 'OPEN' and greatest(r.rechecks, (r.observation->>'attempt')::int) < $4 and r.observation_id in (${inReach('review_case_keys')})`,
    params,
  );
  await requeue(client, inReview.rows, observationsTopic, 'review_cases');
  return waiting.rows.length + inReview.rows.length;
}

/** What marks a record as sent back, per table: the attempt it was sent at. */
const SENT_BACK = {
  unlinked_records: 'attempt = greatest(attempt, $2), updated_at = now()',
  review_cases: 'rechecks = greatest(rechecks, $2)',
} as const;

async function requeue(
  client: PoolClient,
  records: { observation: PersonObservation; attempt: number }[],
  topic: string,
  table: keyof typeof SENT_BACK,
): Promise<void> {
  for (const { observation, attempt } of records) {
    const next: PersonObservation = { ...observation, attempt: attempt + 1 };
    await addToOutbox(client, {
      eventId: `${observation.observation_id}:relink:${next.attempt}`,
      topic,
      key: `${observation.source_system}:${observation.source_record_id}`,
      recordType: 'personObservation',
      payload: next,
    });
    await client.query(`update ${table} set ${SENT_BACK[table]} where observation_id = $1`, [observation.observation_id, next.attempt]);
  }
}
