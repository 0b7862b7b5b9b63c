-- Up Migration

-- The register: one row per citizen, current values only; history is in field_provenance.
create table citizens (
  citizen_id     text primary key,
  personal_id    text unique,
  full_name      text not null,
  name_key       text not null,
  family_name    text not null,
  middle_name    text not null default '',
  given_name     text not null default '',
  date_of_birth  text,
  dob_precision  text check (dob_precision in ('DAY', 'MONTH', 'YEAR')),
  sex            text check (sex in ('MALE', 'FEMALE')),
  address        text,
  place_of_birth text,
  date_of_death  text,
  dod_precision  text check (dod_precision in ('DAY', 'MONTH', 'YEAR')),
  status         text not null default 'ALIVE' check (status in ('ALIVE', 'DECEASED')),
  origin         text not null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  version        integer not null default 1
);
create index citizens_name_key_idx on citizens (name_key);

-- Each bulk load of a register snapshot; citizens loaded by it name it in their origin.
create table population_loads (
  load_id    bigserial primary key,
  file_name  text not null,
  row_count  integer not null,
  loaded_at  timestamptz not null default now()
);

-- Which citizen each sectoral record is about.
create table record_links (
  source            text not null,
  source_system     text not null,
  source_record_id  text not null,
  citizen_id        text not null references citizens (citizen_id),
  decision_id       text not null,
  method            text not null,
  score             double precision not null,
  linked_at         timestamptz not null default now(),
  primary key (source, source_system, source_record_id)
);
create index record_links_citizen_idx on record_links (citizen_id);

-- Every value a citizen's field has had: where it came from, when, and the rule that chose it.
create table field_provenance (
  id                bigserial primary key,
  citizen_id        text not null references citizens (citizen_id),
  field             text not null,
  value             text,
  source            text not null,
  source_system     text not null,
  source_record_id  text not null,
  observation_id    text not null,
  event_time        timestamptz not null,
  applied_at        timestamptz not null default now(),
  rule              text not null,
  is_current        boolean not null
);
create index field_provenance_citizen_idx on field_provenance (citizen_id, field);

-- Keys of the events a consumer has applied: a redelivered event finds its key and changes nothing.
create table processed_events (
  consumer      text not null,
  event_id      text not null,
  processed_at  timestamptz not null default now(),
  primary key (consumer, event_id)
);

-- Records the linker could not decide, for stewards.
create table review_cases (
  case_id         bigserial primary key,
  observation_id  text not null unique,
  decision_id     text not null,
  reason          text not null,
  source          text not null,
  observation     jsonb not null,
  candidates      jsonb not null,
  explanation     jsonb not null,
  status          text not null default 'OPEN' check (status in ('OPEN', 'CLAIMED', 'DECIDED')),
  created_at      timestamptz not null default now()
);
create index review_cases_open_idx on review_cases (created_at) where status <> 'DECIDED';

-- Append-only: who did what to which citizen, and why.
create table audit_log (
  id          bigserial primary key,
  at          timestamptz not null default now(),
  actor       text not null,
  action      text not null,
  citizen_id  text,
  details     jsonb not null default '{}'
);
create index audit_log_citizen_idx on audit_log (citizen_id);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end;
$$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_is_append_only();

-- Transactional outbox: an update is written with the change it describes and relayed to Kafka.
create table outbox (
  id            bigserial primary key,
  event_id      text not null unique,
  topic         text not null,
  message_key   text not null,
  record_type   text not null,
  payload       jsonb not null,
  created_at    timestamptz not null default now(),
  published_at  timestamptz
);
create index outbox_unpublished_idx on outbox (id) where published_at is null;

-- Down Migration
drop table outbox;
drop trigger audit_log_append_only on audit_log;
drop function audit_log_is_append_only();
drop table audit_log;
drop table review_cases;
drop table processed_events;
drop table field_provenance;
drop table record_links;
drop table population_loads;
drop table citizens;
