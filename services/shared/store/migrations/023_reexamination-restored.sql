-- Up Migration

-- A steward's undo that puts a record back on the citizen a decision took it off (a move, a
-- rejection or a new citizen made of a standing link, services/shared/review/standing-link.ts)
-- gives that citizen back the name, date of birth or sex the record brought: its re-examination
-- is a row of its own kind (services/shared/store/register-reexamination.ts).
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check
  check (trigger in ('CREATED', 'CORRECTED', 'MERGED', 'UNMERGED', 'UNLINKED', 'RESTORED'));

-- Down Migration
delete from settings_relinks where reexamination_id in (select id from register_reexaminations where trigger = 'RESTORED');
delete from register_reexaminations where trigger = 'RESTORED';
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check
  check (trigger in ('CREATED', 'CORRECTED', 'MERGED', 'UNMERGED', 'UNLINKED'));
