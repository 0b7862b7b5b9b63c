-- Up Migration

-- The queue is ordered by risk (README, "Review queue"): first a contradicted ID (a record that
-- may be attached to the wrong person), then a possible duplicate identity (one person holding
-- two citizen records), then a required field that disagrees, then two close candidates, then
-- a score merely between the thresholds.
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

-- Down Migration
drop index review_cases_queue_idx;
alter table review_cases drop column priority;
alter table review_cases add column priority smallint generated always as (
  case reason when 'PID_CONTRADICTED' then 1 when 'AMBIGUOUS' then 2 when 'REQUIRED_FIELD_DISAGREES' then 2 when 'POSSIBLE_DUPLICATE' then 3 else 4 end
) stored;
create index review_cases_queue_idx on review_cases (priority, created_at) where status <> 'DECIDED';
