import { defineTable } from './table.js';

/** The tables of the stewards' work routing and bulk decisions (migration 014), as descriptors. */
export const STEWARD_TEAM_MEMBERS = defineTable('steward_team_members', { team: 'text', username: 'text', added_by: 'text', added_at: 'timestamptz' });

export const CASE_ASSIGNMENT_RULES = defineTable('case_assignment_rules', {
  rule_id: 'bigint',
  source: 'text',
  province: 'text',
  team: 'text',
  created_by: 'text',
  created_at: 'timestamptz',
});

export const BULK_BATCHES = defineTable('bulk_batches', {
  batch_id: 'bigint',
  actor: 'text',
  action: 'text',
  comment: 'text',
  selection: 'jsonb',
  created_at: 'timestamptz',
  undone_by: 'text',
  undo_comment: 'text',
  undone_at: 'timestamptz',
});

export const BULK_BATCH_DECISIONS = defineTable('bulk_batch_decisions', {
  batch_id: 'bigint',
  case_id: 'bigint',
  decision_id: 'text',
  undo_decision_id: 'text',
});

/** Every descriptor of this file (the integration test checks them against the migrations). */
export const STEWARD_WORK_TABLES = [STEWARD_TEAM_MEMBERS, CASE_ASSIGNMENT_RULES, BULK_BATCHES, BULK_BATCH_DECISIONS];
