/**
 * link-csv's address thread (started by link-csv.ts as a RequestThread): numbers the raw addresses
 * the reading thread hands it, a batch of rows at a time, and works out each new one's features,
 * while that thread reads on.
 */

import { serveRequests } from '../worker-threads.js';
import { AddressNumbering, type NumberedAddresses } from './deferred-addresses.js';

const numbering = new AddressNumbering();

serveRequests<(string | null)[], NumberedAddresses>((raws) => {
  const numbered = numbering.number(raws);
  return { value: numbered, moved: [numbered.values.buffer] };
});
