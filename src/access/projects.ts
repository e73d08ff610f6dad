import type { AccessStore, StoredProject } from '../store/access-store.js';
import type { Caller } from './caller.js';

/** Creates a project, or finds it if it exists (creating twice is harmless). */
export function createProject(
  access: AccessStore,
  caller: Caller,
  name: string,
  now: string,
): { project: StoredProject; created: boolean } {
  return access.transaction(() => {
    const existing = access.project(name);
    if (existing) return { project: existing, created: false };
    const project = { name, created_at: now };
    access.insertProject(project);
    access.audit.record({ at: now, actor: caller.actor, action: 'project.create', project: name, subject: name, detail: {} });
    return { project, created: true };
  });
}

export function listProjects(access: AccessStore): StoredProject[] {
  return access.projects();
}
