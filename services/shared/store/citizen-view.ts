import { explainDecision } from '../linkage/decision-summaries.js';
import { parseSettings, type LinkageSettings } from '../linkage/settings.js';
import type { LinkEvidence, LinkExplanation } from '../schemas/records.js';
import type { Pool } from './db.js';
import type { CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from './citizens-table.js';

interface StoredLink {
  source: string;
  source_system: string;
  source_record_id: string;
  decision_id: string;
  method: string;
  score: number;
  reason: string | null;
  settings_version: string | null;
  evidence: LinkEvidence | null;
  linked_at: Date;
}

export interface CitizenView {
  citizen: CitizenRow & { origin: string; created_at: Date; updated_at: Date; version: number };
  /** Each link with how it was decided; `explanation` is recomputed from its evidence and the settings of its version (null for links from before versions, and for stewards' links). */
  links: (Omit<StoredLink, 'evidence'> & { explanation: LinkExplanation | null })[];
  provenance: {
    field: string;
    value: string | null;
    source: string;
    source_system: string;
    source_record_id: string;
    event_time: Date;
    applied_at: Date;
    rule: string;
    is_current: boolean;
  }[];
  facts: {
    kind: string;
    fact_date: string | null;
    details: Record<string, string>;
    source: string;
    source_system: string;
    source_record_id: string;
    recorded_at: Date;
    withdrawn_at: Date | null;
  }[];
  findings: { code: string; field: string; source: string; stage: string; found_at: Date }[];
  audit: { at: Date; actor: string; action: string; details: unknown }[];
}

/** A citizen's quality findings ($1 the citizen id), oldest first: read through migration 036's index, never the whole table. */
export const CITIZEN_FINDINGS_QUERY = 'select code, field, source, stage, found_at from quality_findings where citizen_id = $1 order by id';

/** A citizen with every link, every field value it has had and where it came from, the sectors' facts, findings, and its audit trail. */
export async function citizenView(pool: Pool, id: string): Promise<CitizenView | null> {
  const citizen = await pool.query<CitizenView['citizen']>(
    `select ${citizenRowColumns()}, origin, created_at, updated_at, version from citizens where citizen_id = $1 or personal_id = $1 limit 1`,
    [id],
  );
  const row = citizen.rows[0];
  if (!row) return null;
  const [links, provenance, facts, findings, audit] = await Promise.all([
    pool.query<StoredLink>(
      `select source, source_system, source_record_id, decision_id, method, score, reason, settings_version, evidence, linked_at
         from record_links where citizen_id = $1 order by linked_at`,
      [row.citizen_id],
    ),
    pool.query<CitizenView['provenance'][number]>(
      'select field, value, source, source_system, source_record_id, event_time, applied_at, rule, is_current from field_provenance where citizen_id = $1 order by field, applied_at',
      [row.citizen_id],
    ),
    pool.query<CitizenView['facts'][number]>(
      'select kind, fact_date, details, source, source_system, source_record_id, recorded_at, withdrawn_at from citizen_facts where citizen_id = $1 order by fact_date, id',
      [row.citizen_id],
    ),
    pool.query<CitizenView['findings'][number]>(CITIZEN_FINDINGS_QUERY, [row.citizen_id]),
    pool.query<CitizenView['audit'][number]>('select at, actor, action, details from audit_log where citizen_id = $1 order by id', [row.citizen_id]),
  ]);
  return { citizen: row, links: await explained(pool, links.rows), provenance: provenance.rows, facts: facts.rows, findings: findings.rows, audit: audit.rows };
}

/** The links' explanations, from the settings versions they name (one query for all of them). */
async function explained(pool: Pool, links: StoredLink[]): Promise<CitizenView['links']> {
  const versions = [...new Set(links.flatMap((link) => (link.evidence && link.settings_version ? [link.settings_version] : [])))];
  const settings = new Map<string, LinkageSettings>();
  if (versions.length > 0) {
    const { rows } = await pool.query<{ version: string; settings: unknown }>(
      'select version, settings from linkage_settings where version = any($1::text[])',
      [versions],
    );
    for (const stored of rows) settings.set(stored.version, parseSettings(stored.settings));
  }
  return links.map(({ evidence, ...link }) => {
    const used = link.settings_version ? settings.get(link.settings_version) : undefined;
    if (!evidence || !used) return { ...link, explanation: null };
    return { ...link, explanation: explainDecision(used, { reason: link.reason ?? '', score: link.score, explanation: null, evidence }) };
  });
}
