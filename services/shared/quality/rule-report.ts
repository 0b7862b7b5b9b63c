import type { Issue } from '../errors.js';
import type { Finding } from '../schemas/records.js';
import { RULES, type RuleCode } from './rules.js';

/**
 * Collects what the rules say about one event: each flag lands among the hard issues or the soft
 * findings by its severity in the catalogue, so no check decides severity on its own.
 */
export class RuleReport {
  readonly issues: Issue[] = [];
  readonly findings: Finding[] = [];

  flag(code: RuleCode, path: string, message: string = RULES[code].description): void {
    if (RULES[code].severity === 'REJECT') this.issues.push({ code, path, message });
    else this.findings.push({ code, field: path, message });
  }

  get rejected(): boolean {
    return this.issues.length > 0;
  }
}
