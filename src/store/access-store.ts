import type { Role } from '../access/caller.js';
import type { AuditLog } from './audit-log.js';
import type { Db } from './database.js';

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

const KEY_COLUMNS = 'id, project, role, name, created_at, revoked_at';

/** Projects and API keys. Tokens are never here: only their digests, and no query returns those. */
export class AccessStore {
  private readonly statements;

  constructor(
    private readonly db: Db,
    /** Where key and project changes are recorded, in the same transactions. */
    readonly audit: AuditLog,
  ) {
    this.statements = {
      insertProject: db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?)'),
      project: db.prepare('SELECT name, created_at FROM projects WHERE name = ?'),
      projects: db.prepare('SELECT name, created_at FROM projects ORDER BY name'),
      insertKey: db.prepare(`
        INSERT INTO api_keys (id, token_sha256, project, role, name, created_at)
        VALUES (@id, @token_sha256, @project, @role, @name, @created_at)`),
      keyById: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`),
      keyByDigest: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE token_sha256 = ?`),
      keys: db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`),
      anyKey: db.prepare('SELECT EXISTS (SELECT 1 FROM api_keys)').pluck(),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    };
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  project(name: string): StoredProject | undefined {
    return this.statements.project.get(name) as StoredProject | undefined;
  }

  projects(): StoredProject[] {
    return this.statements.projects.all() as StoredProject[];
  }

  insertProject(project: StoredProject): void {
    this.statements.insertProject.run(project.name, project.created_at);
  }

  insertKey(key: NewKey): void {
    this.statements.insertKey.run(key);
  }

  keyById(id: string): StoredKey | undefined {
    return this.statements.keyById.get(id) as StoredKey | undefined;
  }

  /** The key whose token has this digest (revoked or not): a lookup in the digest's unique index. */
  keyByDigest(digest: string): StoredKey | undefined {
    return this.statements.keyByDigest.get(digest) as StoredKey | undefined;
  }

  keys(): StoredKey[] {
    return this.statements.keys.all() as StoredKey[];
  }

  /** Whether any key was ever made; revoked ones count, so revoking every key never reopens the service. */
  anyKeyExists(): boolean {
    return this.statements.anyKey.get() === 1;
  }

  /** Marks the key revoked; false if it already was. */
  revoke(id: string, at: string): boolean {
    return this.statements.revoke.run(at, id).changes > 0;
  }
}
