import type { AccessStore } from '../store/access-store.js';
import { authenticate, canAuthenticate } from './authenticate.js';
import type { Caller } from './caller.js';
import { createKey, listKeys, revokeKey, type KeyRequest } from './keys.js';
import { createProject, listProjects } from './projects.js';

/**
 * What the HTTP layer and the command line may do with projects and keys, bound to one
 * store (each call one use case): they get this object and never the store.
 */
export function accessUseCases(access: AccessStore, adminToken: string | undefined, clock = () => new Date().toISOString()) {
  return {
    createProject: (caller: Caller, name: string) => createProject(access, caller, name, clock()),
    listProjects: () => listProjects(access),
    createKey: (caller: Caller, request: KeyRequest) => createKey(access, caller, request, clock()),
    listKeys: () => listKeys(access),
    revokeKey: (caller: Caller, id: string) => revokeKey(access, caller, id, clock()),
    /** The caller a bearer token stands for, or why it is refused. */
    authenticate: (token: string) => authenticate(access, adminToken, token),
    /** False while no key was ever made and no admin token is set: open mode, where allowed. */
    canAuthenticate: () => canAuthenticate(access, adminToken),
  };
}

export type AccessUseCases = ReturnType<typeof accessUseCases>;
