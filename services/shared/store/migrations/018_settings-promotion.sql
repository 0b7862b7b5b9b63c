-- Up Migration

-- Which linkage settings are current lives in the register, not in a file: every promotion and
-- rollback is a row (who, when, from which version), and the current version is the top of the
-- history as promotions push and rollbacks pop it (services/shared/linkage/settings-history.ts).
-- The linker reads it per chunk, so a promotion takes effect without a restart.
create table linkage_settings_history (
  id                bigserial primary key,
  action            text not null check (action in ('BOOTSTRAP', 'PROMOTE', 'ROLLBACK')),
  version           text not null references linkage_settings (version),
  previous_version  text references linkage_settings (version),
  actor             text not null,
  shadow_run_id     bigint,
  relinked          integer not null default 0,
  at                timestamptz not null default now()
);

-- Every shadow run saved (`settings shadow --save`, and the one each promotion and rollback
-- runs): its report as the CLI prints it in JSON (transition counts, examples with both
-- explanations; citizen ids and record ids, no names), for the review UI's settings page.
create table settings_shadow_runs (
  id                 bigserial primary key,
  kind               text not null check (kind in ('SHADOW', 'PROMOTE', 'ROLLBACK')),
  current_version    text not null,
  candidate_version  text not null,
  actor              text not null,
  report             jsonb not null,
  created_at         timestamptz not null default now()
);

-- The records a promotion sent back to the linker, at the attempt it sent them: the linker
-- decides them again without taking their earlier link as given, and the store applies the
-- promotion's rules to what it decides (a link that would move goes to a steward).
create table settings_relinks (
  observation_id  text not null,
  attempt         integer not null,
  history_id      bigint not null references linkage_settings_history (id),
  linked_to       text,
  primary key (observation_id, attempt)
);

-- A link the new settings would move to another citizen, or doubt, is what a steward must look
-- at first with a contradicted ID: a record possibly attached to the wrong person.
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

-- Down Migration
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason
    when 'PID_CONTRADICTED' then 1
    when 'POSSIBLE_DUPLICATE' then 2
    when 'REQUIRED_FIELD_DISAGREES' then 3
    when 'AMBIGUOUS' then 4
    else 5
  end
) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';
drop table settings_relinks;
drop table settings_shadow_runs;
drop table linkage_settings_history;
