/**
 * The harness page in headless Debian chromium (playwright-core): it parses in a Web Worker,
 * de-identifies and uploads a phantom study carrying a PatientName, a PatientID and a private
 * tag to the real API. Every request body, seen by the browser and by the server, is checked
 * for the original values.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHarness } from '../harness/build';
import { startApi, type TestApi } from '@embolus/local-stack/upload-api';
import { IDENTITY, phantomFiles } from '@embolus/local-stack/identified-files';

/** Debian's chromium (`.ci/run` installs it); EMBOLUS_CHROMIUM overrides the path. */
export const CHROMIUM = process.env['EMBOLUS_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let api: TestApi;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  api = await startApi({ statics: await buildHarness() });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  dir = mkdtempSync(path.join(tmpdir(), 'embolus-deid-browser-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the harness page in chromium', () => {
  it('uploads only de-identified bytes and shows what was removed by name', async () => {
    const { bytes, study } = phantomFiles({ seed: 41, slices: 8 });
    const paths = bytes.map((b, i) => {
      const p = path.join(dir, `IM${String(i).padStart(4, '0')}`);
      writeFileSync(p, b);
      return p;
    });
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(notes, 'not an image\n'.repeat(50));
    const page = await browser.newPage();
    const bodies: Buffer[] = [];
    page.on('request', (r) => {
      const body = r.postDataBuffer();
      if (body) bodies.push(body);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${api.base}/?key=${encodeURIComponent(api.key)}&auto=1`);
    await page.setInputFiles('#files', [...paths, notes]);
    await page.waitForFunction(
      () => ['done', 'failed'].includes((globalThis as unknown as { harness: { phase: string } }).harness.phase),
      null,
      { timeout: 60_000 },
    );
    const state = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            harness: { phase: string; error?: string; report?: { studies: { state: string; stored: number; studyId: string }[] } };
          }
        ).harness,
    );
    expect(errors).toEqual([]);
    expect(state.phase, state.error).toBe('done');
    expect(state.report!.studies).toEqual([expect.objectContaining({ state: 'submitted', stored: 8 })]);

    const removed = await page.locator('#removed').innerText();
    for (const name of ['PatientName (0010,0010)', 'PatientID (0010,0020)', 'PrivateAttribute (0009,1001)'])
      expect(removed).toContain(name);
    expect(await page.locator('#series').innerText()).toMatch(/8\s+CT\s+1\.25 mm|8\s+CT\s+\d/);
    expect(await page.locator('#refused').innerText()).toContain('notes.txt: NOT_DICOM');
    const html = await page.content();
    for (const v of Object.values(IDENTITY)) expect(html).not.toContain(v);

    // Every body that left the browser, and every body the server received: no original value.
    const puts = api.seen.filter((s) => s.method === 'PUT');
    expect(puts).toHaveLength(8);
    expect(bodies.length).toBeGreaterThanOrEqual(8);
    for (const b of [...bodies, ...api.seen.map((s) => Buffer.from(s.body))]) {
      const text = b.toString('latin1');
      for (const v of Object.values(IDENTITY)) expect(text).not.toContain(v);
    }
    // …while the files the page was given did hold them (the check can fail).
    expect(Buffer.from(bytes[0]!).toString('latin1')).toContain(IDENTITY.patientName);
    const res = await fetch(`${api.base}/v1/studies/${state.report!.studies[0]!.studyId}`, {
      headers: { authorization: `Bearer ${api.key}` },
    });
    expect(((await res.json()) as { status: string }).status).toBe('queued');
    expect(study.files).toHaveLength(8);
    await page.close();
  }, 90_000);
});
