-- Up Migration

-- The store asks, for every chunk, which of its observations an earlier attempt already linked
-- (decision-load.ts, alreadyApplied), and a steward's undo finds a record's outcomes the same way
-- (standing-link.ts). Without this index each of those read the whole table, which grows by one
-- row an event for as long as the register lives: 5 ms a chunk after 22,000 events, and linear
-- in the register's history after that.
create index observation_outcomes_observation_idx on observation_outcomes (observation_id);

-- Down Migration
drop index observation_outcomes_observation_idx;
