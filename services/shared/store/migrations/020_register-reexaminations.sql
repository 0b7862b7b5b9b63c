-- Up Migration

-- Links re-examined when the register changes (services/shared/store/register-reexamination.ts):
-- one row per change of the register's identities (a citizen created, their name, date of birth
-- or sex corrected, two citizens merged) that sent records in its reach back to the linker, with
-- the work it did: how many records were in reach, how many went back, how many were over the
-- per-change bound (not sent, counted here rather than dropped unseen), how many a steward's
-- decision holds (never re-examined), how many linked before the register kept observations
-- with links (migration 020) and so could not be sent, and how long it took.
create table register_reexaminations (
  id              bigserial primary key,
  trigger         text not null check (trigger in ('CREATED', 'CORRECTED', 'MERGED')),
  citizen_id      text not null,
  in_reach        integer not null,
  sent            integer not null,
  over_bound      integer not null,
  steward_held    integer not null,
  unstored        integer not null,
  millis          double precision not null,
  at              timestamptz not null default now()
);
create index register_reexaminations_citizen_idx on register_reexaminations (citizen_id);

-- A record a re-examination sends back is marked as a promotion's are (the linker decides it
-- afresh, the store applies the promotion's rules): the row names the re-examination instead of
-- a settings change.
alter table settings_relinks alter column history_id drop not null;
alter table settings_relinks add column reexamination_id bigint references register_reexaminations (id);
alter table settings_relinks add constraint settings_relinks_one_origin check (num_nonnulls(history_id, reexamination_id) = 1);

-- A linked record's latest observation, kept with its link: a change of the register can then
-- send it back to the linker without reading the observations topic. Links made before this
-- migration have none and are not re-examined (register_reexaminations.unstored counts them).
alter table record_links add column observation jsonb;

-- A link a change of the register would move to another citizen, or doubt, is looked at as
-- first as one a settings change would.
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason
    when 'PID_CONTRADICTED' then 1
    when 'SETTINGS_LINK_MOVED' then 1
    when 'SETTINGS_LINK_DOUBTED' then 1
    when 'REGISTER_LINK_MOVED' then 1
    when 'REGISTER_LINK_DOUBTED' then 1
    when 'POSSIBLE_DUPLICATE' then 2
    when 'REQUIRED_FIELD_DISAGREES' then 3
    when 'AMBIGUOUS' then 4
    else 5
  end
) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';

-- Down Migration
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason
    when 'PID_CONTRADICTED' then 1
    when 'SETTINGS_LINK_MOVED' then 1
    when 'SETTINGS_LINK_DOUBTED' then 1
    when 'POSSIBLE_DUPLICATE' then 2
    when 'REQUIRED_FIELD_DISAGREES' then 3
    when 'AMBIGUOUS' then 4
    else 5
  end
) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';
alter table record_links drop column observation;
alter table settings_relinks drop constraint settings_relinks_one_origin;
alter table settings_relinks drop column reexamination_id;
delete from settings_relinks where history_id is null;
alter table settings_relinks alter column history_id set not null;
drop table register_reexaminations;
