-- Up Migration

-- A steward's undone merge and a steward's unlink change citizens' identities too: their
-- re-examinations are rows of their own kind (services/shared/store/register-reexamination.ts).
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check
  check (trigger in ('CREATED', 'CORRECTED', 'MERGED', 'UNMERGED', 'UNLINKED'));

-- When a change of the register last sent a linked record back: the bound per transaction takes
-- the records least recently re-examined first, so repeated changes of a common name go round
-- everything in reach instead of sending the same records every time. (A waiting or reviewed
-- record's last re-examination is read from settings_relinks, which names it.)
alter table record_links add column reexamined_at timestamptz;

-- Down Migration
alter table record_links drop column reexamined_at;
delete from settings_relinks where reexamination_id in (select id from register_reexaminations where trigger in ('UNMERGED', 'UNLINKED'));
delete from register_reexaminations where trigger in ('UNMERGED', 'UNLINKED');
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check check (trigger in ('CREATED', 'CORRECTED', 'MERGED'));
