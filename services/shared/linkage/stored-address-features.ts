import { createHash } from 'node:crypto';
import { normalisedFieldFeatures, personToMatchRecord, type AddressFeatures, type MatchedFields, type MatchRecord } from './match-record.js';

/**
 * A citizen's address features as the register stores them beside the address (citizens.address_features,
 * migration 037), so that a candidate read from PostgreSQL is not worked out again. Candidates'
 * addresses are nearly all distinct (one household each), so no cache helps: working them out was
 * half of what reading a candidate cost the linker.
 *
 * The text is the version, then whether an address was given, the household key, the province and
 * the commune key, split by U+001F (cleanText turns control characters into spaces, so none of the
 * parts holds one). The address's numbers and tokens are the household key's words, as
 * addressFeatures makes them.
 *
 * The version is a fingerprint of what addressFeatures gives for PROBE_ADDRESSES: a change to
 * how an address is read that changes any of them changes the version, and features stored under
 * another version are read as missing (worked out again). A change that alters none of the probes
 * must add a probe that it alters.
 */

const SEPARATOR = '\u001f';

/** Addresses whose features make the version: each level of an address, old and new province names, numbers, and junk. */
export const PROBE_ADDRESSES: readonly (string | null)[] = [
  null,
  'Số 12 đường Lê Lợi, phường Bến Nghé, Quận 1, TP. Hồ Chí Minh',
  'Thôn 3, xã An Phú, huyện Tuy An, tỉnh Phú Yên',
  'xóm Đông, xã Nghi Phong, Nghi Lộc, Nghệ An',
  'Tổ 5, phường Quang Trung, thành phố Hà Giang, Hà Giang',
  '45/7 Nguyễn Trãi, P.3, Q.5, TP.HCM',
  'Ấp Bình Thạnh, xã Bình Hòa, Châu Thành, An Giang',
  'Khu phố 2, phường Tân Định, Quận 1, Thành phố Hồ Chí Minh',
  'Bản Nà Lừa, xã Chiềng Ngần, Sơn La',
  'thon 3 xa an phu huyen tuy an tinh phu yen',
  'Hà Nội',
  'Hải Dương',
  'Số nhà 8, ngõ 15, phố Huế, Hai Bà Trưng, Hà Nội',
  'xa Hoa Thuy, Le Thuy, Quang Binh',
  'không rõ',
  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'Ấp 4, xã Long Hưng, Châu Thành, Tiền Giang',
  'Phòng 1204 chung cư 27 Huỳnh Thúc Kháng, Đống Đa, Hà Nội',
];

function encode(version: string, features: AddressFeatures): string {
  const { address_key: key, area_province: province, area_commune: commune } = features.features;
  return [version, features.given ? '1' : '0', key ?? '', province ?? '', commune ?? ''].join(SEPARATOR);
}

/** The version features are stored under: changes when addressFeatures reads any probe address otherwise. */
export const ADDRESS_FEATURES_VERSION = createHash('sha256')
  .update(PROBE_ADDRESSES.map((address) => encode('', normalisedFieldFeatures.address(address))).join('\n'))
  .digest('hex')
  .slice(0, 8);

const PREFIX = `${ADDRESS_FEATURES_VERSION}${SEPARATOR}`;

/**
 * What the register stores of an address's features (storedAddressFeatures reads it back); null,
 * nothing stored, when a part holds the separator (an address that reached the register without
 * being cleaned): its features are worked out when read.
 */
export function addressFeaturesToStore(features: AddressFeatures): string | null {
  const { address_key: key, area_province: province, area_commune: commune } = features.features;
  if ([key, province, commune].some((part) => part?.includes(SEPARATOR))) return null;
  return encode(ADDRESS_FEATURES_VERSION, features);
}

/** Features stored under this version, or null: nothing stored, stored under another version, or not in this format (to be worked out again). */
export function storedAddressFeatures(stored: string | null | undefined): AddressFeatures | null {
  if (!stored || !stored.startsWith(PREFIX)) return null;
  const parts = stored.split(SEPARATOR);
  const [, given, key, province, commune] = parts;
  if (parts.length !== 5 || (given !== '0' && given !== '1')) return null;
  const house = key ? key.split(' ') : [];
  const numbers = house.filter(isNumber);
  return {
    given: given === '1',
    tokens: new Set(house),
    features: {
      address_key: key || null,
      address_numbers: numbers.length > 0 ? numbers.join(' ') : null,
      area_province: province || null,
      area_commune: commune || null,
    },
  };
}

function isNumber(word: string): boolean {
  for (let i = 0; i < word.length; i += 1) {
    const code = word.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return word.length > 0;
}

/**
 * A register citizen's match record (its blocking keys are made from it) and what is stored of its
 * address's features beside the address, the address worked out once for both: the store's plan
 * and `dancu reindex` write the two together.
 */
export function citizenRecordAndStoredFeatures(id: string, person: MatchedFields): { record: MatchRecord; stored: string | null } {
  const address = person.address ? normalisedFieldFeatures.address(person.address) : null;
  return { record: personToMatchRecord(id, person, address), stored: address && addressFeaturesToStore(address) };
}
