import { ProblemError } from './problem.js';

/**
 * Opaque paging cursors: a position within one listing (the sessions, or one session's
 * history), base64url-encoded so clients don't build them. A cursor names its listing,
 * so one handed out for another listing is refused rather than silently misread.
 */

export function encodeCursor(listing: string, position: number): string {
  return Buffer.from(`${listing}@${position}`).toString('base64url');
}

export function decodeCursor(listing: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const at = decoded.lastIndexOf('@');
  const position = decoded.slice(at + 1);
  if (at < 0 || decoded.slice(0, at) !== listing || !/^\d{1,15}$/.test(position)) {
    throw new ProblemError(400, 'cursor is not one this listing handed out', {
      errors: [{ path: 'cursor', message: 'invalid cursor' }],
    });
  }
  return Number(position);
}
