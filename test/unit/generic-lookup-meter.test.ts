import { describe, expect, it } from 'vitest';
import { GenericLookupMeter } from '../../services/shared/linkage/generic-lookup-meter.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import type { BlockingRule } from '../../services/shared/linkage/settings.js';
import { createMetrics } from '../../services/shared/observability/metrics.js';
import { GENERIC_KEY_REGISTER as register, person } from '../helpers/generic-key-register.js';

// The register's dob_family key is generic with a cap of two.
const rules: BlockingRule[] = [
  { name: 'dob_family', equal: ['dob', 'family_group'], max_block_size: 2 },
  { name: 'dob_given', equal: ['dob', 'given_key'], max_block_size: 2 },
];
const nguyen = (id: string) => toMatchRecord(id, person('Nguyen Thi Lan', '1990-05-02'));
const tran = (id: string) => toMatchRecord(id, person('Trần Thị Hoa', '1990-05-02'));

/** A meter over the register and what it reported, call by call. */
function metered() {
  const reports: [string, number][] = [];
  const meter = new GenericLookupMeter(new InMemoryCandidateSource(rules, register), (rule, lookups) => reports.push([rule, lookups]));
  return { meter, reports };
}

describe('generic lookups counted for the linker', () => {
  it("reports a batch's skipped lookups per rule once the batch is answered", async () => {
    const { meter, reports } = metered();
    await meter.candidatesFor([nguyen('R1'), nguyen('R2'), tran('R3')]);
    expect(reports).toEqual([['dob_family', 2]]);
  });

  it('reports only what each later batch skipped, not the totals again', async () => {
    const { meter, reports } = metered();
    await meter.candidatesFor([nguyen('R1')]);
    await meter.candidatesFor([tran('R2')]);
    await meter.candidatesFor([nguyen('R3'), nguyen('R4')]);
    expect(reports).toEqual([
      ['dob_family', 1],
      ['dob_family', 2],
    ]);
  });

  it('counts each skipped lookup once when batches are answered at the same time', async () => {
    const { meter, reports } = metered();
    await Promise.all([meter.candidatesFor([nguyen('R1')]), meter.candidatesFor([nguyen('R2'), nguyen('R3')])]);
    expect(reports.reduce((sum, [, n]) => sum + n, 0)).toBe(3);
  });

  it("passes the source's candidates through unchanged", async () => {
    const { meter } = metered();
    const [found] = await meter.candidatesFor([nguyen('R1')]);
    expect(found!.map((c) => c.id).sort()).toEqual(['C1', 'C4']);
  });

  it('serves the count per rule as dancu_generic_lookups_skipped_total', async () => {
    const metrics = createMetrics();
    const meter = new GenericLookupMeter(new InMemoryCandidateSource(rules, register), (rule, n) => metrics.genericLookupsSkipped.inc({ rule }, n));
    await meter.candidatesFor([nguyen('R1'), nguyen('R2')]);
    expect(await metrics.registry.metrics()).toMatch(/^dancu_generic_lookups_skipped_total\{rule="dob_family"\} 2$/m);
  });
});
