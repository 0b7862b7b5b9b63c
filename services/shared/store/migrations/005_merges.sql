-- Up Migration

-- A citizen found to be another one's duplicate is merged into them: kept, marked MERGED and
-- pointing at the survivor, so the merge can be undone and their ID still resolves.
alter table citizens drop constraint citizens_status_check;
alter table citizens add constraint citizens_status_check check (status in ('ALIVE', 'DECEASED', 'MERGED'));
alter table citizens add column merged_into text references citizens (citizen_id);
-- Without it, deleting or re-keying a citizen checks the self-reference by scanning every citizen.
create index citizens_merged_into_idx on citizens (merged_into) where merged_into is not null;

-- Each merge, with what it moved (links, facts, field history), so undoing it moves exactly that back.
create table citizen_merges (
  merge_id     bigserial primary key,
  survivor_id  text not null references citizens (citizen_id),
  merged_id    text not null references citizens (citizen_id),
  actor        text not null,
  comment      text not null,
  moved        jsonb not null,
  merged_at    timestamptz not null default now(),
  undone_at    timestamptz,
  undone_by    text,
  undo_comment text
);
create index citizen_merges_citizens_idx on citizen_merges (survivor_id, merged_id);

-- Down Migration
drop table citizen_merges;
drop index citizens_merged_into_idx;
alter table citizens drop column merged_into;
alter table citizens drop constraint citizens_status_check;
alter table citizens add constraint citizens_status_check check (status in ('ALIVE', 'DECEASED'));
