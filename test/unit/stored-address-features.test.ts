import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MatchRecordReader, normalisedFieldFeatures, personToMatchRecord } from '../../services/shared/linkage/match-record.js';
import {
  ADDRESS_FEATURES_VERSION,
  addressFeaturesToStore,
  PROBE_ADDRESSES,
  storedAddressFeatures,
} from '../../services/shared/linkage/stored-address-features.js';
import { citizenMatchRecord } from '../../services/shared/linkage-io/postgres-candidates.js';
import { cleanText } from '../../services/shared/normalise/text.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';
import { nationalRegister } from '../../services/shared/synth/national-register.js';

const featuresOf = normalisedFieldFeatures.address;

/** Addresses as registers and sources write them: the national profile's, and a hard set's records with their typos and old province names. */
function writtenAddresses(): string[] {
  const addresses = new Set<string>();
  for (const item of nationalRegister({ population: 3000, records: 1000, absentShare: 0.1, seed: 5 })) {
    const address = item.kind === 'citizen' ? item.citizen.address : item.record.address;
    if (address) addresses.add(cleanText(address));
  }
  const hard = generateLinkageSet({ population: 1000, records: 1000, absentShare: 0.1, seed: 9, profile: 'hard' });
  for (const record of hard.records) if (record.address) addresses.add(cleanText(record.address));
  for (const probe of PROBE_ADDRESSES) if (probe) addresses.add(probe);
  return [...addresses];
}

/** The features' digest over writtenAddresses() and the version they were stored under, pinned together. */
const PINNED = { digest: '6173f1508fd6c3c9', version: 'c70af4c1' };

const CITIZEN = {
  citizen_id: '040190000017',
  personal_id: '040190000017',
  name_key: 'nguyen thi lan',
  date_of_birth: '1990-07-11',
  dob_precision: 'DAY' as const,
  sex: 'FEMALE' as const,
  address: 'xóm Đông, xã Nghi Phong, Nghi Lộc, Nghệ An',
};

describe("a citizen's address features as the register stores them", () => {
  it('read back as the features the address gives, for every address of a national and a hard set', () => {
    const addresses = writtenAddresses();
    expect(addresses.length).toBeGreaterThan(2000);
    for (const address of addresses) expect(storedAddressFeatures(addressFeaturesToStore(featuresOf(address))), address).toEqual(featuresOf(address));
  });

  it('are read as missing when not in the format of this version', () => {
    const stored = addressFeaturesToStore(featuresOf(CITIZEN.address))!;
    const [version, , ...rest] = stored.split('\u001f');
    expect([
      storedAddressFeatures([version, '2', ...rest].join('\u001f')),
      storedAddressFeatures([version, '1', ...rest.slice(1)].join('\u001f')),
      storedAddressFeatures(`${stored}\u001fextra`),
    ]).toEqual([null, null, null]);
  });

  it('are not stored when a part would hold the separator, so they are worked out when read', () => {
    const features = featuresOf(CITIZEN.address);
    const tainted = { ...features, features: { ...features.features, area_commune: 'xa nghi\u001fphong, Nghệ An' } };
    expect(addressFeaturesToStore(tainted)).toBeNull();
  });

  it('change their version whenever they change for the addresses of a national and a hard set', () => {
    // Pinned together: when how addresses are read changes for any of these, the digest changes and so must the version
    // (add a probe address that the change alters, then pin both again). Features stored before would otherwise be read as current.
    const digest = createHash('sha256')
      .update(
        JSON.stringify(
          writtenAddresses().map((address) => [address, featuresOf(address).given, featuresOf(address).features, [...featuresOf(address).tokens]]),
        ),
      )
      .digest('hex')
      .slice(0, 16);
    expect({ digest, version: ADDRESS_FEATURES_VERSION }).toEqual(PINNED);
  });

  it('are read as missing when nothing was stored', () => {
    expect([storedAddressFeatures(null), storedAddressFeatures(undefined), storedAddressFeatures('')]).toEqual([null, null, null]);
  });

  it('are read as missing when stored under another version of how addresses are read', () => {
    const stored = addressFeaturesToStore(featuresOf(CITIZEN.address))!;
    const older =
      `0${ADDRESS_FEATURES_VERSION.slice(1)}` === ADDRESS_FEATURES_VERSION ? `1${ADDRESS_FEATURES_VERSION.slice(1)}` : `0${ADDRESS_FEATURES_VERSION.slice(1)}`;
    expect(storedAddressFeatures(older + stored.slice(ADDRESS_FEATURES_VERSION.length))).toBeNull();
  });

  it('take a version from probe addresses that give a household, numbers, a province and a commune, and one that gives none', () => {
    const probes = PROBE_ADDRESSES.map((address) => featuresOf(address));
    expect({
      household: probes.some((f) => f.features.address_key !== null),
      numbers: probes.some((f) => f.features.address_numbers !== null),
      province: probes.some((f) => f.features.area_province !== null),
      commune: probes.some((f) => f.features.area_commune !== null),
      implausible: probes.some((f) => f.features.area_province === null && f.features.address_key === null),
    }).toEqual({ household: true, numbers: true, province: true, commune: true, implausible: true });
  });

  it('give a candidate the same match record as its address worked out', () => {
    const stored = { ...CITIZEN, address_features: addressFeaturesToStore(featuresOf(CITIZEN.address)) };
    expect(citizenMatchRecord(stored)).toEqual(citizenMatchRecord({ ...CITIZEN, address_features: null }));
  });

  it('give the match record of its address worked out, for every address of a national and a hard set', () => {
    const person = { ...CITIZEN, date_of_birth: { value: CITIZEN.date_of_birth, precision: CITIZEN.dob_precision } };
    for (const address of writtenAddresses()) {
      const moved = { ...person, address };
      expect(personToMatchRecord('C-1', moved, featuresOf(address)), address).toEqual(personToMatchRecord('C-1', moved));
    }
  });

  it('are what a reader gives a candidate, not its address worked out again', () => {
    const elsewhere = featuresOf('Số 12 đường Lê Lợi, phường Bến Nghé, Quận 1, TP. Hồ Chí Minh');
    const person = { ...CITIZEN, date_of_birth: { value: CITIZEN.date_of_birth, precision: CITIZEN.dob_precision } };
    const record = new MatchRecordReader().readPerson(CITIZEN.citizen_id, person, elsewhere);
    expect(record.features.area_province).toBe(elsewhere.features.area_province);
    expect(record.features.area_province).not.toBe(personToMatchRecord(CITIZEN.citizen_id, person).features.area_province);
  });
});
