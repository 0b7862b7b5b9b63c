import { DancuError } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { LINKED_RECORD_CONTRADICTED } from '../register/observation-verdict.js';
import type { LinkDecision, PersonObservation } from '../schemas/records.js';
import type { Pool, PoolClient } from './db.js';
import { relinkKey, type SettingsRelink } from './plan/loaded-state.js';
import { SETTINGS_RELINKS } from './settings-tables.js';
import { currentSettingsVersion, settingsOfVersion } from './settings-versions.js';

/** A record sent back by a change, as the linker is to decide it. */
export interface SentBack {
  /** Its event waits in a case no steward has decided (waitingInCase): a later event of the linked record, not the link decided again. */
  waiting: boolean;
}

/**
 * Whether the event `id` names waits in its case, a later event of a linked record that broke a
 * rule (LINKED_RECORD_CONTRADICTED), open or claimed. Told by the case: the observation the link
 * holds is no sign of it (none kept before migration 020; an older event received late replaces
 * the newer one the shadow sends back).
 */
const waitingInCase = (id: string) =>
  `exists (select 1 from review_cases c where c.observation_id = ${id} and c.reason = '${LINKED_RECORD_CONTRADICTED}' and c.status <> 'DECIDED')`;

/**
 * The observations of a chunk that a settings promotion (or rollback) sent back, at the attempt
 * it sent them: the linker decides them afresh, not taking their source record's link as given,
 * unless the event waits in its case.
 */
export async function sentBackBySettings(db: Pool | PoolClient, observations: readonly PersonObservation[]): Promise<Map<string, SentBack>> {
  const later = observations.filter((o) => o.attempt > 0);
  if (later.length === 0) return new Map();
  const { rows } = await db.query<{ observation_id: string; waiting: boolean }>(
    `select s.observation_id, ${waitingInCase('s.observation_id')} as waiting
       from ${SETTINGS_RELINKS.name} s join unnest($1::text[], $2::int[]) as t(id, attempt) on s.observation_id = t.id and s.attempt = t.attempt`,
    [later.map((o) => o.observation_id), later.map((o) => o.attempt)],
  );
  return new Map(rows.map((row) => [row.observation_id, { waiting: row.waiting }]));
}

/** How many of each record's attempts were sends by a settings change or a change of the register (none: absent). */
export async function sendsByChanges(db: Pool | PoolClient, observationIds: readonly string[]): Promise<Map<string, number>> {
  if (observationIds.length === 0) return new Map();
  const { rows } = await db.query<{ observation_id: string; sends: number }>(
    `select observation_id, count(*)::int as sends from ${SETTINGS_RELINKS.name} where observation_id = any($1::text[]) group by observation_id`,
    [observationIds],
  );
  return new Map(rows.map((row) => [row.observation_id, row.sends]));
}

/**
 * For the decisions on records a settings change sent back: the link their source record holds
 * now (citizen, how it was made, its score), whether a later change sent the record back again,
 * and the thresholds of the settings that decided again (the decisive-evidence rule is theirs).
 * A decision naming a version the register does not hold is judged by the register's current
 * version, never by the store's own file, which may differ.
 */
export async function settingsRelinksOf(client: PoolClient, decisions: readonly LinkDecision[]): Promise<Map<string, SettingsRelink>> {
  const later = decisions.filter((d) => d.observation.attempt > 0);
  if (later.length === 0) return new Map();
  const o = later.map((d) => d.observation);
  const { rows } = await client.query<{
    observation_id: string;
    attempt: number;
    citizen_id: string | null;
    method: string | null;
    score: number | null;
    thresholds: LinkageSettings['thresholds'] | null;
    superseded: boolean;
    by_register: boolean;
    waiting: boolean;
  }>(
    `select t.id as observation_id, t.attempt, l.citizen_id, l.method, l.score, ls.settings->'thresholds' as thresholds, s.reexamination_id is not null as by_register,
            ${waitingInCase('t.id')} as waiting,
            exists (select 1 from ${SETTINGS_RELINKS.name} n where n.observation_id = t.id and n.attempt > t.attempt) as superseded
       from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) as t(id, attempt, source, system, record, version)
       join ${SETTINGS_RELINKS.name} s on s.observation_id = t.id and s.attempt = t.attempt
       left join record_links l on l.source = t.source and l.source_system = t.system and l.source_record_id = t.record
       left join linkage_settings ls on ls.version = t.version`,
    [
      o.map((x) => x.observation_id),
      o.map((x) => x.attempt),
      o.map((x) => x.source),
      o.map((x) => x.source_system),
      o.map((x) => x.source_record_id),
      later.map((d) => d.settings_version),
    ],
  );
  const fallback = rows.some((row) => row.thresholds === null) ? await currentThresholds(client) : null;
  return new Map(
    rows.map((row) => [
      relinkKey(row),
      {
        link: row.citizen_id ? { citizenId: row.citizen_id, method: row.method ?? '', score: row.score ?? 0 } : null,
        thresholds: row.thresholds ?? fallback!,
        superseded: row.superseded,
        byRegisterChange: row.by_register,
        waiting: row.waiting,
      },
    ]),
  );
}

/** The register's current settings' thresholds; a register with none current yet cannot judge a settings change's decisions (a linker starting makes one current). */
async function currentThresholds(client: PoolClient): Promise<LinkageSettings['thresholds']> {
  const version = await currentSettingsVersion(client);
  if (!version)
    throw new DancuError('SETTINGS_VERSION_UNKNOWN', 'a decision names linkage settings the register does not hold, and no settings version is current', {
      retriable: true,
    });
  return (await settingsOfVersion(client, version)).thresholds;
}
