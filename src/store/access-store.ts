import type { Role } from '../access/caller.js';

/**
 * Projects and API keys, as both stores keep them beside the sessions (so that a change
 * and its audit row commit together; see session-store.ts). Tokens are never here: only
 * their digests, and no read returns those.
 */

export interface StoredProject {
  readonly name: string;
  readonly created_at: string;
}

export interface StoredKey {
  readonly id: string;
  readonly project: string;
  readonly role: Role;
  readonly name: string | null;
  readonly created_at: string;
  readonly revoked_at: string | null;
}

export interface NewKey {
  readonly id: string;
  readonly token_sha256: string;
  readonly project: string;
  readonly role: Role;
  readonly name: string | null;
  readonly created_at: string;
}

/** A key's columns in both stores' queries: every one but its token's digest, which no read returns. */
export const KEY_COLUMNS = 'id, project, role, name, created_at, revoked_at';

/** Reads of projects and keys, seeing the same state as the session reads beside them. */
export interface AccessReads {
  project(name: string): Promise<StoredProject | undefined>;
  projects(): Promise<StoredProject[]>;
  keyById(id: string): Promise<StoredKey | undefined>;
  /** The key whose token has this digest (revoked or not): a lookup in the digest's unique index. */
  keyByDigest(digest: string): Promise<StoredKey | undefined>;
  keys(): Promise<StoredKey[]>;
  /** Whether any key was ever made; revoked ones count, so revoking every key never reopens the service. */
  anyKeyExists(): Promise<boolean>;
}

/** Changes of projects and keys inside one transaction. */
export interface AccessWrites extends AccessReads {
  /** Inserts the project; false, inserting nothing, when it exists (made meanwhile by another transaction). */
  insertProject(project: StoredProject): Promise<boolean>;
  insertKey(key: NewKey): Promise<void>;
  /** Marks the key revoked; false if it already was. */
  revoke(id: string, at: string): Promise<boolean>;
}
