-- Up Migration

-- Civil status is authoritative for these too (marriage and change registrations).
alter table citizens
  add column ethnicity text,
  add column marital_status text check (marital_status in ('SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED'));

-- What the sectors record about a citizen besides the register's fields: vaccinations, benefits,
-- licences, marriages. One row per observation; a correction withdraws the row it corrects.
create table citizen_facts (
  id                bigserial primary key,
  citizen_id        text not null references citizens (citizen_id),
  kind              text not null,
  fact_date         text,
  details           jsonb not null,
  source            text not null,
  source_system     text not null,
  source_record_id  text not null,
  observation_id    text not null unique,
  event_time        timestamptz not null,
  recorded_at       timestamptz not null default now(),
  withdrawn_at      timestamptz
);
create index citizen_facts_citizen_idx on citizen_facts (citizen_id);
create index citizen_facts_record_idx on citizen_facts (source, source_system, source_record_id);

-- Records of sources that may not create citizens and that matched no one: kept, counted, shown to
-- stewards, and sent back to the linker when a new citizen shares a blocking key with them.
create table unlinked_records (
  observation_id       text primary key,
  source               text not null,
  source_system        text not null,
  source_record_id     text not null,
  event_type           text not null,
  observation          jsonb not null,
  decision_id          text not null,
  reason               text not null,
  attempt              integer not null,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  resolved_at          timestamptz,
  resolution           text check (resolution in ('LINKED', 'REVIEW', 'DELETED')),
  resolved_citizen_id  text
);
create index unlinked_records_open_idx on unlinked_records (source, created_at) where resolved_at is null;

create table unlinked_keys (
  rule            text not null,
  key             text not null,
  observation_id  text not null references unlinked_records (observation_id) on delete cascade,
  primary key (rule, key, observation_id)
);
create index unlinked_keys_observation_idx on unlinked_keys (observation_id);

-- Soft data-quality findings: those ingest attached to an observation, and those the store finds
-- against the register (a vaccination after the citizen's death).
create table quality_findings (
  id              bigserial primary key,
  observation_id  text not null,
  source          text not null,
  code            text not null,
  field           text not null,
  message         text not null,
  citizen_id      text,
  stage           text not null check (stage in ('ingest', 'store')),
  found_at        timestamptz not null default now(),
  unique (observation_id, code, field)
);
create index quality_findings_source_idx on quality_findings (source, found_at);

-- What the store did with each decision it applied, per source: the quality report's counts.
create table observation_outcomes (
  decision_id     text primary key,
  observation_id  text not null,
  source          text not null,
  event_type      text not null,
  outcome         text not null check (outcome in ('CREATED', 'LINKED', 'REVIEW', 'UNLINKED', 'DELETED')),
  citizen_id      text,
  fields_filled   integer not null default 0,
  applied_at      timestamptz not null default now()
);
create index observation_outcomes_source_idx on observation_outcomes (source, applied_at);

-- Down Migration
drop table observation_outcomes;
drop table quality_findings;
drop table unlinked_keys;
drop table unlinked_records;
drop table citizen_facts;
alter table citizens drop column marital_status, drop column ethnicity;
