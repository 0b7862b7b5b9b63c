-- A vaccination registry as a clinic system keeps it (synthetic schema, no data): the sector
-- database `dancu stack up --connect` creates, and what the connector tests and the guide
-- (docs/sector-connect.md) capture. Quirks kept on purpose: a national ID that children do not
-- have yet, a free-text address, the dose as `numeric` without a scale (Debezium sends it as a
-- VariableScaleDecimal), `date` columns (io.debezium.time.Date), the day of the shot as text the
-- way the nurse typed it (the database takes `30/02/2024`; dancu refuses it and says so), and
-- columns dancu must not take (phone, the nurse's name, clinical notes).

create table if not exists patients (
  patient_id bigint generated always as identity primary key,
  national_id varchar(12),
  full_name text not null,
  date_of_birth date not null,
  sex char(1) check (sex in ('M', 'F')),
  address text,
  phone varchar(20),
  guardian_name text,
  created_at timestamptz not null default now()
);

-- A dose record carries the identity as printed on the vaccination certificate at the time of
-- the shot, so each row is a complete fact on its own: dancu reads this table, not `patients`.
create table if not exists vaccinations (
  vaccination_id bigint generated always as identity primary key,
  patient_id bigint not null references patients (patient_id),
  patient_national_id varchar(12),
  patient_name text not null,
  patient_date_of_birth date not null,
  patient_sex char(1),
  patient_address text,
  vaccine_code varchar(20) not null,
  vaccine_name text,
  dose_number numeric not null,
  dose_ml numeric(4, 2),
  -- As typed at the clinic (dd/mm/yyyy, or yyyy-mm-dd from the import of old paper records): the clinic software has no date picker.
  administered_on text not null,
  facility text,
  lot_number varchar(30),
  administered_by text,
  clinical_notes text,
  updated_at timestamptz not null default now()
);

-- Deletes must carry the whole row (the person fields) in Debezium's `before`.
alter table vaccinations replica identity full;
