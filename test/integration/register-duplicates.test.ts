import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { foldToAscii } from '../../services/shared/normalise/text.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { PopulationUpdate, VaccinationEvent } from '../../services/shared/schemas/records.js';
import { duplicateCaseId, mergeCitizens, undoMerge, type MergeResult } from '../../services/shared/store/citizen-merges.js';
import type { WriterContext } from '../../services/shared/store/apply-decisions.js';
import { scanForDuplicates, type DuplicateScanReport } from '../../services/shared/review/duplicate-scan.js';
import { loadSurvivorship } from '../../services/shared/register/survivorship.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { personOf, sexInVietnamese, vaccinationEvent } from '../fixtures/sector-events.js';
import { TWIN_SISTERS } from '../fixtures/twins.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

const POPULATION = generatePopulation(300, 9090);
/**
 * Six people registered twice: the second time with one digit of the ID mistyped, the name
 * without diacritics and a later address (so a sector record with that address links to the
 * second registration, not to the first).
 */
const ORIGINALS = POPULATION.slice(0, 6);
const DUPLICATES: SyntheticCitizen[] = ORIGINALS.map((c, i) => {
  const id = `${c.personal_id.slice(0, 11)}${(Number(c.personal_id[11]) + 1) % 10}`;
  return { ...c, citizen_id: id, personal_id: id, full_name: foldToAscii(c.full_name), address: POPULATION[100 + i]!.address };
});

/**
 * One more person registered twice, whom only the ID's typo lookup brings together: one digit of
 * the ID and of the birth year mistyped, and an address of later, so no other blocking key is shared.
 */
const HIDDEN_ORIGINAL = POPULATION[6]!;
const HIDDEN_DUPLICATE: SyntheticCitizen = (() => {
  const id = `${HIDDEN_ORIGINAL.personal_id.slice(0, 7)}${(Number(HIDDEN_ORIGINAL.personal_id[7]) + 1) % 10}${HIDDEN_ORIGINAL.personal_id.slice(8)}`;
  const dob = HIDDEN_ORIGINAL.date_of_birth;
  const year = `${dob.slice(0, 3)}${(Number(dob[3]) + 1) % 10}`;
  return { ...HIDDEN_ORIGINAL, citizen_id: id, personal_id: id, date_of_birth: `${year}${dob.slice(4)}`, address: POPULATION[200]!.address };
})();

/** A vaccination with the citizen's address, so it links to the registration that has that address. */
const vaccinationOf = (citizen: SyntheticCitizen, recordId: string): VaccinationEvent =>
  vaccinationEvent(personOf(citizen, { sex: sexInVietnamese(citizen.sex), address: citizen.address }), recordId, {
    event_time: Date.parse('2026-11-20T08:00:00Z'),
    vaccination: { date_administered: '2026-11-20', facility: 'Trạm y tế xã', lot_number: 'L1234' },
  });

describe('duplicates inside the register: found by the linkage engine, merged keeping both histories, and the merge undone', () => {
  const run = new IsolatedRun('duplicates');
  const [survivor, merged] = [ORIGINALS[0]!.citizen_id, DUPLICATES[0]!.citizen_id];
  const twinsCaseId = duplicateCaseId(TWIN_SISTERS[0].citizen_id, TWIN_SISTERS[1].citizen_id);
  let context: WriterContext;
  let scan: DuplicateScanReport;
  let rescan: DuplicateScanReport;
  let merge: MergeResult;
  const state: Record<'afterMerge' | 'afterUndo', { links: string[]; status: string; mergedInto: string | null; survivorName: string }> = {} as never;
  const history: Record<'beforeMerge' | 'afterUndo', object[]> = {} as never;
  const updates = async () => (await readTopicSnapshot(run.kafka, run.admin, run.topics.populationUpdates)).map((m) => m);

  const snapshotOf = async () => {
    const links = await run.pool.query<{ citizen_id: string }>(
      `select citizen_id from record_links where source_record_id like 'DUP-%' order by source_record_id`,
    );
    const citizen = await run.pool.query<{ status: string; merged_into: string | null }>('select status, merged_into from citizens where citizen_id = $1', [
      merged,
    ]);
    const kept = await run.pool.query<{ full_name: string }>('select full_name from citizens where citizen_id = $1', [survivor]);
    return {
      links: links.rows.map((row) => row.citizen_id),
      status: citizen.rows[0]!.status,
      mergedInto: citizen.rows[0]!.merged_into,
      survivorName: kept.rows[0]!.full_name,
    };
  };

  /** Every field history row of the two citizens, in the order written. */
  const historyOf = async () =>
    (
      await run.pool.query(
        'select id, citizen_id, field, value, source, observation_id, rule, is_current from field_provenance where citizen_id = any($1::text[]) order by id',
        [[survivor, merged]],
      )
    ).rows;

  beforeAll(async () => {
    await run.setUp({ register: [...POPULATION, ...DUPLICATES, HIDDEN_DUPLICATE, ...TWIN_SISTERS] });
    await run.startServices();
    context = { settings: loadSettings(), survivorship: loadSurvivorship(), topics: run.topics, now: new Date() };
    await publishEvents({
      producer: run.producer,
      registry: run.registry,
      topic: run.topics.vaccination,
      record: 'vaccinationEvent',
      events: [vaccinationOf(DUPLICATES[0]!, 'DUP-1'), vaccinationOf(DUPLICATES[0]!, 'DUP-2')],
    });
    await run.waitUntilDrained(60_000);
    scan = await scanForDuplicates(run.pool, loadSettings());
    rescan = await scanForDuplicates(run.pool, loadSettings());
    history.beforeMerge = await historyOf();
    merge = await mergeCitizens(run.pool, context, survivor, merged, 'steward:test', 'same person, ID mistyped at the second registration');
    state.afterMerge = await snapshotOf();
    await undoMerge(run.pool, context, merge.mergeId, 'steward:test', 'merged by mistake');
    state.afterUndo = await snapshotOf();
    history.afterUndo = await historyOf();
    await run.waitUntilRelayed(30_000);
  }, 180_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('finds every planted duplicate pair, the planted twins, and no other pair', async () => {
    const { rows } = await run.pool.query<{ observation_id: string }>(`select observation_id from review_cases where reason = 'POSSIBLE_DUPLICATE' order by 1`);
    const planted = [
      ...ORIGINALS.map((c, i) => duplicateCaseId(c.citizen_id, DUPLICATES[i]!.citizen_id)),
      duplicateCaseId(HIDDEN_ORIGINAL.citizen_id, HIDDEN_DUPLICATE.citizen_id),
      twinsCaseId,
    ];
    expect(rows.map((row) => row.observation_id)).toEqual(planted.sort());
    expect(scan.casesOpened).toBe(8);
  });

  it('finds the person registered twice whom no blocking key joins, through the typo lookup of the ID, as dedupe-csv does', () => {
    expect(scan.pairsThroughTypos).toBe(1);
  });

  it("offers the registered twins under the twins' rule, named with its sentence, never as one person registered twice", async () => {
    const { rows } = await run.pool.query<{ summary: string }>(`select explanation->>'summary' as summary from review_cases where observation_id = $1`, [
      twinsCaseId,
    ]);
    const sentence = loadSettings().never_link.find((rule) => rule.name === 'twins')!.sentence;
    expect(rows[0]?.summary).toContain(`The never_link rule "twins" holds: ${sentence}`);
    expect(rows[0]?.summary).not.toContain('registered twice');
    expect(scan.pairsUnderNeverLink).toBe(1);
  });

  it('explains each possible duplicate with the engine’s comparisons', async () => {
    const { rows } = await run.pool.query<{ explanation: { comparisons: { comparison: string }[] } }>(
      `select explanation from review_cases where reason = 'POSSIBLE_DUPLICATE'`,
    );
    for (const row of rows) expect(row.explanation.comparisons.map((c) => c.comparison)).toContain('personal_id');
  });

  it('opens no case twice when the scan runs again', () => {
    expect({ pairsFound: rescan.pairsFound, casesOpened: rescan.casesOpened }).toEqual({ pairsFound: 8, casesOpened: 0 });
  });

  it('moves the merged citizen’s linked records to the survivor and marks them merged into it', () => {
    expect(state.afterMerge).toMatchObject({ links: [survivor, survivor], status: 'MERGED', mergedInto: survivor });
  });

  it('keeps the survivor’s name with diacritics, the more complete of the two register values', () => {
    expect(state.afterMerge.survivorName).toBe(ORIGINALS[0]!.full_name);
  });

  it('closes the possible-duplicate case of the pair it merged', async () => {
    const { rows } = await run.pool.query<{ status: string }>('select status from review_cases where observation_id = $1', [duplicateCaseId(survivor, merged)]);
    expect(rows[0]?.status).toBe('DECIDED');
  });

  it('says who decided the possible-duplicate case by merging, and when, as for any decided case', async () => {
    const { rows } = await run.pool.query<{ decided_by: string | null; decided: boolean }>(
      'select decided_by, decided_at is not null as decided from review_cases where observation_id = $1',
      [duplicateCaseId(survivor, merged)],
    );
    expect(rows[0]).toEqual({ decided_by: 'steward:test', decided: true });
  });

  it('gives back to the merged citizen what the merge moved when it is undone', () => {
    expect(state.afterUndo).toMatchObject({ links: [merged, merged], status: 'ALIVE', mergedInto: null, survivorName: ORIGINALS[0]!.full_name });
  });

  it('leaves both citizens’ field history as it was before the merge, row for row, register claims included, when it is undone', () => {
    expect(history.afterUndo).toEqual(history.beforeMerge);
  });

  it('publishes the merge and its undoing for both citizens, each naming the other', async () => {
    const schema = loadRecordSchema('populationUpdate');
    const events = (await updates())
      .map((m) => schema.type.fromBuffer(m.value!.subarray(5)) as PopulationUpdate)
      .filter((u) => u.update_type === 'CITIZENS_MERGED' || u.update_type === 'MERGE_UNDONE');
    expect(events.map((u) => `${u.update_type} ${u.citizen_id} ${u.related_citizen_id}`).sort()).toEqual(
      [
        `CITIZENS_MERGED ${merged} ${survivor}`,
        `CITIZENS_MERGED ${survivor} ${merged}`,
        `MERGE_UNDONE ${merged} ${survivor}`,
        `MERGE_UNDONE ${survivor} ${merged}`,
      ].sort(),
    );
  });

  it('writes the merge and its undoing to the audit log with who decided and why', async () => {
    const { rows } = await run.pool.query<{ actor: string; action: string; comment: string }>(
      `select actor, action, details->>'comment' as comment from audit_log where action in ('CITIZENS_MERGED', 'MERGE_UNDONE') and citizen_id = $1 order by id`,
      [survivor],
    );
    expect(rows).toEqual([
      { actor: 'steward:test', action: 'CITIZENS_MERGED', comment: 'same person, ID mistyped at the second registration' },
      { actor: 'steward:test', action: 'MERGE_UNDONE', comment: 'merged by mistake' },
    ]);
  });

  it('refuses to undo a merge twice, to merge a citizen into themselves, and to merge without a comment', async () => {
    await expect(undoMerge(run.pool, context, merge.mergeId, 'steward:test', 'again')).rejects.toMatchObject({ code: 'MERGE_ALREADY_UNDONE' });
    await expect(mergeCitizens(run.pool, context, survivor, survivor, 'steward:test', 'same')).rejects.toMatchObject({ code: 'MERGE_SAME_CITIZEN' });
    await expect(mergeCitizens(run.pool, context, survivor, merged, 'steward:test', ' ')).rejects.toMatchObject({ code: 'COMMENT_REQUIRED' });
  });
});
