import type { StoredProject } from '../store/access-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { Caller } from './caller.js';

/**
 * Creates a project, or finds it if it exists (creating twice is harmless, also when two
 * replicas create it at once: one inserts, the other finds it). The audit log records the
 * creation in the same transaction.
 */
export function createProject(
  store: SessionStore,
  caller: Caller,
  name: string,
  now: string,
): Promise<{ project: StoredProject; created: boolean }> {
  return store.transaction(async (tx) => {
    const existing = await tx.project(name);
    if (existing) return { project: existing, created: false };
    const project = { name, created_at: now };
    if (!(await tx.insertProject(project))) {
      const made = await tx.project(name);
      if (!made) throw new Error(`project '${name}' was neither inserted nor found`);
      return { project: made, created: false };
    }
    await tx.recordAudit({ at: now, actor: caller.actor, action: 'project.create', project: name, subject: name, detail: {} });
    return { project, created: true };
  });
}

export function listProjects(store: SessionStore): Promise<StoredProject[]> {
  return store.snapshot((reads) => reads.projects());
}
