import { DEFAULT_PROJECT, type Caller } from './caller.js';
import type { KnownKeys } from './known-keys.js';
import { sameSecret, tokenDigest } from './tokens.js';

/** The actor recorded for what the environment's admin token does; no generated key id looks like it. */
export const ADMIN_TOKEN_ACTOR = 'LRSCHED_ADMIN_KEY';

export type Authentication =
  | { readonly caller: Caller }
  | { readonly refused: 'unknown' | 'revoked' };

/**
 * The caller a bearer token stands for. The admin token is compared in constant time, on
 * every request, and is never cached; keys are found by their token's digest among the
 * known keys, which read the database again whenever it may have changed, so that a
 * revocation holds from the next request on, whichever process (replica) serves it.
 */
export async function authenticate(keys: KnownKeys, adminToken: string | undefined, token: string): Promise<Authentication> {
  if (adminToken !== undefined && sameSecret(token, adminToken)) {
    return { caller: { actor: ADMIN_TOKEN_ACTOR, project: DEFAULT_PROJECT, role: 'admin' } };
  }
  const key = await keys.withDigest(tokenDigest(token));
  if (!key) return { refused: 'unknown' };
  if (key.revoked_at !== null) return { refused: 'revoked' };
  return { caller: { actor: key.id, project: key.project, role: key.role } };
}

/** Open mode is only possible while no key was ever made and no admin token is configured. */
export async function canAuthenticate(keys: KnownKeys, adminToken: string | undefined): Promise<boolean> {
  return adminToken !== undefined || (await keys.anyExists());
}
