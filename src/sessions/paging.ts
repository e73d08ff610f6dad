import { MAX_PAGE_BYTES } from '../limits.js';
import { InvalidInput } from './errors.js';

/**
 * Paging through a listing (the sessions, or one session's history) with opaque cursors:
 * a position within the listing, base64url-encoded so clients don't build them. A cursor
 * names its listing, so one handed out for another listing is refused rather than misread.
 */

export interface PageRequest {
  readonly limit: number;
  /** The previous page's next_cursor. */
  readonly cursor?: string | undefined;
}

export interface Page<Item> {
  readonly items: Item[];
  readonly next_cursor: string | null;
}

export interface Listing<Row, Item> {
  /** Names the listing inside its cursors. */
  readonly name: string;
  /** Rows in listing order, after `position` (from the start without one), at most `limit` of them, read lazily. */
  rowsAfter(position: number | undefined, limit: number): AsyncIterable<Row>;
  positionOf(row: Row): number;
  view(row: Row): Item;
}

function encodeCursor(listing: string, position: number): string {
  return Buffer.from(`${listing}@${position}`).toString('base64url');
}

function decodeCursor(listing: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const at = decoded.lastIndexOf('@');
  const position = decoded.slice(at + 1);
  if (at < 0 || decoded.slice(0, at) !== listing || !/^\d{1,15}$/.test(position)) {
    throw new InvalidInput(['cursor'], 'not a cursor this listing handed out');
  }
  return Number(position);
}

/**
 * One page: at most `limit` items, and no more than MAX_PAGE_BYTES of them as JSON (but
 * always at least one, so paging moves on). Rows are read one at a time, so a page of large
 * rows stops early instead of holding them all.
 * Throws InvalidInput for a cursor this listing did not hand out.
 */
export async function readPage<Row, Item>(listing: Listing<Row, Item>, request: PageRequest): Promise<Page<Item>> {
  const after = decodeCursor(listing.name, request.cursor);
  const items: Item[] = [];
  let bytes = 0;
  let lastPosition: number | undefined;
  // One row more than the page holds tells whether a next page exists.
  for await (const row of listing.rowsAfter(after, request.limit + 1)) {
    if (items.length === request.limit) return { items, next_cursor: encodeCursor(listing.name, lastPosition!) };
    const item = listing.view(row);
    // + 1 for the comma between items.
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (items.length > 0 && bytes > MAX_PAGE_BYTES) {
      return { items, next_cursor: encodeCursor(listing.name, lastPosition!) };
    }
    items.push(item);
    lastPosition = listing.positionOf(row);
  }
  return { items, next_cursor: null };
}
