-- Up Migration

-- A later event of a linked record that the link's rules forbid (a guardian's ID, an ID its name
-- and date of birth contradict, a never_link rule) goes to review as LINKED_RECORD_CONTRADICTED,
-- the link standing until a steward decides: a case about a standing link, looked at first with
-- the settings' and the register's (SETTINGS_LINK_*, REGISTER_LINK_*), since the register holds
-- a link its latest event says may be wrong.
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason
    when 'PID_CONTRADICTED' then 1
    when 'NEVER_LINK_RULE' then 1
    when 'SETTINGS_LINK_MOVED' then 1
    when 'SETTINGS_LINK_DOUBTED' then 1
    when 'REGISTER_LINK_MOVED' then 1
    when 'REGISTER_LINK_DOUBTED' then 1
    when 'LINKED_RECORD_CONTRADICTED' then 1
    when 'POSSIBLE_DUPLICATE' then 2
    when 'REQUIRED_FIELD_DISAGREES' then 3
    when 'AMBIGUOUS' then 4
    else 5
  end
) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';

-- A record's open case of this reason is found by its source record when a later event of it
-- follows the link, deletes it or is doubted in turn, and is closed (decision-write.ts).
create index review_cases_contradicted_record_idx on review_cases ((observation->>'source_record_id'))
  where reason = 'LINKED_RECORD_CONTRADICTED' and status = 'OPEN';

-- Down Migration
drop index review_cases_contradicted_record_idx;
-- Open cases keep their reason and wait at the end of the queue: the code before this migration
-- decides them as cases of a record not linked yet (a move leaves the record's earlier events on
-- the citizen it leaves), which a steward may still prefer to an event lost by closing them here.
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason
    when 'PID_CONTRADICTED' then 1
    when 'NEVER_LINK_RULE' then 1
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
