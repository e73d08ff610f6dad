import type { StoredKey } from '../store/access-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { Caller, Role } from './caller.js';
import { KeyNotFound, UnknownProject } from './errors.js';
import { newKeyId, newToken, tokenDigest } from './tokens.js';

export interface KeyRequest {
  readonly project: string;
  readonly role: Role;
  readonly name?: string | undefined;
}

/**
 * Makes a key for an existing project (else UnknownProject), recorded in the audit log in
 * the same transaction. The token is in the answer and nowhere else, ever.
 */
export function createKey(
  store: SessionStore,
  caller: Caller,
  request: KeyRequest,
  now: string,
): Promise<{ key: StoredKey; token: string }> {
  const token = newToken();
  return store.transaction(async (tx) => {
    if (!(await tx.project(request.project))) throw new UnknownProject(request.project);
    const id = newKeyId();
    const key = { id, project: request.project, role: request.role, name: request.name ?? null, created_at: now };
    await tx.insertKey({ ...key, token_sha256: tokenDigest(token) });
    await tx.recordAudit({
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

export function listKeys(store: SessionStore): Promise<StoredKey[]> {
  return store.snapshot((reads) => reads.keys());
}

/**
 * Revokes a key (KeyNotFound if there is none). The next request with this token is
 * refused, on every process serving this database: a process keeps what it read of keys
 * only while the store says nothing changed (known-keys.ts). Revoking a revoked key changes
 * nothing.
 */
export function revokeKey(store: SessionStore, caller: Caller, id: string, now: string): Promise<StoredKey> {
  return store.transaction(async (tx) => {
    const key = await tx.keyById(id);
    if (!key) throw new KeyNotFound(id);
    if (!(await tx.revoke(id, now))) return key;
    await tx.recordAudit({ at: now, actor: caller.actor, action: 'key.revoke', project: key.project, subject: id, detail: {} });
    return { ...key, revoked_at: now };
  });
}
