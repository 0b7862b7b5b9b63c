import { DancuError } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { LinkDecision, PersonObservation } from '../schemas/records.js';
import type { Pool, PoolClient } from './db.js';
import type { SettingsRelink } from './plan/loaded-state.js';
import { SETTINGS_RELINKS } from './settings-tables.js';
import { currentSettingsVersion, settingsOfVersion } from './settings-versions.js';

/**
 * The observations of a chunk that a settings promotion (or rollback) sent back, at the attempt
 * it sent them: the linker decides them afresh, not taking their source record's link as given.
 */
export async function sentBackBySettings(db: Pool | PoolClient, observations: readonly PersonObservation[]): Promise<Set<string>> {
  const later = observations.filter((o) => o.attempt > 0);
  if (later.length === 0) return new Set();
  const { rows } = await db.query<{ observation_id: string }>(
    `select s.observation_id from ${SETTINGS_RELINKS.name} s join unnest($1::text[], $2::int[]) as t(id, attempt) on s.observation_id = t.id and s.attempt = t.attempt`,
    [later.map((o) => o.observation_id), later.map((o) => o.attempt)],
  );
  return new Set(rows.map((row) => row.observation_id));
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
    citizen_id: string | null;
    method: string | null;
    score: number | null;
    linked_observation_id: string | null;
    thresholds: LinkageSettings['thresholds'] | null;
    superseded: boolean;
    by_register: boolean;
  }>(
    `select t.id as observation_id, l.citizen_id, l.method, l.score, l.observation->>'observation_id' as linked_observation_id, ls.settings->'thresholds' as thresholds, s.reexamination_id is not null as by_register,
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
      row.observation_id,
      {
        link: row.citizen_id ? { citizenId: row.citizen_id, method: row.method ?? '', score: row.score ?? 0, observationId: row.linked_observation_id } : null,
        thresholds: row.thresholds ?? fallback!,
        superseded: row.superseded,
        byRegisterChange: row.by_register,
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
