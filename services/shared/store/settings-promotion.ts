import { ConfigError } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { checkPromotable, currentVersionOf, rollbackTarget, type HistoryAction } from '../linkage/settings-history.js';
import { settingsVersion } from '../linkage/settings-version.js';
import type { PersonObservation } from '../schemas/records.js';
import { appendAudit } from './audit-log.js';
import { inRetriedTransaction, type Pool, type PoolClient } from './db.js';
import { HISTORY_LOCK, recordSettingsVersion, settingsHistory } from './settings-versions.js';
import { LINKAGE_SETTINGS_HISTORY, SETTINGS_RELINKS, SETTINGS_SHADOW_RUNS } from './settings-tables.js';

export interface SettingsChange {
  action: Exclude<HistoryAction, 'BOOTSTRAP'>;
  /** The settings made current (for a rollback, those of the version it returns to). */
  settings: LinkageSettings;
  /** The version the change was planned against: refused if another change came first. */
  from: string;
  actor: string;
  /** The shadow run's report, kept for the review UI. */
  report: object;
  /** The records whose decision changes, sent back to the linker. */
  relinks: readonly PersonObservation[];
  observationsTopic: string;
}

export interface SettingsChangeResult {
  historyId: number;
  shadowRunId: number;
  relinked: number;
}

/** Saves a shadow run's report (`settings shadow --save`, and every promotion's and rollback's). */
export async function saveShadowRun(
  db: Pool | PoolClient,
  kind: 'SHADOW' | HistoryAction,
  report: { currentVersion: string; candidateVersion: string },
  actor: string,
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `insert into ${SETTINGS_SHADOW_RUNS.name} (kind, current_version, candidate_version, actor, report) values ($1, $2, $3, $4, $5) returning id`,
    [kind, report.currentVersion, report.candidateVersion, actor, JSON.stringify(report)],
  );
  return Number(rows[0]!.id);
}

/**
 * Each record's next attempt: after the latest on the topic and after any the store has
 * marked since (a waiting record or a case sent back meanwhile), so the linker's decision has
 * an id of its own and is never taken for a duplicate.
 */
async function nextAttempts(client: PoolClient, observations: readonly PersonObservation[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ observation_id: string; stored: number }>(
    `select t.id as observation_id, greatest(coalesce(max(u.attempt), 0), coalesce(max(c.rechecks), 0), coalesce(max(s.attempt), 0))::int as stored
       from unnest($1::text[]) as t(id)
       left join unlinked_records u on u.observation_id = t.id
       left join review_cases c on c.observation_id = t.id
       left join ${SETTINGS_RELINKS.name} s on s.observation_id = t.id
      group by t.id`,
    [observations.map((o) => o.observation_id)],
  );
  const stored = new Map(rows.map((row) => [row.observation_id, row.stored]));
  return new Map(observations.map((o) => [o.observation_id, Math.max(o.attempt, stored.get(o.observation_id) ?? 0) + 1]));
}

/**
 * Makes settings current and sends the records whose decision changes back to the linker, in
 * one transaction: the version and its history row (who, when, from which version), the shadow
 * report, one `settings_relinks` row and one outbox row per record (the outbox relay publishes
 * them on the observations topic, as the store's own send-backs), and the audit entry. The
 * linker reads the current version per chunk, so it decides them with the new settings.
 */
export async function recordSettingsChange(pool: Pool, change: SettingsChange): Promise<SettingsChangeResult> {
  return inRetriedTransaction(pool, async (client) => {
    await client.query(HISTORY_LOCK);
    const history = await settingsHistory(client);
    const version = settingsVersion(change.settings);
    const current = currentVersionOf(history);
    if (change.action === 'PROMOTE') checkPromotable(history, version);
    else if (rollbackTarget(history).to !== version) throw new ConfigError('the settings history changed while the rollback was prepared: run it again');
    if (current !== null && current !== change.from)
      throw new ConfigError(`the current settings became ${current} while this change was prepared against ${change.from}: run it again`);
    await recordSettingsVersion(client, change.settings);
    const shadowRunId = await saveShadowRun(client, change.action, change.report as { currentVersion: string; candidateVersion: string }, change.actor);
    const { rows } = await client.query<{ id: string }>(
      `insert into ${LINKAGE_SETTINGS_HISTORY.name} (action, version, previous_version, actor, shadow_run_id, relinked) values ($1, $2, $3, $4, $5, $6) returning id`,
      [change.action, version, current, change.actor, shadowRunId, change.relinks.length],
    );
    const historyId = Number(rows[0]!.id);
    await sendBack(client, change.relinks, change.observationsTopic, { historyId });
    await appendAudit(client, change.actor, change.action === 'PROMOTE' ? 'SETTINGS_PROMOTED' : 'SETTINGS_ROLLED_BACK', [], {
      version,
      previous_version: current,
      shadow_run_id: shadowRunId,
      relinked: change.relinks.length,
    });
    return { historyId, shadowRunId, relinked: change.relinks.length };
  });
}

/**
 * What sent records back: a settings change (its history row), or changes of the register (each
 * record's re-examination, in the records' order: one send for all of a transaction's changes,
 * register-reexamination.ts).
 */
export type SendBackOrigin = { historyId: number } | { reexaminationIds: readonly number[] };

/**
 * Records to decide again, each at its next attempt: marked, and queued on the outbox for the
 * linker. Two transactions sending one record at once (two store instances, or a promotion and a
 * store) read the same next attempt: the second waits for the first's row and then sends nothing
 * more, the record being on its way already with the same observation.
 */
export async function sendBack(client: PoolClient, relinks: readonly PersonObservation[], observationsTopic: string, origin: SendBackOrigin): Promise<void> {
  if (relinks.length === 0) return;
  const attempts = await nextAttempts(client, relinks);
  const sent = relinks.map((o) => ({ ...o, attempt: attempts.get(o.observation_id)! }));
  const ids = sent.map((o) => o.observation_id);
  const tries = sent.map((o) => o.attempt);
  await client.query(
    `insert into ${SETTINGS_RELINKS.name} (${SETTINGS_RELINKS.list()})
     select t.id, t.attempt, $3::bigint, l.citizen_id, t.reexamination from unnest($1::text[], $2::int[], $4::text[], $5::text[], $6::text[], $7::bigint[]) as t(id, attempt, source, system, record, reexamination)
       left join record_links l on l.source = t.source and l.source_system = t.system and l.source_record_id = t.record
     on conflict (observation_id, attempt) do nothing`,
    [
      ids,
      tries,
      'historyId' in origin ? origin.historyId : null,
      sent.map((o) => o.source),
      sent.map((o) => o.source_system),
      sent.map((o) => o.source_record_id),
      'reexaminationIds' in origin ? origin.reexaminationIds : sent.map(() => null),
    ],
  );
  // The stored rows carry the attempt too, so the store's own later send-backs come after it.
  await client.query(
    `update unlinked_records u set attempt = greatest(u.attempt, t.attempt), updated_at = now() from unnest($1::text[], $2::int[]) as t(id, attempt) where u.observation_id = t.id`,
    [ids, tries],
  );
  await client.query(
    `update review_cases c set rechecks = greatest(c.rechecks, t.attempt) from unnest($1::text[], $2::int[]) as t(id, attempt) where c.observation_id = t.id and c.status = 'OPEN'`,
    [ids, tries],
  );
  await client.query(
    `insert into outbox (event_id, topic, message_key, record_type, payload)
     select t.id || ':settings:' || t.attempt, $2, t.key, 'personObservation', t.payload from unnest($1::text[], $3::text[], $4::jsonb[], $5::int[]) as t(id, key, payload, attempt)
     on conflict (event_id) do nothing`,
    [ids, observationsTopic, sent.map((o) => `${o.source_system}:${o.source_record_id}`), sent.map((o) => JSON.stringify(o)), tries],
  );
}
