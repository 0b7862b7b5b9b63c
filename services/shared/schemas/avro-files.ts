import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { SCHEMAS_DIR } from '../paths.js';

type AvroJson = string | AvroJson[] | { [key: string]: AvroJson };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED_KINDS = new Set(['record', 'enum', 'fixed', 'error']);
const TYPE_KEYWORDS = new Set([...NAMED_KINDS, 'array', 'map']);

/** The .avsc files of schemas/, one named type each, by full name. */
export function loadSchemaFiles(dir: string = SCHEMAS_DIR): Map<string, Record<string, AvroJson>> {
  const files = new Map<string, Record<string, AvroJson>>();
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.avsc'))
    .sort()) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, AvroJson> & { name: string; namespace?: string };
    const name = schema.name;
    const fullName = name.includes('.') ? name : `${schema.namespace ?? ''}.${name}`;
    files.set(fullName, schema);
  }
  return files;
}

/**
 * One self-contained schema for a top-level record: every type it names from another file is
 * written out in place at its first use, as the registry needs a schema without references.
 * The output is deterministic, so registering it twice gives the same id.
 */
export function inlineSchema(fullName: string, files: Map<string, Record<string, AvroJson>>): Record<string, AvroJson> {
  const defined = new Set<string>();

  const resolveName = (name: string, namespace: string): string => (name.includes('.') || !namespace ? name : `${namespace}.${name}`);

  const visit = (node: AvroJson, namespace: string): AvroJson => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return node;
      const full = resolveName(node, namespace);
      if (defined.has(full)) return full;
      const file = files.get(full);
      if (!file) throw new Error(`schema ${fullName} names unknown type ${full}`);
      return visit(file, namespace);
    }
    if (Array.isArray(node)) return node.map((branch) => visit(branch, namespace));
    const copy: Record<string, AvroJson> = { ...node };
    let innerNamespace = namespace;
    if (typeof node.name === 'string' && typeof node.type === 'string' && NAMED_KINDS.has(node.type)) {
      innerNamespace = typeof node.namespace === 'string' ? node.namespace : namespace;
      defined.add(resolveName(node.name, innerNamespace));
    }
    const typeIsKeyword = typeof node.type === 'string' && TYPE_KEYWORDS.has(node.type);
    if (node.type !== undefined && !typeIsKeyword) copy.type = visit(node.type, innerNamespace);
    if (Array.isArray(node.fields)) {
      copy.fields = node.fields.map((field) => {
        const fieldCopy = { ...(field as Record<string, AvroJson>) };
        fieldCopy.type = visit((field as Record<string, AvroJson>).type as AvroJson, innerNamespace);
        return fieldCopy;
      });
    }
    if (node.items !== undefined) copy.items = visit(node.items, innerNamespace);
    if (node.values !== undefined) copy.values = visit(node.values, innerNamespace);
    return copy;
  };

  const root = files.get(fullName);
  if (!root) throw new Error(`no schema file defines ${fullName}`);
  return visit(root, '') as Record<string, AvroJson>;
}

/** The top-level record types dancu publishes, each a topic's value schema. */
export const RECORD_TYPES = {
  civilStatusEvent: 'vn.dancu.civilstatus.CivilStatusEvent',
  vaccinationEvent: 'vn.dancu.vaccination.VaccinationEvent',
  socialWelfareEvent: 'vn.dancu.socialwelfare.SocialWelfareEvent',
  driverLicenceEvent: 'vn.dancu.driverlicence.DriverLicenceEvent',
  rejection: 'vn.dancu.Rejection',
  personObservation: 'vn.dancu.PersonObservation',
  linkDecision: 'vn.dancu.LinkDecision',
  populationUpdate: 'vn.dancu.PopulationUpdate',
  stewardDecision: 'vn.dancu.StewardDecision',
} as const;

export type RecordTypeKey = keyof typeof RECORD_TYPES;

/** The schema as text and as an avsc type (for validation and tests without a registry). */
const loaded = new Map<RecordTypeKey, { text: string; type: avro.Type }>();

export function loadRecordSchema(key: RecordTypeKey, dir?: string): { text: string; type: avro.Type } {
  const cached = dir === undefined ? loaded.get(key) : undefined;
  if (cached) return cached;
  const inlined = inlineSchema(RECORD_TYPES[key], loadSchemaFiles(dir));
  const schema = { text: JSON.stringify(inlined), type: avro.Type.forSchema(inlined as avro.Schema) };
  if (dir === undefined) loaded.set(key, schema);
  return schema;
}
