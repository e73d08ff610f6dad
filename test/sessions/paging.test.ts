import { describe, expect, it } from 'vitest';
import { MAX_PAGE_BYTES } from '../../src/limits.js';
import { InvalidInput } from '../../src/sessions/errors.js';
import { readPage, type Listing } from '../../src/sessions/paging.js';

interface Row {
  readonly position: number;
  readonly text: string;
}

/** A listing of rows at positions 1..count, each `size(position)` characters of JSON text; counts the rows it reads. */
function listingOf(name: string, count: number, size: (position: number) => number) {
  const read: number[] = [];
  const listing: Listing<Row, string> = {
    name,
    async *rowsAfter(position = 0, limit) {
      for (let p = position + 1; p <= count && p <= position + limit; p++) {
        read.push(p);
        yield { position: p, text: 'x'.repeat(size(p)) };
      }
    },
    positionOf: (row) => row.position,
    view: (row) => row.text,
  };
  return { listing, read };
}

/** Every item of the listing, page after page, and the pages' sizes. */
async function readAll(listing: Listing<Row, string>, limit: number) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await readPage(listing, { limit, cursor });
    pages.push(page.items);
    if (page.next_cursor === null) return pages;
    cursor = page.next_cursor;
  }
}

describe('readPage', () => {
  it('pages by limit, with no cursor after the last page', async () => {
    const { listing } = listingOf('numbers', 7, () => 1);
    expect((await readAll(listing, 3)).map((page) => page.length)).toEqual([3, 3, 1]);
    expect((await readAll(listing, 7)).map((page) => page.length)).toEqual([7]);
  });

  it('stops a page before its JSON would pass MAX_PAGE_BYTES, reading one row beyond it at most', async () => {
    const size = Math.floor(MAX_PAGE_BYTES / 10);
    const { listing, read } = listingOf('big', 25, () => size);
    const first = await readPage(listing, { limit: 1000 });
    // Each item is its text quoted, plus a comma.
    expect(first.items.length).toBe(Math.floor(MAX_PAGE_BYTES / (size + 3)));
    expect(read).toHaveLength(first.items.length + 1);
    const pages = await readAll(listing, 1000);
    expect(pages.flat()).toHaveLength(25);
    for (const page of pages) expect(JSON.stringify(page).length).toBeLessThanOrEqual(MAX_PAGE_BYTES);
  });

  it('holds at least one item, however large, so paging moves on', async () => {
    const { listing } = listingOf('huge', 3, (p) => (p === 2 ? MAX_PAGE_BYTES * 2 : 10));
    expect((await readAll(listing, 10)).map((page) => page.length)).toEqual([1, 1, 1]);
  });

  it("refuses a cursor it did not hand out, or another listing's, naming cursor", async () => {
    const { listing } = listingOf('a', 5, () => 1);
    const { listing: other } = listingOf('b', 5, () => 1);
    const cursor = (await readPage(other, { limit: 2 })).next_cursor!;
    for (const bad of [cursor, 'nonsense', Buffer.from('a@-1').toString('base64url'), Buffer.from('a@1e3').toString('base64url')]) {
      const refusal = readPage(listing, { limit: 2, cursor: bad });
      await expect(refusal).rejects.toThrow(InvalidInput);
      await expect(refusal).rejects.toMatchObject({ path: ['cursor'] });
    }
  });
});
