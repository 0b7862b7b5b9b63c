import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName } from '../../services/shared/schemas/topics.js';
import { qualityReport, type SourceQuality } from '../../services/shared/reporting/quality-report.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { PopulationUpdate, Rejection } from '../../services/shared/schemas/records.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { authorityRank, loadSurvivorship, type RegisterField } from '../../services/shared/register/survivorship.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { generateSectorDay, type SectorDay } from '../../services/shared/synth/sector-day.js';
import { provinceOfPlace } from '../../services/shared/normalise/provinces-2025.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

const PLAN = { births: 40, deaths: 30, marriages: 10, nameChanges: 5, vaccinations: 120, benefits: 80, licences: 60, invalidPerSource: 4 };

/** Decodes Confluent wire-format values of a topic with dancu's schema (5 header bytes, then Avro). */
function decodeAll<T>(values: (Buffer | null)[], record: 'rejection' | 'populationUpdate'): T[] {
  const type = loadRecordSchema(record).type;
  return values.flatMap((value) => (value ? [type.fromBuffer(value.subarray(5)) as T] : []));
}

describe('all four sectoral sources flow end to end and enrich the register', () => {
  const run = new IsolatedRun('sectors');
  let population: SyntheticCitizen[];
  let day: SectorDay;
  let report: SourceQuality[];
  const published: Record<string, number> = {};

  beforeAll(async () => {
    population = generatePopulation(1500, 21);
    await run.setUp({ register: population.map((citizen, i) => (i % 5 === 0 ? { ...citizen, address: '' } : citizen)) });
    day = generateSectorDay(population, PLAN, 22);
    await run.startServices();
    // The other sectors first: newborns' vaccinations arrive before their birth registrations.
    for (const batch of [['vaccination', 'social-welfare', 'driver-licence'], ['civil-status']] as SourceName[][]) {
      for (const source of batch) {
        const result = await publishEvents({
          producer: run.producer,
          registry: run.registry,
          topic: run.topics[SOURCE_TOPICS[source].events],
          record: SOURCE_ADAPTERS[source].record,
          events: day.events[source],
        });
        expect(result.rejected).toEqual([]);
        published[source] = result.published;
      }
      await run.waitUntilDrained(180_000);
    }
    report = await qualityReport(run.kafka, run.admin, run.pool, run.topics);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it.each(SOURCE_NAMES)('accounts for every %s event: applied or rejected, nothing lost', (source) => {
    const q = report.find((r) => r.source === source);
    expect(q && { received: q.received, accounted: q.applied + q.rejected }).toEqual({ received: published[source], accounted: published[source] });
  });

  it('links no record of any source to a wrong citizen', async () => {
    const { rows } = await run.pool.query<{ source_record_id: string; citizen_id: string }>('select source_record_id, citizen_id from record_links');
    const wrong = rows.filter((row) => day.truth.about.has(row.source_record_id) && day.truth.about.get(row.source_record_id) !== row.citizen_id);
    expect(wrong).toEqual([]);
  });

  it.each(['vaccination', 'social-welfare', 'driver-licence'] as const)('links at least 95 in 100 valid %s records to their citizen', async (source) => {
    const { rows } = await run.pool.query<{ source_record_id: string; citizen_id: string }>(
      'select source_record_id, citizen_id from record_links where source = $1',
      [source],
    );
    const expected = day.events[source].map((event) => (event as { source_record_id: string }).source_record_id).filter((id) => day.truth.about.has(id));
    const right = rows.filter((row) => day.truth.about.get(row.source_record_id) === row.citizen_id).length;
    expect(right / expected.length).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps a newborn vaccination unlinked until the birth registration arrives, then links it to the newborn', async () => {
    const { rows } = await run.pool.query<{ source_record_id: string; resolution: string | null; resolved_citizen_id: string | null }>(
      'select source_record_id, resolution, resolved_citizen_id from unlinked_records where source_record_id = any($1::text[])',
      [day.truth.beforeBirthRegistration],
    );
    expect(rows.length).toBe(day.truth.beforeBirthRegistration.length);
    expect(rows.filter((row) => row.resolution !== 'LINKED' || row.resolved_citizen_id !== day.truth.about.get(row.source_record_id))).toEqual([]);
  });

  it("keeps a newborn vaccination that carries a parent's ID unlinked as a guardian's ID, then links it to the newborn, never the parent", async () => {
    const { rows } = await run.pool.query<{ source_record_id: string; reason: string; resolution: string | null; resolved_citizen_id: string | null }>(
      'select source_record_id, reason, resolution, resolved_citizen_id from unlinked_records where source_record_id = any($1::text[])',
      [day.truth.withGuardianId],
    );
    expect(day.truth.withGuardianId.length).toBeGreaterThan(0);
    expect(rows.map((row) => [row.reason, row.resolution, row.resolved_citizen_id === day.truth.about.get(row.source_record_id)])).toEqual(
      day.truth.withGuardianId.map(() => ['GUARDIAN_ID', 'LINKED', true]),
    );
  });

  it('creates citizens only from civil status', async () => {
    const { rows } = await run.pool.query<{ origin: string }>("select distinct origin from citizens where origin like 'source:%'");
    expect(rows.map((row) => row.origin)).toEqual(['source:civil-status']);
  });

  it('adds each linked vaccination, benefit and licence to its citizen as a fact', async () => {
    const { rows } = await run.pool.query<{ source: string; n: string }>('select source, count(*) as n from citizen_facts group by source order by source');
    const links = await run.pool.query<{ source: string; n: string }>(
      "select source, count(*) as n from record_links where source <> 'civil-status' group by source order by source",
    );
    expect(rows.map((row) => [row.source, Number(row.n)])).toEqual([
      ['civil-status', expect.any(Number)],
      ...links.rows.map((row) => [row.source, Number(row.n)]),
    ]);
  });

  it('never lets a source replace a value from a source of higher authority for the field, only fill a gap or make a date more precise', async () => {
    const rules = loadSurvivorship();
    const { rows } = await run.pool.query<{ citizen_id: string; field: RegisterField; source: string; rule: string; is_current: boolean }>(
      "select citizen_id, field, source, rule, is_current from field_provenance where citizen_id in (select citizen_id from field_provenance where is_current and source not in ('civil-status', 'register'))",
    );
    const outranked = rows.filter(
      (current) =>
        current.is_current &&
        current.rule !== 'refined-by-compatible' &&
        rows.some(
          (other) =>
            other.citizen_id === current.citizen_id &&
            other.field === current.field &&
            authorityRank(rules.fields[current.field], other.source) < authorityRank(rules.fields[current.field], current.source),
        ),
    );
    expect(rows.filter((row) => row.is_current && row.source !== 'civil-status' && row.source !== 'register').length).toBeGreaterThan(0);
    expect(outranked).toEqual([]);
  });

  it('fills addresses the register lacked from the sectors', async () => {
    const { rows } = await run.pool.query<{ n: string }>(
      `select count(*) as n from field_provenance p where p.is_current and p.field = 'address' and p.source not in ('civil-status', 'register')
          and not exists (select 1 from field_provenance a where a.citizen_id = p.citizen_id and a.field = 'address' and a.source in ('civil-status', 'register'))`,
    );
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    expect(report.filter((q) => q.source !== 'civil-status').reduce((sum, q) => sum + q.fieldsFilled, 0)).toBeGreaterThanOrEqual(Number(rows[0]?.n));
  });

  it('finds every benefit paid after the citizen died (FACT_AFTER_DEATH)', async () => {
    const { rows } = await run.pool.query<{ source_record_id: string }>(
      "select c.source_record_id from quality_findings f join citizen_facts c using (observation_id) where f.code = 'FACT_AFTER_DEATH'",
    );
    expect(rows.map((row) => row.source_record_id).sort()).toEqual([...day.truth.afterDeath].sort());
  });

  it.each(SOURCE_NAMES)('tells %s, on its feedback topic, every record it rejected and the rule it broke', async (source) => {
    const messages = await readTopicSnapshot(run.kafka, run.admin, run.topics[SOURCE_TOPICS[source].feedback]);
    const rejections = decodeAll<Rejection>(
      messages.map((m) => m.value),
      'rejection',
    );
    const told = rejections.map((r) => [
      r.source_record_id,
      r.rules.map((rule) => rule.code).includes(day.truth.rejected.find((x) => x.recordId === r.source_record_id)?.rule ?? ''),
    ]);
    const planted = day.truth.rejected.filter((r) => r.source === source).map((r) => [r.recordId, true]);
    expect(told.sort()).toEqual(planted.sort());
  });

  it('publishes a vaccination as a fact on population.updates.v1', async () => {
    const messages = await readTopicSnapshot(run.kafka, run.admin, run.topics.populationUpdates);
    const updates = decodeAll<PopulationUpdate>(
      messages.map((m) => m.value),
      'populationUpdate',
    );
    const vaccination = updates.find((update) => update.source === 'vaccination' && update.fact !== null);
    expect(vaccination?.fact).toMatchObject({ kind: 'VACCINATION', details: { vaccine_code: expect.any(String) } });
  });

  it('records marriages and name changes as civil status says', async () => {
    const marriages = day.events['civil-status']
      .filter((e) => (e as { event_type: string }).event_type === 'MARRIAGE_REGISTRATION')
      .map((e) => (e as { source_record_id: string }).source_record_id);
    const spouses = marriages.map((id) => day.truth.about.get(id));
    const { rows } = await run.pool.query<{ marital_status: string }>('select marital_status from citizens where citizen_id = any($1::text[])', [spouses]);
    expect(rows.map((row) => row.marital_status)).toEqual(rows.map(() => 'MARRIED'));
    expect(rows.length).toBe(new Set(spouses).size);
  });

  it("carries where each linked vaccination was made, through Avro and ingest, as the 2025 province of its citizen's home", async () => {
    const { rows } = await run.pool.query<{ citizen_id: string; office_province: string | null }>(
      `select citizen_id, observation->'person'->>'office_province' as office_province from record_links where source = 'vaccination'`,
    );
    // The register's citizens only: a newborn's vaccination, whose citizen the day's birth makes, names the province of the birth's address.
    const home = new Map(population.map((c) => [c.citizen_id, provinceOfPlace(c.address)]));
    const registered = rows.filter((row) => home.has(row.citizen_id));
    const expected = registered.map((row) => {
      const province = home.get(row.citizen_id);
      return province && province !== 'unknown' ? province.current : null;
    });
    expect([registered.length > 0, registered.map((row) => row.office_province)]).toEqual([true, expected]);
  });
});
