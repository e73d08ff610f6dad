/** Who is calling: the key (or open mode) behind a request, as the use cases see it. */

export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Sessions made in open mode, and every session made before projects existed, belong here. */
export const DEFAULT_PROJECT = 'default';

export interface Caller {
  /**
   * Recorded as the actor of what it does: a key's id, `LRSCHED_ADMIN_KEY` for the
   * environment's admin token, `cli` for the operator's command line; null in open mode.
   */
  readonly actor: string | null;
  /** The project it creates sessions in and looks idempotency keys up in. */
  readonly project: string;
  readonly role: Role;
}

/** Open mode (no key exists, no admin token, loopback only): anyone may do anything, as before keys existed. */
export const OPEN_MODE_CALLER: Caller = { actor: null, project: DEFAULT_PROJECT, role: 'admin' };

/** The project whose sessions the caller sees; null for an admin, who sees every project's. */
export function visibleProject(caller: Caller): string | null {
  return caller.role === 'admin' ? null : caller.project;
}

/** Whether a caller with `role` may do what needs `needed`: read < write < admin. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
