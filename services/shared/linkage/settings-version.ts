import { createHash } from 'node:crypto';
import type { LinkageSettings } from './settings.js';

/** Keys sorted at every depth, so two files that differ only in key order have one version. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The settings' version: a content hash of what decides (rules, levels, m and u, thresholds),
 * not of the file's bytes or its description. Every decision carries it, so an auditor can tell which settings made
 * a decision and recompute its explanation from them (the register keeps each version it met).
 */
export function settingsVersion(settings: LinkageSettings): string {
  return createHash('sha256')
    .update(canonicalJson({ ...settings, description: undefined }))
    .digest('hex')
    .slice(0, 16);
}
