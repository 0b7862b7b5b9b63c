import type { SourceName } from '../kafka/topics.js';

/** The register fields sources can set, each a column of `citizens` (a date with its precision column). */
export type RegisterField = 'full_name' | 'date_of_birth' | 'sex' | 'address' | 'place_of_birth' | 'ethnicity' | 'marital_status' | 'date_of_death';

export interface FieldRight {
  /** Sources whose value replaces the register's. */
  authoritative: readonly SourceName[];
  /** What every other source may do: fill the field while it is empty (or, for a date, less precise), or nothing. */
  others: 'fill-empty' | 'nothing';
}

/**
 * What each source may change in the register, as data an operator can read. Civil status is
 * authoritative for the person's identity and life events; the other sectors may fill gaps and
 * add their own facts (citizen_facts) but never overwrite an authoritative value. Only civil
 * status (and a steward) creates citizens: that rule lives with the linker's decisions.
 */
export const FIELD_RIGHTS: Readonly<Record<RegisterField, FieldRight>> = {
  full_name: { authoritative: ['civil-status'], others: 'fill-empty' },
  date_of_birth: { authoritative: ['civil-status'], others: 'fill-empty' },
  sex: { authoritative: ['civil-status'], others: 'fill-empty' },
  place_of_birth: { authoritative: ['civil-status'], others: 'nothing' },
  ethnicity: { authoritative: ['civil-status'], others: 'fill-empty' },
  marital_status: { authoritative: ['civil-status'], others: 'nothing' },
  date_of_death: { authoritative: ['civil-status'], others: 'nothing' },
  address: { authoritative: [], others: 'fill-empty' },
};

/**
 * The rule recorded in field_provenance for each value a source gave: chosen by FIELD_RIGHTS, or
 * kept in the history only because the register's value comes from a later event.
 */
export type ProvenanceRule = 'authoritative-source' | 'fills-empty-field' | 'older-than-current';
