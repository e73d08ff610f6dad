import { MAX_CACHED_KEYS } from '../limits.js';
import type { StoredKey } from '../store/access-store.js';
import type { AccessVersion, SessionStore } from '../store/session-store.js';

/**
 * The keys as authentication needs them on every /v1 request: the key of a token's digest,
 * and whether any key exists (open mode). Read from the store as seldom as is safe, so that
 * a request with a known token costs the database nothing, and correct from the very next
 * request after any change, in any process:
 *
 * - What was read is kept only while the store's accessVersion() stays what it was before
 *   the read; any other value, or undefined (PostgreSQL replicas, which cannot know what
 *   other replicas changed), and everything kept is dropped and read again. A read that
 *   raced a change is kept under the version from before it, which the change has already
 *   made stale.
 * - That a key exists is kept for good once seen, on every store: keys are never deleted
 *   (revoking marks them; no statement deletes from api_keys), so no change ends it.
 *
 * Only digests are kept, never tokens; the admin token is not a key and never comes here.
 */
export class KnownKeys {
  /** The key of each digest read (null: no key has it), least recently used first. */
  private readonly byDigest = new Map<string, StoredKey | null>();
  /** The store's version when what byDigest and noKeys hold was read. */
  private version: AccessVersion | undefined;
  /** No key existed at `version`. */
  private noKeys = false;
  /** A key exists, for good. */
  private someKeyExists = false;

  constructor(
    private readonly store: SessionStore,
    private readonly capacity: number = MAX_CACHED_KEYS,
  ) {}

  /** The key whose token has this digest, revoked or not. */
  async withDigest(digest: string): Promise<StoredKey | undefined> {
    const version = this.currentVersion();
    const known = this.byDigest.get(digest);
    if (known !== undefined) {
      // Used again: last in line to be dropped.
      this.byDigest.delete(digest);
      this.byDigest.set(digest, known);
      return known ?? undefined;
    }
    const key = await this.store.lookup((reads) => reads.keyByDigest(digest));
    if (this.stillAt(version)) {
      if (this.byDigest.size >= this.capacity) this.byDigest.delete(this.byDigest.keys().next().value as string);
      this.byDigest.set(digest, key ?? null);
    }
    return key;
  }

  /** Whether any key was ever made (revoked ones count). */
  async anyExists(): Promise<boolean> {
    if (this.someKeyExists) return true;
    const version = this.currentVersion();
    if (this.noKeys) return false;
    const exists = await this.store.lookup((reads) => reads.anyKeyExists());
    if (exists) this.someKeyExists = true;
    else if (this.stillAt(version)) this.noKeys = true;
    return exists;
  }

  /** The store's version now; what was kept under another one is dropped. */
  private currentVersion(): AccessVersion | undefined {
    const version = this.store.accessVersion();
    if (version === undefined || version !== this.version) {
      this.byDigest.clear();
      this.noKeys = false;
      this.version = version;
    }
    return version;
  }

  /** Whether what was read after seeing `version` may be kept: nothing changed the version meanwhile. */
  private stillAt(version: AccessVersion | undefined): boolean {
    return version !== undefined && version === this.version;
  }
}
