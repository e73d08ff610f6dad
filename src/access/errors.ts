/**
 * Why an access use case refuses. Plain errors: the HTTP layer (plugins/problems.ts)
 * decides what each becomes on the wire, the command line prints them.
 */

/** A key was asked for in a project that does not exist. */
export class UnknownProject extends Error {
  constructor(readonly project: string) {
    super(`no project '${project}': create it first (POST /v1/projects, or \`npm run keys -- projects create ${project}\`)`);
    this.name = 'UnknownProject';
  }
}

export class KeyNotFound extends Error {
  constructor(readonly id: string) {
    super(`no key with id '${id}'`);
    this.name = 'KeyNotFound';
  }
}
