-- Up Migration

-- An open review case is looked at again when a citizen who may be its person is registered
-- after it opened: the record goes back to the linker with that citizen in sight. Its blocking
-- keys are kept, as a waiting record's are, and the looks are counted (and bounded).
alter table review_cases add column rechecks integer not null default 0;

create table review_case_keys (
  rule            text not null,
  key             text not null,
  observation_id  text not null references review_cases (observation_id) on delete cascade,
  primary key (rule, key, observation_id)
);
create index review_case_keys_observation_idx on review_case_keys (observation_id);

-- Down Migration
drop table review_case_keys;
alter table review_cases drop column rechecks;
