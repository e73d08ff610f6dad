import type { Db } from './database.js';

export type AuditAction = 'session.rewind' | 'session.delete' | 'key.create' | 'key.revoke' | 'project.create';

export interface AuditEntry {
  readonly at: string;
  /** Caller.actor: a key id, `LRSCHED_ADMIN_KEY`, `cli`, or null in open mode. */
  readonly actor: string | null;
  readonly action: AuditAction;
  readonly project: string;
  /** The session id, key id or project name acted on. */
  readonly subject: string;
  readonly detail: Record<string, unknown>;
}

/** The audit table: who rewound or deleted which session, and who made or revoked keys and projects. */
export class AuditLog {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      insert: db.prepare(`
        INSERT INTO audit_log (at, actor, action, project, subject, detail)
        VALUES (@at, @actor, @action, @project, @subject, @detail)`),
      all: db.prepare('SELECT at, actor, action, project, subject, detail FROM audit_log ORDER BY seq'),
    };
  }

  record(entry: AuditEntry): void {
    this.statements.insert.run({ ...entry, detail: JSON.stringify(entry.detail) });
  }

  /** Every entry, oldest first. */
  entries(): AuditEntry[] {
    return (this.statements.all.all() as (Omit<AuditEntry, 'detail'> & { detail: string })[]).map((row) => ({
      ...row,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    }));
  }
}
