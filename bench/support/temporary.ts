import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for a benchmark's databases (on the real disk's tmp: fsyncs are real). */
export function benchDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'lrsched-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
