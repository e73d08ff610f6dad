/** What the audit log (table audit_log, written by both stores) records: who rewound or deleted which session, and who made or revoked keys and projects. */

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
