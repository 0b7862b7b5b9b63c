-- Up Migration

-- Every linkage decision names the settings it was made with (their content hash,
-- services/shared/linkage/settings-version.ts). The register keeps each version it met, as
-- written, so that the explanation of any stored decision can be recomputed from the decision's
-- compact evidence long after the settings file has changed.
create table linkage_settings (
  version        text primary key,
  settings       jsonb not null,
  first_seen_at  timestamptz not null default now()
);

-- A link keeps how it was decided: the settings version, the reason code and the best
-- candidate's evidence (comparison levels and weights, schemas/link-evidence.avsc). Null for
-- links made before this migration, and for those a steward made (their explanation is the case's).
alter table record_links add column settings_version text;
alter table record_links add column reason text;
alter table record_links add column evidence jsonb;

-- A review case keeps the settings version of the decision that opened (or last refreshed) it.
alter table review_cases add column settings_version text;

-- Down Migration
alter table review_cases drop column settings_version;
alter table record_links drop column evidence;
alter table record_links drop column reason;
alter table record_links drop column settings_version;
drop table linkage_settings;
