import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type AclEntry, type Admin } from 'kafkajs';
import { kafkaAcls, READER_GROUP_PREFIX, type AclTarget, type KafkaAcl } from './kafka-acls.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATION = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
  delete: AclOperationTypes.DELETE,
} as const;

/** A map rule as the broker stores it: ALLOW, from any host, for `User:<principal>`. */
export function aclEntry(acl: KafkaAcl): AclEntry {
  return {
    principal: `User:${acl.principal}`,
    host: '*',
    operation: OPERATION[acl.operation],
    permissionType: AclPermissionTypes.ALLOW,
    resourceType: RESOURCE[acl.resourceType],
    resourceName: acl.name,
    resourcePatternType: PATTERN[acl.pattern],
  };
}

function resourceKey(entry: Pick<AclEntry, 'resourceType' | 'resourcePatternType' | 'resourceName'>): string {
  return `${entry.resourceType}\u0000${entry.resourcePatternType}\u0000${entry.resourceName}`;
}

function entryKey(entry: AclEntry): string {
  return [resourceKey(entry), entry.principal, entry.host, entry.operation, entry.permissionType].join('\u0000');
}

/**
 * The resources whose ACLs the map owns: every topic of the deployment, its pipeline groups, and
 * every group pattern the map names. Any rule on them that the map does not hold (a grant by
 * hand, a privilege taken out of the map, a DENY) is removed; rules on other resources (another
 * namespace's topics, a team's own) are left alone.
 */
function ownedResources(target: AclTarget, desired: AclEntry[]): Set<string> {
  const topics = Object.values(target.topics).map((name) => aclEntry({ principal: '', resourceType: 'topic', pattern: 'literal', name, operation: 'read' }));
  const groups = Object.values(target.groups).map((name) => aclEntry({ principal: '', resourceType: 'group', pattern: 'literal', name, operation: 'read' }));
  return new Set([...topics, ...groups, ...desired].map(resourceKey));
}

/** What to create and delete so the owned resources' ACLs become exactly `desired`. */
export function aclChanges(existing: AclEntry[], desired: AclEntry[], owned: Set<string>): { create: AclEntry[]; remove: AclEntry[]; kept: number } {
  const wanted = new Set(desired.map(entryKey));
  const present = new Set(existing.map(entryKey));
  const create = desired.filter((entry) => !present.has(entryKey(entry)));
  const remove = existing.filter((entry) => owned.has(resourceKey(entry)) && !wanted.has(entryKey(entry)));
  return { create, remove, kept: desired.length - create.length };
}

/** Every ACL the cluster keeps; a broker without an authorizer refuses this (SECURITY_DISABLED). */
export async function existingAcls(admin: Admin): Promise<AclEntry[]> {
  const response = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return response.resources.flatMap(({ acls, ...resource }) => acls.map((acl) => ({ ...resource, ...acl })));
}

/**
 * Makes the cluster's ACLs on the deployment's topics and groups what kafka-acls.ts says (as a
 * super user: the administrator). Idempotent; a second run changes nothing.
 */
export async function applyAcls(admin: Admin, target: AclTarget): Promise<{ created: number; removed: number; kept: number }> {
  const desired = kafkaAcls(target).map(aclEntry);
  const { create, remove, kept } = aclChanges(await existingAcls(admin), desired, ownedResources(target, desired));
  // Exact filters: each removes the one rule it names.
  if (remove.length > 0) await admin.deleteAcls({ filters: remove });
  if (create.length > 0) await admin.createAcls({ acl: create });
  await untilInEffect(admin, desired, remove);
  return { created: create.length, removed: remove.length, kept };
}

/**
 * The broker acknowledges new rules before its authorizer holds them (they travel through the
 * metadata log): waits until it shows every wanted rule and none of the removed, so the services
 * started next are judged by them.
 */
async function untilInEffect(admin: Admin, desired: AclEntry[], removed: AclEntry[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = new Set((await existingAcls(admin)).map(entryKey));
    if (desired.every((entry) => present.has(entryKey(entry))) && removed.every((entry) => !present.has(entryKey(entry)))) return;
    if (Date.now() > deadline) throw new Error(`the broker did not show the applied ACLs within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Removes every rule on the deployment's topics and groups (an isolated run's, when it is cleaned up). */
export async function removeAcls(admin: Admin, target: AclTarget): Promise<number> {
  const desired = kafkaAcls(target).map(aclEntry);
  const owned = ownedResources(target, desired);
  const remove = (await existingAcls(admin)).filter((entry) => owned.has(resourceKey(entry)) && !isShared(entry));
  if (remove.length > 0) await admin.deleteAcls({ filters: remove });
  return remove.length;
}

/** The readers' group prefix serves every namespace: an isolated run leaves its rules for the others. */
function isShared(entry: AclEntry): boolean {
  return (
    entry.resourceType === AclResourceTypes.GROUP && entry.resourcePatternType === ResourcePatternTypes.PREFIXED && entry.resourceName === READER_GROUP_PREFIX
  );
}
