import { describe, expect, it } from 'vitest';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { foldToAscii } from '../../services/shared/normalise/text.js';
import type { VaccinationEvent } from '../../services/shared/schemas/records.js';
import { DEFAULT_DAY_PLAN, generateSectorDay } from '../../services/shared/synth/sector-day.js';

describe("the parents' IDs a synthetic day writes on newborns' vaccination records", () => {
  const population = generatePopulation(20_000, 50);
  const day = generateSectorDay(population, { ...DEFAULT_DAY_PLAN, births: 1_000, vaccinations: 4_000 }, 50, new Date('2026-12-06T08:00:00Z'));
  const vaccinations = day.events.vaccination as VaccinationEvent[];
  const idOf = new Map(vaccinations.map((event) => [event.source_record_id, event.person.personal_id]));
  const guardianIds = day.truth.withGuardianId.map((recordId) => idOf.get(recordId));

  it('writes one on every other newborn record that has a registered adult of its family', () => {
    expect(guardianIds.length).toBeGreaterThan(300);
  });

  it("never writes the ID of an adult who bears the newborn's given name, as Vietnamese families do not give a child a parent's", () => {
    const givenOf = (name: string) => foldToAscii(name).toLowerCase().split(' ').at(-1);
    const adults = new Map(population.map((citizen) => [citizen.personal_id, citizen]));
    const named = vaccinations.filter((event) => day.truth.withGuardianId.includes(event.source_record_id));
    const sharing = named.filter((event) => givenOf(adults.get(event.person.personal_id ?? '')?.full_name ?? '') === givenOf(event.person.full_name ?? ''));
    expect([named.length > 0, sharing.length]).toEqual([true, 0]);
  });

  it('puts no parent on more than a few newborns’ records', () => {
    const records = new Map<string | null | undefined, number>();
    for (const id of guardianIds) records.set(id, (records.get(id) ?? 0) + 1);
    expect(Math.max(...records.values())).toBeLessThanOrEqual(5);
  });
});
