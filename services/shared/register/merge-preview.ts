import { currentValue, registerClaim } from './citizen-changes.js';
import type { CitizenRow } from './citizen-row.js';
import { chooseValue, REGISTER_FIELDS, type ChoiceRule, type Claim, type RegisterField, type Survivorship } from './survivorship.js';

/** One citizen of a merge as the register holds them: current values and every claim each field has had. */
export interface MergeSide {
  row: CitizenRow;
  claims: { field: RegisterField; claim: Claim }[];
}

/** The survivor keeps their own personal ID: the merged citizen's ID still resolves, to the survivor. */
export type PreviewRule = ChoiceRule | 'survivor-keeps-id';

export interface PreviewField {
  field: RegisterField | 'personal_id';
  survivor_value: string | null;
  merged_value: string | null;
  /** The value the merged record will hold. */
  value: string | null;
  /** Whose claim it is: the survivor's, the merged citizen's, or nobody's (the field stays empty). */
  from: 'survivor' | 'merged' | null;
  source: string | null;
  /** The survivorship rule that chose it over the other side's value. */
  rule: PreviewRule | null;
}

export interface MergePreview {
  survivor_id: string;
  merged_id: string;
  fields: PreviewField[];
}

/** A side's claims on a field; a field no event has claimed holds the register's own value, as the merge writes it down first. */
function claimsOn(side: MergeSide, field: RegisterField): Claim[] {
  const claims = side.claims.filter((c) => c.field === field).map((c) => c.claim);
  if (claims.length > 0) return claims;
  const own = registerClaim(side.row, field);
  return own ? [own] : [];
}

/**
 * The citizen a merge would leave, field by field, with the value that survives and the rule
 * that chose it: the same survivorship rules the merge applies to both histories together
 * (store/citizen-merges.ts), so what the stewards approve is what the register will hold.
 */
export function mergePreview(survivorship: Survivorship, survivor: MergeSide, merged: MergeSide): MergePreview {
  const fields: PreviewField[] = [
    {
      field: 'personal_id',
      survivor_value: survivor.row.personal_id,
      merged_value: merged.row.personal_id,
      value: survivor.row.personal_id,
      from: survivor.row.personal_id === null ? null : 'survivor',
      source: null,
      rule: 'survivor-keeps-id',
    },
  ];
  for (const field of REGISTER_FIELDS) {
    const fromSurvivor = claimsOn(survivor, field);
    const fromMerged = claimsOn(merged, field);
    const choice = chooseValue(survivorship.fields[field], [...fromSurvivor, ...fromMerged]);
    fields.push({
      field,
      survivor_value: currentValue(survivor.row, field).value,
      merged_value: currentValue(merged.row, field).value,
      value: choice?.claim.value ?? null,
      from: !choice ? null : fromSurvivor.includes(choice.claim) ? 'survivor' : 'merged',
      source: choice?.claim.source ?? null,
      rule: choice?.rule ?? null,
    });
  }
  return { survivor_id: survivor.row.citizen_id, merged_id: merged.row.citizen_id, fields };
}
