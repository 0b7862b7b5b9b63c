import { describe, expect, it } from 'vitest';
import { idPrefix } from '../../services/shared/normalise/personal-id.js';
import { findProvince, provinceOfAddress } from '../../services/shared/normalise/provinces-2025.js';
import { nationalRegister, type NationalItem } from '../../services/shared/synth/national-register.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';

const PLAN = { population: 60_000, records: 6_000, absentShare: 0.1, seed: 5 };
const items: NationalItem[] = [...nationalRegister(PLAN)];
const citizens = items.flatMap((item) => (item.kind === 'citizen' ? [item.citizen] : []));
const records = items.flatMap((item) => (item.kind === 'record' ? [item] : []));
const year = (c: SyntheticCitizen) => Number(c.date_of_birth.slice(0, 4));

describe('the national synthetic register', () => {
  it('holds exactly the number of citizens asked for', () => {
    expect(citizens).toHaveLength(PLAN.population);
  });

  it('gives every citizen a unique ID', () => {
    expect(new Set(citizens.map((c) => c.personal_id)).size).toBe(citizens.length);
  });

  it("writes each ID's century-and-sex digit and year from the citizen's sex and birth year", () => {
    const wrong = citizens.filter((c) => c.personal_id.slice(3, 6) !== idPrefix(c.personal_id.slice(0, 3), c.sex, year(c)).slice(3));
    expect(wrong).toEqual([]);
  });

  it('holds nobody born after the snapshot (the end of June 2026)', () => {
    expect(citizens.filter((c) => c.date_of_birth > '2026-06-30')).toEqual([]);
  });

  it('gives Nguyễn to about the national share of citizens', () => {
    const share = citizens.filter((c) => c.full_name.startsWith('Nguyễn ')).length / citizens.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.5);
  });

  it('has twins: same birth date, family and middle name and address, another given name, consecutive ID numbers', () => {
    const twins = citizens.slice(1).filter((c, i) => {
      const before = citizens[i]!;
      return (
        Number(c.personal_id) === Number(before.personal_id) + 1 &&
        c.date_of_birth === before.date_of_birth &&
        c.address === before.address &&
        c.full_name.split(' ').slice(0, -1).join(' ') === before.full_name.split(' ').slice(0, -1).join(' ') &&
        c.full_name !== before.full_name
      );
    });
    expect(twins.length).toBeGreaterThan(50);
  });

  it('has namesakes born the same year in the same commune', () => {
    const seen = new Set<string>();
    let namesakes = 0;
    for (const c of citizens) {
      const key = `${c.full_name}|${year(c)}|${c.address.split(', ').slice(-2).join(', ')}`;
      if (seen.has(key)) namesakes += 1;
      seen.add(key);
    }
    expect(namesakes).toBeGreaterThan(0);
  });

  it('writes about the number of records asked for, the absent share of them about people not registered', () => {
    expect(records.length).toBeGreaterThan(PLAN.records * 0.95);
    expect(records.length).toBeLessThan(PLAN.records * 1.05);
    const absent = records.filter((r) => r.citizenId === null).length / records.length;
    expect(absent).toBeGreaterThan(0.08);
    expect(absent).toBeLessThan(0.12);
  });

  it('links each record of a registered person to a citizen of the register', () => {
    const ids = new Set(citizens.map((c) => c.citizen_id));
    expect(records.filter((r) => r.citizenId !== null && !ids.has(r.citizenId))).toEqual([]);
  });

  it('names on every record an office whose province reads', () => {
    expect(records.filter((r) => !r.record.office_area || findProvince(r.record.office_area.split(', ').at(-1) ?? '') === null)).toEqual([]);
  });

  it('puts most offices in the province of the address the record gives, not all (people are served away from home)', () => {
    const placed = records.flatMap(({ record }) => {
      const home = provinceOfAddress(record.address);
      const office = findProvince(record.office_area?.split(', ').at(-1) ?? '');
      return home && home !== 'unknown' && office ? [home.current === office.current] : [];
    });
    const share = placed.filter(Boolean).length / placed.length;
    expect(placed.length).toBeGreaterThan(1000);
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.97);
  });

  it('makes the same register from the same seed', () => {
    const again = [...nationalRegister({ ...PLAN, population: 2_000, records: 200 })];
    const first = [...nationalRegister({ ...PLAN, population: 2_000, records: 200 })];
    expect(again).toEqual(first);
  });
});
