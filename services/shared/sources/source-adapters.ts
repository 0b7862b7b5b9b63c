import type { SourceName } from '../schemas/topics.js';
import { civilStatusAdapter } from './civil-status.js';
import { driverLicenceAdapter } from './driver-licence.js';
import type { SourceAdapter } from './source-adapter.js';
import { socialWelfareAdapter } from './social-welfare.js';
import { vaccinationAdapter } from './vaccination.js';

/** Every source dancu reads, by name. */
export const SOURCE_ADAPTERS: Readonly<Record<SourceName, SourceAdapter<never>>> = {
  'civil-status': civilStatusAdapter,
  vaccination: vaccinationAdapter,
  'social-welfare': socialWelfareAdapter,
  'driver-licence': driverLicenceAdapter,
};
