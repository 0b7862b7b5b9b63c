import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import type { LinkageSettings } from './settings.js';

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
