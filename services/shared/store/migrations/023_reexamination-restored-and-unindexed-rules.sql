-- Up Migration

-- A steward's undo that puts a record back on the citizen a decision took it off (a move, a
-- rejection or a new citizen made of a standing link, services/shared/review/standing-link.ts)
-- gives that citizen back the name, date of birth or sex the record brought: its re-examination
-- is a row of its own kind (services/shared/store/register-reexamination.ts).
-- Added NOT VALID, then validated: the check of the existing rows takes a lock that lets the store
-- go on writing, where adding it outright would hold the table exclusively while it reads them all.
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check
  check (trigger in ('CREATED', 'CORRECTED', 'MERGED', 'UNMERGED', 'UNLINKED', 'RESTORED')) not valid;
alter table register_reexaminations validate constraint register_reexaminations_trigger_check;

-- Reach is computed with the current settings version's blocking rules, compared with keys the
-- store wrote with its own: a rule the two define differently (or the stored keys lack) is left
-- out of reach, and counted on each change's row (a reindex, or the store on the current
-- version's file, brings it back).
alter table register_reexaminations add column rules_not_indexed integer not null default 0;

-- Down Migration
alter table register_reexaminations drop column rules_not_indexed;
delete from settings_relinks where reexamination_id in (select id from register_reexaminations where trigger = 'RESTORED');
delete from register_reexaminations where trigger = 'RESTORED';
alter table register_reexaminations drop constraint register_reexaminations_trigger_check;
alter table register_reexaminations add constraint register_reexaminations_trigger_check
  check (trigger in ('CREATED', 'CORRECTED', 'MERGED', 'UNMERGED', 'UNLINKED'));
