/**
 * The upload page in chromium against the real stack (API, dashboard, runner with the demo
 * model): a phantom study with identifying values (one file carries a PatientName, a PatientID
 * and a private tag) goes through the page's own file input, Web Worker de-identification and
 * upload; no request body holds an original value; the runner analyses it and its results page
 * shows the nine labels. A real non-contrast chest CT uploaded the same way comes back
 * non-diagnostic, with the banner before any label and its own state on the worklist.
 */
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateStudy } from '@embolus/phantom';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession, axe, launchChromium, ROOT, shot, signIn, startStack, type Stack } from './helpers/stack';

const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
/** Made-up identifying values; no byte that leaves the browser may hold one. */
const IDENTITY = { patientName: 'DOEPHANTOM^JANEQ', patientId: 'MRN-4471-0098-ZX', privateValue: 'PRIVATE-SECRET-5531' } as const;
const CHEST_CT = path.join(ROOT, '../shared/data/chest-ct/lungpetctdx_A0002_chest_noncon_8mm_B40f');

type Dict = Record<string, { vr: string; Value: unknown[] }>;
const dcmjs = createRequire(import.meta.url)('dcmjs') as {
  data: {
    DicomMessage: { readFile(b: ArrayBuffer): { meta: Record<string, unknown>; dict: Dict } };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Dict; write(): ArrayBuffer };
  };
};

/**
 * Writes IDENTITY's name and ID into a Part 10 file, and with `privateTag` a private block too.
 * Every file of the study gets the same name and ID: files naming different patients in one
 * study are refused whole (MIXED_PATIENTS), which is not what this test is about.
 */
function makeIdentifying(bytes: Uint8Array, privateTag: boolean): Uint8Array {
  const file = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  file.dict['00100010'] = { vr: 'PN', Value: [{ Alphabetic: IDENTITY.patientName }] };
  file.dict['00100020'] = { vr: 'LO', Value: [IDENTITY.patientId] };
  if (privateTag) {
    file.dict['00090010'] = { vr: 'LO', Value: ['ACME_PRIV'] };
    file.dict['00091001'] = { vr: 'LO', Value: [IDENTITY.privateValue] };
  }
  const out = new dcmjs.data.DicomDict(file.meta);
  out.dict = file.dict;
  return new Uint8Array(out.write());
}

let stack: Stack;
let browser: Browser;
let phantomPaths: string[] = [];
let original: Uint8Array;

beforeAll(async () => {
  stack = await startStack(ADMIN);
  // A demo-preset phantom with emboli; the generator's own output is anonymized, so its files are made identifying.
  const study = generateStudy({ seed: 3, kind: 'positive', preset: 'demo' });
  const dir = path.join(stack.work, 'to-upload');
  mkdirSync(dir, { recursive: true });
  phantomPaths = study.files.map((f, i) => {
    const p = path.join(dir, `IM${String(i).padStart(4, '0')}.dcm`);
    const bytes = makeIdentifying(f.bytes, i === 0);
    if (i === 0) original = bytes;
    writeFileSync(p, bytes);
    return p;
  });
  const notes = path.join(dir, 'notes.txt');
  writeFileSync(notes, 'not an image\n'.repeat(50));
  phantomPaths.push(notes);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (stack) expect(await stack.stop()).toBe(0);
}, 60_000);

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await signIn(page, stack.url, ADMIN.email, ADMIN.password);
  return page;
}

/** Waits until the study page shows a result (the runner works while the page polls). */
async function waitForResult(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Study labels' }).waitFor({ timeout: 170_000 });
}

describe('the upload page in chromium', () => {
  it('de-identifies in the browser, sends no original value, and the study reaches its results page', async () => {
    const page = await newPage();
    const bodies: Buffer[] = [];
    page.on('request', (r) => {
      const b = r.postDataBuffer();
      if (b) bodies.push(b);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.url}/upload`);
    await page.setInputFiles('#upload-files', phantomPaths);
    const summary = page.getByRole('heading', { name: /^1 study · \d+ images/ });
    await summary.waitFor({ timeout: 60_000 }).catch(async (e) => {
      await shot(page, 'debug-upload');
      throw new Error(`${String(e)}\n${await page.locator('main').innerText()}\n${errors.join('\n')}`);
    });
    const slices = phantomPaths.length - 1;
    expect(await summary.textContent()).toContain(`${slices} images`);
    expect(await page.getByRole('table', { name: /Series of study 1/ }).innerText()).toMatch(
      new RegExp(`CT\\s+${slices}\\s+\\d+(\\.\\d+)? mm`),
    );
    const removed = await page.getByRole('table', { name: /Attributes removed/ }).innerText();
    for (const s of ['PatientName', '(0010,0010)', 'PatientID', '(0010,0020)', 'PrivateAttribute', '(0009,1001)'])
      expect(removed).toContain(s);
    expect(await page.getByRole('table', { name: /Files that are not uploaded/ }).innerText()).toMatch(/notes\.txt\s+Not a DICOM file/);
    expect(await axe(page)).toEqual([]);
    await shot(page, '06-upload-summary');

    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const open = page.getByRole('link', { name: 'Open study 1 on the worklist' });
    await open.waitFor({ timeout: 60_000 });
    const progress = page.getByRole('progressbar', { name: 'Upload progress' });
    expect(await progress.getAttribute('value')).toBe('100');
    expect(await page.getByRole('status').filter({ hasText: 'images' }).innerText()).toContain(`${slices} of ${slices} images`);
    await shot(page, '07-upload-done');
    expect(errors).toEqual([]);

    // Nothing that left the browser, and nothing on the page, holds an original value…
    const puts = bodies.filter((b) => b.length > 1000);
    expect(puts.length).toBe(slices);
    const html = await page.content();
    for (const v of Object.values(IDENTITY)) {
      expect(html).not.toContain(v);
      for (const b of bodies) expect(b.toString('latin1')).not.toContain(v);
    }
    // …while the file the page was given did hold them (this check can fail).
    for (const v of Object.values(IDENTITY)) expect(Buffer.from(original).toString('latin1')).toContain(v);

    await open.click();
    await page.waitForURL(/\/study\?id=/);
    await waitForResult(page);
    expect(await page.locator('table.labels tbody tr').count()).toBe(9);
    for (const row of await page.locator('table.labels tbody tr').allInnerTexts())
      expect(row).toMatch(/\d+\.\d %\s+\d+\.\d %\s+(Positive|Negative)/);
    // The exam decision and its rule are stated before the labels.
    expect(await page.getByRole('region', { name: /^PE (positive|negative)$|^Indeterminate$/ }).count()).toBe(1);
    await shot(page, '08-results-of-upload');
    await page.context().close();
  }, 300_000);

  it('cancels, and after a reload resumes by skipping what the server already holds', async () => {
    const study = generateStudy({ seed: 5, kind: 'negative', preset: 'demo' });
    const dir = path.join(stack.work, 'to-resume');
    mkdirSync(dir, { recursive: true });
    const paths = study.files.map((f, i) => {
      const p = path.join(dir, `IM${String(i).padStart(4, '0')}.dcm`);
      writeFileSync(p, f.bytes);
      return p;
    });
    const page = await newPage();
    // Slow each PUT down (the real API still answers) so that Cancel lands mid-upload.
    await page.route('**/instances/**', async (route) => {
      if (route.request().method() === 'PUT') await new Promise((r) => setTimeout(r, 150));
      await route.continue();
    });
    await page.goto(`${stack.url}/upload`);
    await page.setInputFiles('#upload-files', paths);
    await page.getByRole('heading', { name: new RegExp(`^1 study · ${paths.length} images`) }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'images ·' });
    await expect
      .poll(async () => Number(/^(\d+) of/.exec(await status.innerText())?.[1] ?? 0), { timeout: 30_000, interval: 50 })
      .toBeGreaterThanOrEqual(8);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alert').filter({ hasText: 'Upload cancelled' }).waitFor();
    expect(await page.getByRole('button', { name: 'Resume upload' }).isEnabled()).toBe(true);
    await shot(page, '12-upload-cancelled');
    const storedBefore = Number(/^(\d+) of/.exec(await status.innerText())?.[1]);
    expect(storedBefore).toBeLessThan(paths.length);

    // A reload loses the files but not the tab's memory of the study: the same files go again.
    await page.unroute('**/instances/**');
    await page.reload();
    const puts: string[] = [];
    page.on('request', (r) => r.method() === 'PUT' && puts.push(r.url()));
    await page.setInputFiles('#upload-files', paths);
    await page.getByRole('heading', { name: new RegExp(`^1 study · ${paths.length} images`) }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('link', { name: 'Open study 1 on the worklist' }).waitFor({ timeout: 60_000 });
    const line = await status.innerText();
    expect(line).toMatch(/already on the server, skipped/);
    const skipped = Number(/(\d+) already on the server/.exec(line)?.[1]);
    // Every instance counted before Cancel is stored; requests in flight at Cancel may have landed too.
    expect(skipped).toBeGreaterThanOrEqual(storedBefore);
    expect(puts.length).toBe(paths.length - skipped);
    const id = new URL(
      (await page.getByRole('link', { name: 'Open study 1 on the worklist' }).getAttribute('href')) as string,
      stack.url,
    ).searchParams.get('id') as string;
    const admin = await apiSession(stack.url, ADMIN.email, ADMIN.password);
    const s = (await (await admin('GET', `/v1/studies/${id}`)).json()) as { status: string; series: { instanceCount: number }[] };
    expect(s.status).not.toBe('receiving');
    expect(s.series.reduce((n, x) => n + x.instanceCount, 0)).toBe(paths.length);
    await shot(page, '13-upload-resumed');
    await page.context().close();
  }, 240_000);

  it('takes files dropped on the drop zone', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/upload`);
    const zone = page.getByRole('button', { name: /Drop DICOM files, folders or zip archives here/ });
    await zone.waitFor();
    const files = phantomPaths.slice(1, 5).map((p) => ({ name: path.basename(p), b64: readFileSync(p).toString('base64') }));
    // A DataTransfer made in the page, as the browser hands one to a drop of files.
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); for (const f of ${JSON.stringify(files)}) ` +
        "dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'application/dicom' })); " +
        'return dt; })()',
    );
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
    await page.getByRole('heading', { name: /^1 study · 4 images/ }).waitFor({ timeout: 60_000 });
    await page.context().close();
  });

  it('ships the page without dcmjs: the parser is in the worker bundle only', async () => {
    const html = await (await fetch(`${stack.url}/upload`)).text();
    const scripts = [...new Set([...html.matchAll(/\/_next\/static\/chunks\/[^"']+\.js/g)].map((m) => m[0]))];
    expect(scripts.length).toBeGreaterThan(0);
    let gzip = 0;
    for (const s of scripts) {
      const js = await (await fetch(`${stack.url}${s}`)).text();
      expect(js, s).not.toContain('naturalizeDataset');
      gzip += gzipSync(js).length;
    }
    // The budget for a route (the worklist's); the page loads the worker's chunk only when it starts it.
    expect(gzip).toBeLessThan(300_000);
  });

  it('is operable with the keyboard only: Tab reaches the drop zone, Enter opens the file picker', async () => {
    const page = await newPage();
    await page.goto(`${stack.url}/upload`);
    const zone = page.getByRole('button', { name: /Drop DICOM files, folders or zip archives here/ });
    await zone.waitFor();
    expect(await axe(page)).toEqual([]);
    await shot(page, '09-upload-empty');
    const focused = () =>
      page.evaluate<string>(
        '(document.activeElement && ' +
          "(document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || '')).trim()",
      );
    // Listening early: Playwright turns on file-chooser interception asynchronously.
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    const seen: string[] = [];
    for (let i = 0; i < 12 && !seen.at(-1)?.startsWith('Drop DICOM'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    // Skip link, brand, navigation and sign-out come first, then the drop zone; the hidden inputs are not tab stops.
    expect(seen.at(-1)).toMatch(/^Drop DICOM files/);
    expect(seen).toContain('Upload');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(phantomPaths.slice(0, 3));
    await page.getByRole('heading', { name: /^1 study · 3 images/ }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Choose a folder');
    // Onward to Upload, by Tab alone.
    let onUpload = false;
    for (let i = 0; i < 10 && !onUpload; i++) {
      await page.keyboard.press('Tab');
      onUpload = (await focused()) === 'Upload';
    }
    expect(onUpload).toBe(true);
    await page.context().close();
  }, 120_000);

  it('shows a real non-contrast chest CT as non-diagnostic: the banner first, decisions withheld, ' +
    'its own state on the worklist', async () => {
    const page = await newPage();
    const files = readdirSync(CHEST_CT)
      .filter((n) => n.endsWith('.dcm'))
      .map((n) => path.join(CHEST_CT, n));
    expect(files.length).toBe(30);
    await page.goto(`${stack.url}/upload`);
    await page.setInputFiles('#upload-files', files);
    await page.getByRole('heading', { name: /^1 study · 30 images/ }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const open = page.getByRole('link', { name: 'Open study 1 on the worklist' });
    await open.waitFor({ timeout: 90_000 });
    await open.click();
    await waitForResult(page);
    const banner = page.getByRole('region', { name: /^Non-diagnostic: / });
    await banner.waitFor();
    // The banner precedes every label in the document.
    const order = await page.evaluate<number>(
      "document.querySelector('.nondiag').compareDocumentPosition(document.querySelector('table.labels'))",
    );
    expect(order & 4).toBe(4);
    const contrast = await banner.locator('tr[data-check="contrast_opacification"]').innerText();
    expect(contrast).toMatch(/HU\s+≥ \d+ HU\s+✗ Fail/);
    expect(await page.locator('table.labels tbody tr').filter({ hasText: 'Withheld' }).count()).toBe(9);
    expect(await page.locator('.summary__prob').count()).toBe(0);
    expect(await axe(page)).toEqual([]);
    await shot(page, '10-results-non-diagnostic');

    // The worklist: its own badge and no probability, and the Flag filter selects it.
    const id = new URL(page.url()).searchParams.get('id') as string;
    await page.goto(`${stack.url}/`);
    const row = page.getByRole('row').filter({ hasText: id.slice(0, 8) });
    await expect.poll(() => row.innerText()).toContain('Non-diagnostic');
    expect(await row.innerText()).not.toMatch(/\d+ %/);
    await page.getByLabel('Flag').selectOption('non_diagnostic');
    await expect
      .poll(() => page.locator('table.worklist tbody tr').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringContaining(id.slice(0, 8))]);
    await shot(page, '11-worklist-non-diagnostic');
    const admin = await apiSession(stack.url, ADMIN.email, ADMIN.password);
    const body = (await (await admin('GET', `/v1/studies/${id}`)).text()).slice(0, 40);
    expect(body).toMatch(/^\{"nonDiagnostic":"Non-diagnostic: /);
    await page.context().close();
  }, 300_000);
});
