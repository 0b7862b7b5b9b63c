/**
 * TypeScript shapes of the Avro records in schemas/ (unions with null are plain nullable fields,
 * as avsc reads them). Keep in step with the .avsc files; test/unit/schemas.test.ts checks a
 * sample of each against its schema.
 */
export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE';
export type DatePrecision = 'DAY' | 'MONTH' | 'YEAR';
export type Sex = 'MALE' | 'FEMALE';

export interface PersonFields {
  personal_id: string | null;
  full_name: string | null;
  date_of_birth: string | null;
  sex: string | null;
  address: string | null;
  /** Where the record was made (the office's commune and province); absent from events written before the field existed. */
  office_area?: string | null;
}

/** What every sector event carries, whatever its source. */
export interface SectorEventEnvelope {
  source_system: string;
  source_record_id: string;
  change_type: ChangeType;
  event_type: string;
  event_time: number;
  person: PersonFields;
}

export interface CivilStatusEvent extends SectorEventEnvelope {
  event_type: 'BIRTH_REGISTRATION' | 'DEATH_REGISTRATION' | 'MARRIAGE_REGISTRATION' | 'CHANGE_REGISTRATION';
  registration_date: string | null;
  birth: {
    place_of_birth: string | null;
    father_name: string | null;
    mother_name: string | null;
    ethnicity: string | null;
    nationality: string | null;
  } | null;
  death: { date_of_death: string; place_of_death: string | null; cause: string | null } | null;
  marriage?: { date_of_marriage: string; spouse_name: string | null; spouse_personal_id: string | null; place_of_registration: string | null } | null;
  change?: { field: 'FULL_NAME' | 'SEX' | 'ETHNICITY' | 'DATE_OF_BIRTH'; new_value: string; effective_date: string | null } | null;
}

export interface VaccinationEvent extends SectorEventEnvelope {
  event_type: 'VACCINATION';
  vaccination: {
    vaccine_code: string;
    vaccine_name: string | null;
    dose_number: number;
    date_administered: string;
    facility: string | null;
    lot_number: string | null;
  };
}

export interface SocialWelfareEvent extends SectorEventEnvelope {
  event_type: 'BENEFIT_ENROLMENT' | 'BENEFIT_CHANGE' | 'BENEFIT_TERMINATION' | 'BENEFIT_PAYMENT';
  benefit: {
    programme_code: string;
    programme_name: string | null;
    amount_vnd: number | null;
    status: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
    effective_date: string;
    end_date: string | null;
  };
}

export interface DriverLicenceEvent extends SectorEventEnvelope {
  event_type: 'LICENCE_ISSUED' | 'LICENCE_RENEWED' | 'LICENCE_REVOKED';
  licence: {
    licence_number: string;
    licence_class: string;
    issue_date: string;
    expiry_date: string | null;
    revocation_reason: string | null;
  };
}

export interface Rejection {
  source: string;
  source_system: string | null;
  source_record_id: string | null;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  reason: string;
  rules: { code: string; path: string; message: string }[];
  message: string;
  rejected_at: number;
  source_change: { table: string | null; key: string | null; lsn: string | null } | null;
}

export interface PartialDate {
  value: string;
  precision: DatePrecision;
}

export interface Finding {
  code: string;
  field: string;
  message: string;
}

export interface NormalisedPerson {
  personal_id: string | null;
  legacy_id: string | null;
  full_name: string;
  name_key: string;
  family_name: string;
  middle_name: string;
  given_name: string;
  date_of_birth: PartialDate | null;
  sex: Sex | null;
  address: string | null;
  /** The 2025 province of the office that made the record: a sector record's, never a citizen's. */
  office_province?: string | null;
  /** The commune the office's area names (as written: "xã An Phú"), when it names one and its province was read. */
  office_commune?: string | null;
}

export interface PersonObservation {
  observation_id: string;
  source: string;
  source_system: string;
  source_record_id: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  change_type: ChangeType;
  event_type: string;
  event_time: number;
  source_timestamp: number;
  ingested_at: number;
  person: NormalisedPerson;
  date_of_death: PartialDate | null;
  event_date: string | null;
  attributes: Record<string, string>;
  findings: Finding[];
  attempt: number;
}

export interface ComparisonExplanation {
  comparison: string;
  level: string;
  m: number | null;
  u: number | null;
  weight: number;
  sentence: string;
}

export interface LinkExplanation {
  prior: number;
  comparisons: ComparisonExplanation[];
  total: number;
  runner_up_score: number | null;
  summary: string;
}

export type DecisionKind = 'LINK' | 'REVIEW' | 'NEW' | 'UNLINKED';

export interface LinkDecision {
  decision_id: string;
  decision: DecisionKind;
  citizen_id: string | null;
  score: number;
  method: 'DETERMINISTIC' | 'PROBABILISTIC' | 'STEWARD';
  reason: string;
  candidates: Candidate[];
  /** In words, for REVIEW decisions; the others' is recomputed on demand from `evidence` and the settings of `settings_version`. */
  explanation: LinkExplanation | null;
  evidence: LinkEvidence | null;
  settings_version: string;
  decided_at: number;
  observation: PersonObservation;
}

/** The best candidate's comparison levels and weights, compactly (schemas/link-evidence.avsc). */
export interface LinkEvidence {
  prior: number;
  levels: number[];
  weights: number[];
  runner_up_score: number | null;
}

/** A candidate citizen of a decision; review decisions carry each candidate's explanation. */
export interface Candidate {
  citizen_id: string;
  score: number;
  explanation?: LinkExplanation | null;
}

export type StewardAction = 'LINK' | 'NEW' | 'REJECT' | 'MERGE' | 'DISTINCT' | 'UNDO';

export interface StewardDecision {
  decision_id: string;
  case_id: number;
  action: StewardAction;
  citizen_id: string | null;
  other_citizen_id: string | null;
  undoes: string | null;
  actor: string;
  comment: string;
  decided_at: number;
}

export type UpdateType =
  | 'CITIZEN_CREATED'
  | 'CITIZEN_UPDATED'
  | 'DEATH_RECORDED'
  | 'RECORD_LINKED'
  | 'RECORD_UNLINKED'
  | 'FACT_RECORDED'
  | 'CITIZENS_MERGED'
  | 'MERGE_UNDONE'
  | 'CITIZEN_REMOVED';

export interface SectorFact {
  kind: string;
  date: string | null;
  details: Record<string, string>;
}

export interface PopulationUpdate {
  update_id: string;
  citizen_id: string;
  update_type: UpdateType;
  fact: SectorFact | null;
  changes: { field: string; old_value: string | null; new_value: string | null }[];
  related_citizen_id: string | null;
  source: string;
  source_system: string;
  source_record_id: string;
  observation_id: string;
  event_time: number;
  applied_at: number;
  /** Increases with every update of the citizen; numbered when the update enters the outbox. */
  citizen_version: number;
}

/** An update as the store writes it to the outbox, before the outbox numbers it with the citizen's version. */
export type PopulationUpdateDraft = Omit<PopulationUpdate, 'citizen_version'>;
