import { defineTable } from './table.js';

/** The tables of the settings' lifecycle (migration 018), as descriptors. */
export const LINKAGE_SETTINGS_HISTORY = defineTable('linkage_settings_history', {
  id: 'bigint',
  action: 'text',
  version: 'text',
  previous_version: 'text',
  actor: 'text',
  shadow_run_id: 'bigint',
  relinked: 'integer',
  at: 'timestamptz',
});

export const SETTINGS_SHADOW_RUNS = defineTable('settings_shadow_runs', {
  id: 'bigint',
  kind: 'text',
  current_version: 'text',
  candidate_version: 'text',
  actor: 'text',
  report: 'jsonb',
  created_at: 'timestamptz',
});

/** A record sent back by a settings change (history_id) or by a re-examination after a change of the register (reexamination_id, migration 020). */
export const SETTINGS_RELINKS = defineTable('settings_relinks', {
  observation_id: 'text',
  attempt: 'integer',
  history_id: 'bigint',
  linked_to: 'text',
  reexamination_id: 'bigint',
});

export const SETTINGS_TABLES = [LINKAGE_SETTINGS_HISTORY, SETTINGS_SHADOW_RUNS, SETTINGS_RELINKS];
