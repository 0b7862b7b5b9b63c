-- Up Migration

-- Stewards work through review cases: who holds a case, who decided it, how, and how urgent it is.
alter table review_cases
  add column claimed_by  text,
  add column claimed_at  timestamptz,
  add column decided_by  text,
  add column decided_at  timestamptz,
  add column resolution  text,
  -- 1 is most urgent: a contradicted ID may be a mistyped one, about to attach facts to the wrong person.
  add column priority    smallint generated always as (
    case reason when 'PID_CONTRADICTED' then 1 when 'AMBIGUOUS' then 2 when 'REQUIRED_FIELD_DISAGREES' then 2 when 'POSSIBLE_DUPLICATE' then 3 else 4 end
  ) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';

-- A steward's decision undone, or a record rejected by a steward, is an outcome too.
alter table observation_outcomes drop constraint observation_outcomes_outcome_check;
alter table observation_outcomes add constraint observation_outcomes_outcome_check
  check (outcome in ('CREATED', 'LINKED', 'REVIEW', 'UNLINKED', 'DELETED', 'REJECTED', 'UNDONE'));

-- Local users of the steward service; passwords are bcrypt hashes.
create table steward_users (
  username       text primary key,
  password_hash  text not null,
  role           text not null check (role in ('viewer', 'steward', 'admin')),
  created_at     timestamptz not null default now(),
  disabled_at    timestamptz
);

-- Signed-in sessions; only a hash of the token is kept, so a leaked table signs no one in.
create table steward_sessions (
  token_hash    text primary key,
  username      text not null references steward_users (username),
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null
);
create index steward_sessions_user_idx on steward_sessions (username);

-- Every steward decision, as published on steward.decisions.v1, and what applying it did.
create table steward_decisions (
  decision_id       text primary key,
  case_id           bigint not null references review_cases (case_id),
  action            text not null check (action in ('LINK', 'NEW', 'REJECT', 'MERGE', 'DISTINCT', 'UNDO')),
  citizen_id        text,
  other_citizen_id  text,
  undoes            text references steward_decisions (decision_id),
  actor             text not null,
  comment           text not null,
  decided_at        timestamptz not null default now(),
  applied_at        timestamptz,
  -- What the store did (e.g. the merge id, the citizen created), or why it could not.
  result            jsonb,
  undone_by         text references steward_decisions (decision_id)
);
create index steward_decisions_case_idx on steward_decisions (case_id, decided_at);

-- What stewards taught the linker: a record (or a citizen, for duplicates) is never, or always,
-- linked to a citizen, whatever the score. A constraint ends when its decision is undone.
create table linkage_constraints (
  id              bigserial primary key,
  kind            text not null check (kind in ('CANNOT_LINK', 'MUST_LINK')),
  -- 'record:<source>:<source_system>:<source_record_id>' or 'citizen:<citizen_id>'
  subject         text not null,
  citizen_id      text not null,
  decision_id     text not null references steward_decisions (decision_id),
  created_at      timestamptz not null default now(),
  revoked_at      timestamptz
);
create index linkage_constraints_subject_idx on linkage_constraints (subject) where revoked_at is null;

-- Down Migration
drop table linkage_constraints;
drop table steward_decisions;
drop table steward_sessions;
drop table steward_users;
alter table observation_outcomes drop constraint observation_outcomes_outcome_check;
alter table observation_outcomes add constraint observation_outcomes_outcome_check
  check (outcome in ('CREATED', 'LINKED', 'REVIEW', 'UNLINKED', 'DELETED'));
drop index review_cases_queue_idx;
alter table review_cases drop column priority, drop column resolution, drop column decided_at, drop column decided_by, drop column claimed_at, drop column claimed_by;
