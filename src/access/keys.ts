import { ProblemError } from '../api/problem.js';
import type { AccessStore, StoredKey } from '../store/access-store.js';
import type { Caller, Role } from './caller.js';
import { newKeyId, newToken, tokenDigest } from './tokens.js';

export interface KeyRequest {
  readonly project: string;
  readonly role: Role;
  readonly name?: string | undefined;
}

/** Makes a key for an existing project. The token is in the answer and nowhere else, ever. */
export function createKey(
  access: AccessStore,
  caller: Caller,
  request: KeyRequest,
  now: string,
): { key: StoredKey; token: string } {
  const token = newToken();
  return access.transaction(() => {
    if (!access.project(request.project)) {
      const message = `no project '${request.project}': create it first (POST /v1/projects, or \`npm run keys -- projects create ${request.project}\`)`;
      throw new ProblemError(400, `project: ${message}`, { errors: [{ path: 'project', message }] });
    }
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
 * Revokes a key. Every request looks its key up in the database, so the next request
 * with this token is refused, on every process serving this database. Revoking a
 * revoked key changes nothing.
 */
export function revokeKey(access: AccessStore, caller: Caller, id: string, now: string): StoredKey {
  return access.transaction(() => {
    const key = access.keyById(id);
    if (!key) throw new ProblemError(404, `no key with id '${id}'`);
    if (!access.revoke(id, now)) return key;
    access.audit.record({ at: now, actor: caller.actor, action: 'key.revoke', project: key.project, subject: id, detail: {} });
    return { ...key, revoked_at: now };
  });
}
