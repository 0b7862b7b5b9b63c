import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { explanationFromEvidence } from '../../services/shared/linkage/evidence.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { LinkDecision } from '../../services/shared/schemas/records.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import avro from 'avsc';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { birthRegistration, personOf } from '../fixtures/sector-events.js';

const settings = loadSettings();
const background = generatePopulation(1500, 41).map((c) => toMatchRecord(c.citizen_id, c));
const lan: RawPerson = { personal_id: '001190004321', full_name: 'Đỗ Thị Lan', date_of_birth: '1990-05-02', sex: 'F', address: 'Số 3 Hàng Bông, Hà Nội' };

function decide(register: RawPerson[], record: RawPerson) {
  const { engine, source } = inMemoryLinkage(settings, [...background, ...register.map((p, i) => toMatchRecord(`C${i}`, p))]);
  const match = toMatchRecord('R1', record);
  return { engine, decision: engine.decide(match, source.candidatesOf(match)) };
}

describe('a decision carries its evidence, not its explanation', () => {
  it('gives a link no explanation in words but the levels and weights of its best candidate', () => {
    const { decision } = decide([lan], { ...lan, full_name: 'DO THI LAN' });
    expect(decision.decision).toBe('LINK');
    expect(decision.explanation).toBeNull();
    expect(decision.evidence?.levels).toHaveLength(settings.comparisons.length);
  });

  it('gives a review its explanation in words', () => {
    const { decision } = decide([lan], { ...lan, full_name: 'Trần Văn Minh', date_of_birth: '1961-11-30', sex: 'M' });
    expect(decision.decision).toBe('REVIEW');
    expect(decision.explanation?.comparisons.length).toBe(settings.comparisons.length);
  });

  it('recomputes from the evidence the explanation the scorer writes for the same pair', () => {
    const { engine, decision } = decide([lan], { ...lan, address: null, personal_id: null });
    const direct = engine.scorer.explain(
      engine.scorer.score(toMatchRecord('R1', { ...lan, address: null, personal_id: null }), toMatchRecord('C0', lan)),
      null,
      's',
    );
    const recomputed = explanationFromEvidence(settings, decision.evidence!, 's');
    expect(recomputed.comparisons.map((c) => [c.comparison, c.level, c.sentence])).toEqual(direct.comparisons.map((c) => [c.comparison, c.level, c.sentence]));
    expect(recomputed.total).toBeCloseTo(direct.total, 9);
  });

  it('refuses evidence that does not fit the settings it names', () => {
    const { decision } = decide([lan], lan);
    expect(() => explanationFromEvidence(settings, { ...decision.evidence!, levels: [0] }, 's')).toThrow(/comparisons/);
  });
});

describe('the settings version', () => {
  it('is the same for the same settings written in another key order', () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(settings).reverse()))) as typeof settings;
    expect(settingsVersion(reordered)).toBe(settingsVersion(settings));
  });

  it('changes when a parameter that decides changes', () => {
    const changed = { ...settings, thresholds: { ...settings.thresholds, link_probability: 0.95 } };
    expect(settingsVersion(changed)).not.toBe(settingsVersion(settings));
  });

  it('does not change with the description', () => {
    expect(settingsVersion({ ...settings, description: 'another wording' })).toBe(settingsVersion(settings));
  });
});

describe('a link decision on the wire', () => {
  const { type, text } = loadRecordSchema('linkDecision');
  const observation = toObservation(
    SOURCE_ADAPTERS['civil-status'],
    birthRegistration(personOf(generatePopulation(1, 3)[0]!), 'r1'),
    { topic: 't', partition: 0, offset: '1' },
    // The fixture's event is dated now: checked against any other day, it would be in the future.
    new Date(),
  );

  it('is less than half the size without the explanation in words', () => {
    const { engine, decision } = decide([lan], { ...lan, full_name: 'DO THI LAN' });
    const base: LinkDecision = {
      decision_id: 'o1:decision',
      decision: 'LINK',
      citizen_id: decision.citizenId,
      score: decision.score,
      method: 'PROBABILISTIC',
      reason: decision.reason,
      candidates: decision.candidates,
      explanation: null,
      evidence: decision.evidence,
      settings_version: engine.settingsVersion,
      decided_at: 0,
      observation,
    };
    const explained = {
      ...base,
      explanation: engine.scorer.explain(engine.scorer.score(toMatchRecord('R1', lan), toMatchRecord('C0', lan)), null, 'x'.repeat(80)),
    };
    const slim = type.toBuffer(base).length - type.toBuffer({ ...base, evidence: null, settings_version: '' }).length;
    expect(slim).toBeLessThan(80);
    expect(type.toBuffer(explained).length - type.toBuffer(base).length).toBeGreaterThan(400);
  });

  it('decodes a decision written before evidence and versions, explanation included', () => {
    const schema = JSON.parse(text) as { fields: { name: string; type: unknown }[] };
    const explanationType = (schema.fields.find((f) => f.name === 'explanation')!.type as unknown[])[1];
    const before = avro.Type.forSchema({
      ...schema,
      fields: schema.fields
        .filter((f) => f.name !== 'evidence' && f.name !== 'settings_version')
        .map((f) => (f.name === 'explanation' ? { name: f.name, type: explanationType } : f)),
    } as avro.Schema);
    const { engine, decision } = decide([lan], { ...lan, full_name: 'Trần Văn Minh', date_of_birth: '1961-11-30', sex: 'M' });
    const written = before.toBuffer({ ...decision, decision_id: 'o1:decision', citizen_id: null, method: 'PROBABILISTIC', decided_at: 0, observation });
    const read = type.fromBuffer(written, type.createResolver(before)) as LinkDecision;
    expect([read.explanation?.summary, read.evidence, read.settings_version]).toEqual([decision.explanation?.summary, null, '']);
    expect(engine.settingsVersion).toHaveLength(16);
  });
});
