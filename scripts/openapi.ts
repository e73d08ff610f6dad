/**
 * Writes the OpenAPI document generated from the routes to openapi/openapi.json
 * (`write`), or fails when the committed file differs from what the code generates (`check`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { renderOpenApiDocument } from '../src/plugins/openapi.js';

const FILE = new URL('../openapi/openapi.json', import.meta.url);

const mode = process.argv[2];
const app = await buildApp({ databasePath: ':memory:' });
await app.ready();
const generated = renderOpenApiDocument(app);
await app.close();

if (mode === 'write') {
  writeFileSync(FILE, generated);
  console.log('wrote openapi/openapi.json');
} else if (mode === 'check') {
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // a missing file is drift too
  }
  if (committed !== generated) {
    console.error('openapi/openapi.json is out of date with the routes: run `npm run openapi` and commit it');
    process.exit(1);
  }
  console.log('openapi/openapi.json is current');
} else {
  console.error('usage: tsx scripts/openapi.ts write|check');
  process.exit(2);
}
