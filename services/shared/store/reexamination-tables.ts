import { defineTable } from './table.js';

/** The re-examinations after changes of the register (migration 020), as a descriptor. */
export const REGISTER_REEXAMINATIONS = defineTable('register_reexaminations', {
  id: 'bigint',
  trigger: 'text',
  citizen_id: 'text',
  in_reach: 'integer',
  sent: 'integer',
  over_bound: 'integer',
  steward_held: 'integer',
  unstored: 'integer',
  millis: 'double precision',
  rules_not_indexed: 'integer',
  at: 'timestamptz',
});
