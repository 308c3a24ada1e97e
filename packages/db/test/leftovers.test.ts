/**
 * The race the grace period cannot cover alone: a blob judged an orphan that another process
 * rewrites (put again, row about to be committed) just before it is quarantined goes back.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quarantineBlob } from '../src/node/leftovers';

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-leftovers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GRACE = 600_000;

function put(rel: string, text: string, ageMs: number): void {
  const f = path.join(dir, 'blobs', rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  const t = new Date(Date.now() - ageMs);
  utimesSync(f, t, t);
}

describe('quarantineBlob', () => {
  it('keeps an old orphan in quarantine', async () => {
    put('t/a.dcm', 'old', 2 * GRACE);
    expect(await quarantineBlob(path.join(dir, 'blobs'), path.join(dir, 'q'), 't/a.dcm', GRACE, Date.now())).toBe(true);
    expect(existsSync(path.join(dir, 'blobs/t/a.dcm'))).toBe(false);
    expect(readFileSync(path.join(dir, 'q/blobs/t/a.dcm'), 'utf8')).toBe('old');
  });

  it('moves a blob rewritten since it was judged back to its key', async () => {
    // Judged old a moment ago; by the time it is moved, another process has put it afresh.
    put('t/b.dcm', 'fresh', 0);
    expect(await quarantineBlob(path.join(dir, 'blobs'), path.join(dir, 'q'), 't/b.dcm', GRACE, Date.now())).toBe(false);
    expect(readFileSync(path.join(dir, 'blobs/t/b.dcm'), 'utf8')).toBe('fresh');
    expect(existsSync(path.join(dir, 'q/blobs/t/b.dcm'))).toBe(false);
  });

  it('reports a blob that vanished in between as not quarantined', async () => {
    expect(await quarantineBlob(path.join(dir, 'blobs'), path.join(dir, 'q'), 't/none.dcm', GRACE, Date.now())).toBe(false);
  });
});
