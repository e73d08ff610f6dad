import { ProblemError } from './problem.js';

/** Opaque paging cursors: a position, base64url-encoded so clients don't build them. */

export function encodeCursor(position: number): string {
  return Buffer.from(`p${position}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^p(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new ProblemError(400, 'cursor is not one this service handed out', {
      errors: [{ path: 'cursor', message: 'invalid cursor' }],
    });
  }
  return Number(match[1]);
}
