-- Up Migration

-- When a citizen's identity (name, date of birth, sex) last changed: a correction by a source, a
-- merge, a steward taking a record off them or putting it back. A record the linker decided while
-- a correction was not yet committed saw the citizen as they were; kept waiting, it must go back
-- when the citizen now shares keys with it, as it does for a citizen registered meanwhile
-- (records-in-reach.ts, recentCitizensInReach). Null for a citizen never changed so, which is
-- nearly all of them: the index holds only the others.
alter table citizens add column identity_changed_at timestamptz;
create index citizens_identity_changed_idx on citizens (identity_changed_at) where identity_changed_at is not null;

-- Down Migration
drop index citizens_identity_changed_idx;
alter table citizens drop column identity_changed_at;
