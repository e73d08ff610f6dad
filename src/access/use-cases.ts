import type { SessionStore } from '../store/session-store.js';
import { authenticate, canAuthenticate } from './authenticate.js';
import type { Caller } from './caller.js';
import { KnownKeys } from './known-keys.js';
import { createKey, listKeys, revokeKey, type KeyRequest } from './keys.js';
import { createProject, listProjects } from './projects.js';

/**
 * What the HTTP layer and the command line may do with projects and keys, bound to one
 * store (each call one use case): they get this object and never the store.
 */
export function accessUseCases(store: SessionStore, adminToken: string | undefined, clock = () => new Date().toISOString()) {
  // The admin token is fixed for the life of these use cases and never cached: only keys are.
  const keys = new KnownKeys(store);
  return {
    createProject: (caller: Caller, name: string) => createProject(store, caller, name, clock()),
    listProjects: () => listProjects(store),
    createKey: (caller: Caller, request: KeyRequest) => createKey(store, caller, request, clock()),
    listKeys: () => listKeys(store),
    revokeKey: (caller: Caller, id: string) => revokeKey(store, caller, id, clock()),
    /** The caller a bearer token stands for, or why it is refused. */
    authenticate: (token: string) => authenticate(keys, adminToken, token),
    /** False while no key was ever made and no admin token is set: open mode, where allowed. */
    canAuthenticate: () => canAuthenticate(keys, adminToken),
  };
}

export type AccessUseCases = ReturnType<typeof accessUseCases>;
