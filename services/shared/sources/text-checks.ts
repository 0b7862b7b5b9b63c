import type { RuleReport } from '../quality/rule-report.js';

// C0 and C1 control characters and DEL; a record's fields are single lines.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// What a UTF-8 decoder puts where bytes were not UTF-8: no sector field holds it on purpose.
const REPLACEMENT = '\ufffd';

/**
 * Flags every text field of a decoded event that holds control characters or bytes that were not
 * UTF-8, by path, before anything else reads the event, so a publisher learns all of them at once.
 */
export function checkTexts(value: unknown, report: RuleReport, path = ''): void {
  if (typeof value === 'string') {
    if (value.includes(REPLACEMENT)) report.flag('TEXT_INVALID_UTF8', path || '(record)');
    if (CONTROL.test(value)) report.flag('TEXT_CONTROL_CHARACTERS', path || '(record)');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkTexts(item, report, `${path}[${index}]`));
    return;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) checkTexts(item, report, path ? `${path}.${key}` : key);
  }
}
