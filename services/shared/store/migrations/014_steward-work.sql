-- Up Migration

-- A review case's version: it grows whenever what a steward decides on changes (its status, who
-- holds it, its reason, record, candidates or resolution), whoever changes it: a steward, the
-- store applying a decision or an undo, the linker refreshing the candidates. A page sends the
-- version it shows with a decision (If-Match) and a decision from a page showing an older state
-- is refused. A trigger, so that every writer counts the same way; routing a case to a steward
-- or a team is not counted, as it does not change what the case asks.
alter table review_cases add column version integer not null default 1;
create function review_case_next_version() returns trigger language plpgsql as $$
begin
  new.version := old.version + 1;
  return new;
end;
$$;
create trigger review_cases_version before update on review_cases
  for each row when (
    (old.status, old.claimed_by, old.resolution, old.reason, old.observation, old.candidates)
      is distinct from (new.status, new.claimed_by, new.resolution, new.reason, new.observation, new.candidates)
  )
  execute function review_case_next_version();

-- Work routing. The province of a record's address (as ingest resolved it to the provinces of
-- 2025) routes a case as its source does; a duplicate pair has none.
alter table review_cases add column province text generated always as (observation->'attributes'->>'address_province_2025') stored;
-- A supervisor's assignment of a case to one steward or to a team; when no team is named, the
-- rules below choose one.
alter table review_cases
  add column assigned_to   text references steward_users (username),
  add column assigned_team text,
  add column assigned_by   text,
  add column assigned_at   timestamptz;
create index review_cases_assigned_to_idx on review_cases (assigned_to) where status <> 'DECIDED' and assigned_to is not null;

-- Teams are their members: a team exists while it has a member or a rule routes cases to it.
create table steward_team_members (
  team      text not null,
  username  text not null references steward_users (username),
  added_by  text not null,
  added_at  timestamptz not null default now(),
  primary key (team, username)
);
create index steward_team_members_user_idx on steward_team_members (username);

-- Rules as data: the cases of a source and/or a province go to a team. Null matches any. The
-- most specific rule wins: source and province, then province, then source, then the catch-all.
create table case_assignment_rules (
  rule_id     bigserial primary key,
  source      text,
  province    text,
  team        text not null,
  created_by  text not null,
  created_at  timestamptz not null default now()
);
create unique index case_assignment_rules_match_idx on case_assignment_rules (coalesce(source, ''), coalesce(province, ''));

-- The team a case is routed to: the one a supervisor named, else the most specific rule's.
-- Computed when read, so a rule added or removed routes the open cases at once.
create function review_case_team(case_source text, case_province text, named_team text) returns text language sql stable as $$
  select coalesce(named_team, (
    select r.team from case_assignment_rules r
     where (r.source is null or r.source = case_source) and (r.province is null or r.province = case_province)
     order by (r.province is not null) desc, (r.source is not null) desc
     limit 1))
$$;

-- Bulk decisions: one decision and one comment applied to cases that share a cause (a site's
-- records with their IDs in the wrong column), undone together. Each case's decision is an
-- ordinary steward decision (published, applied and audited as one); the batch ties them.
create table bulk_batches (
  batch_id      bigserial primary key,
  actor         text not null,
  action        text not null check (action in ('REJECT', 'NEW', 'DISTINCT')),
  comment       text not null,
  -- The filter the cases were selected with (source, reason, facility, …): no personal data.
  selection     jsonb not null,
  created_at    timestamptz not null default now(),
  undone_by     text,
  undo_comment  text,
  undone_at     timestamptz
);
create index bulk_batches_actor_idx on bulk_batches (actor, created_at);
create table bulk_batch_decisions (
  batch_id          bigint not null references bulk_batches (batch_id),
  case_id           bigint not null references review_cases (case_id),
  decision_id       text not null unique references steward_decisions (decision_id),
  undo_decision_id  text references steward_decisions (decision_id),
  primary key (batch_id, case_id)
);

-- Search. Names are found by their folded key (no diacritics, lower case: what normaliseName
-- writes), whole or by its first words, with the birth date narrowing; in the C collation so
-- that a prefix is a range of the index whatever the database's collation.
create index citizens_search_name_idx on citizens ((name_key collate "C"), date_of_birth);
-- A sector record found by its id alone (the primary key starts with the source and its system).
create index record_links_record_id_idx on record_links (source_record_id);
-- Records waiting in review, found by the personal ID, record id or name they carry.
create index review_cases_record_pid_idx on review_cases ((observation->'person'->>'personal_id'));
create index review_cases_record_id_idx on review_cases ((observation->>'source_record_id'));
create index review_cases_record_name_idx on review_cases (((observation->'person'->>'name_key') collate "C"));

-- Down Migration
drop index review_cases_record_name_idx;
drop index review_cases_record_id_idx;
drop index review_cases_record_pid_idx;
drop index record_links_record_id_idx;
drop index citizens_search_name_idx;
drop table bulk_batch_decisions;
drop table bulk_batches;
drop function review_case_team(text, text, text);
drop table case_assignment_rules;
drop table steward_team_members;
drop index review_cases_assigned_to_idx;
alter table review_cases drop column assigned_at, drop column assigned_by, drop column assigned_team, drop column assigned_to;
alter table review_cases drop column province;
drop trigger review_cases_version on review_cases;
drop function review_case_next_version();
alter table review_cases drop column version;
