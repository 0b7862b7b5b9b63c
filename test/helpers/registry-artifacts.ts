import { nativeRegistryUrl } from '../../services/cli/connect/connector-config.js';
import type { Artifact } from '../../services/cli/connect/connector-schemas.js';

/** An artifact's path in the registry's own API (Apicurio v2), where a Debezium Avro converter registers its schemas. */
function artifactUrl(registryUrl: string, artifact: Artifact): string {
  return `${nativeRegistryUrl(registryUrl)}/groups/${encodeURIComponent(artifact.groupId)}/artifacts/${encodeURIComponent(artifact.artifactId)}`;
}

/** The artifact's latest schema. */
export async function registryLatest(registryUrl: string, artifact: Artifact): Promise<object> {
  const response = await fetch(artifactUrl(registryUrl, artifact));
  if (!response.ok) throw new Error(`no schema ${artifact.groupId}/${artifact.artifactId} (${response.status})`);
  return (await response.json()) as object;
}

/** Whether the registry's rules would accept the schema as the artifact's next version; nothing is registered. */
export async function registryAccepts(registryUrl: string, artifact: Artifact, schema: object): Promise<boolean> {
  const response = await fetch(`${artifactUrl(registryUrl, artifact)}/test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-registry-artifacttype': 'AVRO' },
    body: JSON.stringify(schema),
  });
  if (response.status === 409) return false;
  if (!response.ok) throw new Error(`the registry refused the test (${response.status}): ${await response.text()}`);
  return true;
}

/** Deletes a group and its artifacts (a test connector's schemas); a missing group is no error. */
export async function deleteRegistryGroup(registryUrl: string, groupId: string): Promise<void> {
  const response = await fetch(`${nativeRegistryUrl(registryUrl)}/groups/${encodeURIComponent(groupId)}`, { method: 'DELETE' });
  if (!response.ok && response.status !== 404) throw new Error(`the registry refused to delete group ${groupId} (${response.status})`);
}

/**
 * Deletes a subject of the Confluent-compatible API (a test topic's schema) with all its versions:
 * as in Confluent's API, a subject is deleted softly first, and only then for good. A subject never
 * registered is no error.
 */
export async function deleteSubject(registryUrl: string, subject: string): Promise<void> {
  const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
  const soft = await fetch(url, { method: 'DELETE' });
  if (soft.status === 404) return;
  const permanent = soft.ok ? await fetch(`${url}?permanent=true`, { method: 'DELETE' }) : soft;
  if (!permanent.ok) throw new Error(`the registry refused to delete subject ${subject} (${permanent.status})`);
}
