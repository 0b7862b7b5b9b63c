import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { personToMatchRecord, toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { overlap } from '../../services/shared/linkage/predicates.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { addressProblem, foldedAddressProblem, nameProblem } from '../../services/shared/normalise/plausibility.js';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { vaccinationEvent } from '../fixtures/sector-events.js';

const NOW = new Date('2026-11-20T08:00:00Z');
/** The reported record's address: 480 characters of the same few words, pasted over and over. */
const JUNK_ADDRESS = 'Thôn Đông, xã An Bình, huyện Thuận Thành, '.repeat(12).slice(0, 480);

/** Two registered namesakes: the same name, sex and date of birth; one has no address in the register. */
const namesakes: RawPerson[] = [
  { personal_id: '001090011111', full_name: 'Lê Thị Hồng Nhung', date_of_birth: '1990-04-07', sex: 'F', address: null },
  { personal_id: '001090022222', full_name: 'Lê Thị Hồng Nhung', date_of_birth: '1990-04-07', sex: 'F', address: 'Số 7 Hàng Bạc, Hà Nội' },
];

/** The vaccination as the source sent it: no ID, the namesakes' name and birth date, the 480-character address. */
const vaccination = vaccinationEvent(
  { personal_id: null, full_name: 'Lê Thị Hồng Nhung', date_of_birth: '07/04/1990', sex: 'Nữ', address: JUNK_ADDRESS },
  'TC-480',
  { event_time: NOW.getTime() - 3_600_000, vaccination: { vaccine_code: 'MR', date_administered: '2026-11-18', facility: 'Trạm y tế' } },
);

function decide(record: ReturnType<typeof toMatchRecord>) {
  const background = generatePopulation(1000, 5).map((c) => toMatchRecord(c.citizen_id, c));
  const { engine, source } = inMemoryLinkage(loadSettings(), [...background, ...namesakes.map((person, i) => toMatchRecord(`C${i}`, person))]);
  return engine.decide(record, source.candidatesOf(record));
}

describe('implausible names and addresses', () => {
  it('calls an address of 480 characters too long', () => {
    expect(JUNK_ADDRESS).toHaveLength(480);
    expect(addressProblem(JUNK_ADDRESS)).toBe('ADDRESS_TOO_LONG');
  });

  it('calls an address of the same words over and over implausible, even when short', () => {
    expect(addressProblem('Lê Lợi Lê Lợi Lê Lợi Lê Lợi')).toBe('ADDRESS_IMPLAUSIBLE');
  });

  it('calls placeholders, keyboard mash and an address without letters implausible', () => {
    expect(['không rõ', 'KXĐ', 'xxxxxxx', '.....', '0'].map(addressProblem)).toEqual(Array(5).fill('ADDRESS_IMPLAUSIBLE'));
  });

  it('calls a placeholder implausible whatever whitespace separates its words, folded text not cleaned first included', () => {
    expect(['khong ro', 'khong\tro', 'khong\u00a0ro'].map((folded) => foldedAddressProblem(folded))).toEqual(Array(3).fill('ADDRESS_IMPLAUSIBLE'));
  });

  it('takes long real addresses, repeated numbers and postcodes', () => {
    const real = [
      'Căn hộ 12A05, Tòa nhà Keangnam Landmark 72, Đường Phạm Hùng, Phường Mễ Trì, Quận Nam Từ Liêm, Thành phố Hà Nội',
      'Số 5, Phường 5, Quận 5, Thành phố Hồ Chí Minh',
      'Thôn Đông, xã An Bình, huyện Thuận Thành, Bắc Ninh 100000',
    ];
    expect(real.map(addressProblem)).toEqual([null, null, null]);
  });

  it('refuses a name with a word of digits alone, not the digits Telex or VNI typing leaves inside a word', () => {
    expect(nameProblem('Lê Thị Hồng Nhung 0912345678')).toBe('NAME_HAS_NUMBER');
    expect(nameProblem('Tru7o72ng Va8n An')).toBeNull();
  });

  it('refuses a name of more than eight words, not the longest real ones', () => {
    expect(nameProblem('Lê Thị Hồng Nhung Lê Thị Hồng Nhung Lê')).toBe('NAME_TOO_MANY_WORDS');
    expect(nameProblem('Công Tằng Tôn Nữ Thị Hoài Thương')).toBeNull();
  });

  it("keeps the 480-character address out of the record's observation, with a finding saying why", () => {
    const observation = toObservation(SOURCE_ADAPTERS.vaccination, vaccination, { topic: 'sector.vaccination.v1', partition: 0, offset: '1' }, NOW);
    expect(observation.person.address).toBeNull();
    expect(observation.findings.map((f) => [f.code, f.field])).toEqual([['ADDRESS_TOO_LONG', 'person.address']]);
  });

  it('sends the record to review between the two namesakes instead of linking it to the one without an address', () => {
    const observation = toObservation(SOURCE_ADAPTERS.vaccination, vaccination, { topic: 'sector.vaccination.v1', partition: 0, offset: '1' }, NOW);
    const decision = decide(personToMatchRecord(observation.observation_id, observation.person));
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'AMBIGUOUS']);
  });

  it('gives the 480-character address no weight in linkage when it comes without ingest (link-csv)', () => {
    const decision = decide(toMatchRecord('R1', { ...vaccination.person, date_of_birth: '1990-04-07' }));
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'AMBIGUOUS']);
    expect(decision.candidates.flatMap((c) => c.explanation?.comparisons.filter((x) => x.comparison === 'address').map((x) => x.level))).toEqual([
      'null',
      'null',
    ]);
  });
});

describe('address agreement as a share of the words', () => {
  const words = (address: string) => toMatchRecord('A', { full_name: 'An', address }).addressTokens;

  it('lets a shortened address agree fully with the longer one it comes from', () => {
    expect(overlap(words('Số 12 Lê Lợi, Hồ Chí Minh'), words('Số 12 Lê Lợi, Phường Bến Thành, Quận 1, Hồ Chí Minh'))).toBe(1);
  });

  it('counts a street name mistyped by one letter as shared when asked to (Wollongong, Wolllngong)', () => {
    expect(overlap(words('1 Wyola Place, West Wollongong 2210'), words('1 Wyola Place, West Wolllngong 2210'), true)).toBe(1);
  });

  it('does not count a mistyped word as shared unless asked to', () => {
    expect(overlap(words('1 Wyola Place, West Wollongong 2210'), words('1 Wyola Place, West Wolllngong 2210'))).toBeLessThan(1);
  });

  it('never takes another house number for a typo', () => {
    expect(overlap(words('Số 12 Lê Lợi'), words('Số 13 Lê Lợi'), true)).toBeLessThan(1);
  });

  it('never takes a short word one letter off for a typo (Minh, Linh)', () => {
    expect(overlap(words('Số 12 Lê Lợi, Minh Khai'), words('Số 12 Lê Lợi, Linh Khai'), true)).toBeLessThan(1);
  });

  it('does not let a long list of words agree mostly with a short address it happens to hold', () => {
    const list =
      'Số 12 Lê Lợi Hồ Chí Minh Hàng Bạc Hàng Đào Hàng Ngang Trần Hưng Đạo Nguyễn Huệ Đồng Khởi Pasteur Hai Bà Trưng Điện Biên Phủ Cách Mạng Tháng Tám';
    expect(addressProblem(list)).toBeNull();
    // Every word of the short address is in the list, yet they share a half at most: not the 0.8 of "mostly shared".
    expect(overlap(words('Số 12 Lê Lợi, Hồ Chí Minh'), words(list))).toBeLessThanOrEqual(0.5);
  });
});
