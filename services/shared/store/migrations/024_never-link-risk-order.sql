-- Up Migration

-- A record a never_link rule keeps from its probable candidate (twins' consecutive IDs, a parent's
-- or child's ID) has its own reason, NEVER_LINK_RULE, where it shared REQUIRED_FIELD_DISAGREES.
-- It is looked at first, with a contradicted ID: in both the record's ID points at a relative
-- whom everything else makes look like the record's person, so a hurried link would attach one
-- person's facts to another. Cases opened before keep their reason and their priority.
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

-- Down Migration
-- The code before this migration knew these cases by the reason they had then.
update review_cases set reason = 'REQUIRED_FIELD_DISAGREES' where reason = 'NEVER_LINK_RULE';
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
