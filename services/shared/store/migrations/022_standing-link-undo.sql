-- Up Migration

-- A steward's decision on a case about a link left standing (SETTINGS_LINK_*, REGISTER_LINK_*)
-- changes that link: a confirmation makes it the steward's, a move, a rejection or a new citizen
-- takes the record off its citizen (link, facts, field history). What stood is kept with the
-- decision, every column as it was, so that undoing the decision puts exactly that back
-- (services/shared/review/standing-link.ts); `{"link": null}` when no link stood any more.
alter table steward_decisions add column standing_link jsonb;

-- Down Migration
alter table steward_decisions drop column standing_link;
