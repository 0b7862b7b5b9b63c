-- Up Migration

-- Supervisors undo other stewards' decisions and may override the evidence against a merge.
alter table steward_users drop constraint steward_users_role_check;
alter table steward_users add constraint steward_users_role_check check (role in ('viewer', 'steward', 'supervisor', 'admin'));

-- Down Migration
update steward_users set role = 'steward' where role = 'supervisor';
alter table steward_users drop constraint steward_users_role_check;
alter table steward_users add constraint steward_users_role_check check (role in ('viewer', 'steward', 'admin'));
