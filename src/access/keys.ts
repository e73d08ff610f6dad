import type { AccessStore, StoredKey } from '../store/access-store.js';
import type { Caller, Role } from './caller.js';
import { KeyNotFound, UnknownProject } from './errors.js';
import { newKeyId, newToken, tokenDigest } from './tokens.js';

export interface KeyRequest {
  readonly project: string;
  readonly role: Role;
  readonly name?: string | undefined;
}

/** Makes a key for an existing project (else UnknownProject). The token is in the answer and nowhere else, ever. */
export function createKey(
  access: AccessStore,
  caller: Caller,
  request: KeyRequest,
  now: string,
): { key: StoredKey; token: string } {
  const token = newToken();
  return access.transaction(() => {
    if (!access.project(request.project)) throw new UnknownProject(request.project);
    const id = newKeyId();
    const key = { id, project: request.project, role: request.role, name: request.name ?? null, created_at: now };
    access.insertKey({ ...key, token_sha256: tokenDigest(token) });
    access.audit.record({
      at: now,
      actor: caller.actor,
      action: 'key.create',
      project: key.project,
      subject: id,
      detail: { role: key.role, name: key.name },
    });
    return { key: { ...key, revoked_at: null }, token };
  });
}

export function listKeys(access: AccessStore): StoredKey[] {
  return access.keys();
}

/**
 * Revokes a key (KeyNotFound if there is none). Every request looks its key up in the database, so the next request
 * with this token is refused, on every process serving this database. Revoking a
 * revoked key changes nothing.
 */
export function revokeKey(access: AccessStore, caller: Caller, id: string, now: string): StoredKey {
  return access.transaction(() => {
    const key = access.keyById(id);
    if (!key) throw new KeyNotFound(id);
    if (!access.revoke(id, now)) return key;
    access.audit.record({ at: now, actor: caller.actor, action: 'key.revoke', project: key.project, subject: id, detail: {} });
    return { ...key, revoked_at: now };
  });
}
