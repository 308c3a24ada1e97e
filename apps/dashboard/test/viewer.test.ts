/**
 * The study viewer in chromium against the real stack (API, dashboard, runner with the demo
 * model): a phantom with known emboli, analysed by the runner, opened from its results page.
 * A slice shows; the wheel changes the slice; a preset changes the rendered pixels; where the
 * phantom's truth puts an embolus on a slice and the CAM is high there, the overlay's colour is in
 * the screenshot at that point (truth → patient → worldToCanvas). A CAM of the wrong shape and a
 * missing CAM leave the images with a message; an undecodable frame shows its placeholder and the
 * rest of the stack still works.
 */
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '@embolus/db/node';
import { generateStudy, type PhantomStudy } from '@embolus/phantom';
import type { AnalysisResult } from '@embolus/shared';
import { camOnSlice, heatColor, readNpyFloat32, type SlicePlane } from '@embolus/shared/evidence';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overlayAlpha } from '../lib/viewer/overlay-scale';
import { axe, launchChromium, shot, signIn, startStack, type Stack } from './helpers/stack';

const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
type Dict = Record<string, { vr: string; Value: unknown[] }>;
const dcmjs = createRequire(import.meta.url)('dcmjs') as {
  data: {
    DicomMessage: { readFile(b: ArrayBuffer): { meta: Record<string, unknown>; dict: Dict } };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Dict; write(): ArrayBuffer };
  };
};

let stack: Stack;
let browser: Browser;
let page: Page;
let phantom: PhantomStudy;
let studyId = '';
let brokenId = '';
let brokenSop = '';

/** The admin's session cookie and CSRF token. */
let auth: Record<string, string> = {};

/** Creates a study, PUTs the files and (with `submit`) hands it to the runner. */
async function upload(files: { sopInstanceUid: string; bytes: Uint8Array }[], submit: boolean): Promise<string> {
  const call = (method: string, p: string, body?: Uint8Array) =>
    fetch(`${stack.url}${p}`, {
      method,
      headers: { ...auth, 'content-type': body ? 'application/dicom' : 'application/json' },
      body: body ?? (method === 'POST' ? '{}' : undefined),
    });
  const id = ((await (await call('POST', '/v1/studies')).json()) as { id: string }).id;
  for (const f of files) {
    const res = await call('PUT', `/v1/studies/${id}/instances/${f.sopInstanceUid}`, f.bytes);
    if (res.status !== 201 && res.status !== 200) throw new Error(`upload ${res.status}: ${await res.text()}`);
  }
  if (submit) expect((await call('POST', `/v1/studies/${id}/submit`)).status).toBe(202);
  return id;
}

/** A slice's plane and matrix from its header. */
function planeOfFile(bytes: Uint8Array): { plane: SlicePlane; rows: number; cols: number } {
  const { dict } = dcmjs.data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  const nums = (tag: string) => dict[tag]!.Value.map(Number);
  return {
    plane: {
      imagePositionPatient: nums('00200032') as [number, number, number],
      imageOrientationPatient: nums('00200037') as unknown as SlicePlane['imageOrientationPatient'],
      pixelSpacing: nums('00280030') as [number, number],
    },
    rows: nums('00280010')[0]!,
    cols: nums('00280011')[0]!,
  };
}

/** A copy of a Part 10 file whose Pixel Data is empty: its header reads, its frame cannot be decoded. */
function undecodable(bytes: Uint8Array): Uint8Array {
  const file = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  file.dict['7FE00010'] = { vr: 'OW', Value: [new ArrayBuffer(0)] };
  const out = new dcmjs.data.DicomDict(file.meta);
  out.dict = file.dict;
  return new Uint8Array(out.write());
}

/**
 * Mean grey level of a PNG and the colour at some points, computed by
 * chromium in a blank page (the app's CSP rightly refuses data: fetches).
 */
async function inspectPng(png: Buffer, points: [number, number][] = []): Promise<{ mean: number; rgb: number[][] }> {
  const blank = await browser.newPage();
  try {
    // A string, not a function: the test's TypeScript has no DOM types.
    return (await blank.evaluate(`(async () => {
      const bmp = await createImageBitmap(await (await fetch('data:image/png;base64,${png.toString('base64')}')).blob());
      const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
      ctx.drawImage(bmp, 0, 0);
      const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += d[i];
      const rgb = ${JSON.stringify(points)}.map(([x, y]) => {
        const i = (Math.round(y) * bmp.width + Math.round(x)) * 4;
        return [d[i], d[i + 1], d[i + 2]];
      });
      return { mean: sum / (d.length / 4), rgb };
    })()`)) as { mean: number; rgb: number[][] };
  } finally {
    await blank.close();
  }
}

const stage = () => page.locator('.vw-stage');
const viewport = () => page.getByRole('application', { name: /CT image stack/ });
const sliceIndex = async () => Number(await viewport().getAttribute('data-slice-index'));

async function openViewer(id: string): Promise<void> {
  await page.goto(`${stack.url}/study?id=${id}`);
  await page.getByRole('link', { name: 'Open the images' }).click();
  await page.waitForURL(/\/viewer\?id=/);
  await page.locator('[data-ordered="true"]').waitFor({ timeout: 60_000 });
}

/** The stage (image, overlay and readouts) as the screen shows it. */
const stagePixels = async (points: [number, number][] = []) => inspectPng(await stage().screenshot(), points);

beforeAll(async () => {
  stack = await startStack(ADMIN);
  const signInRes = await fetch(`${stack.url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  auth = {
    cookie: (signInRes.headers.get('set-cookie') ?? '').split(';')[0]!,
    'x-csrf-token': ((await signInRes.json()) as { csrfToken: string }).csrfToken,
  };
  phantom = generateStudy({ seed: 3, kind: 'positive', preset: 'demo' });
  studyId = await upload(phantom.files, true);
  // A second, unanalysed study whose top slice cannot be decoded.
  const other = generateStudy({ seed: 8, kind: 'negative', preset: 'demo' });
  const top = other.files.reduce((a, b) => (b.z > a.z ? b : a));
  brokenSop = top.sopInstanceUid;
  brokenId = await upload(
    other.files.map((f) => (f === top ? { ...f, bytes: undecodable(f.bytes) } : f)),
    false,
  );
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  await signIn(page, stack.url, ADMIN.email, ADMIN.password);
  await page.goto(`${stack.url}/study?id=${studyId}`);
  await page.getByRole('heading', { name: 'Study labels' }).waitFor({ timeout: 170_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (stack) expect(await stack.stop()).toBe(0);
}, 60_000);

describe('the study viewer in chromium', () => {
  it('shows a slice, scrolls with the wheel, changes pixels with a preset, sets the window by drag, zooms and resets', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openViewer(studyId);
    const n = phantom.files.length;
    await expect.poll(() => page.locator('.vw-hud--tl').innerText()).toBe(`1 / ${n}`);
    await page.getByRole('checkbox', { name: 'Overlay' }).uncheck();
    const pe = await stagePixels();
    expect(pe.mean).toBeGreaterThan(5); // not a black canvas
    await viewport().hover();
    await page.mouse.wheel(0, 300);
    await expect.poll(sliceIndex).toBeGreaterThan(0);
    expect(await page.locator('.vw-hud--tl').innerText()).toBe(`${(await sliceIndex()) + 1} / ${n}`);
    await viewport().focus();
    await page.keyboard.press('Home');
    await expect.poll(sliceIndex).toBe(0);
    const before = await stagePixels();
    await page.getByRole('button', { name: 'Lung' }).click();
    await expect.poll(() => page.getByTestId('wl-readout').innerText()).toContain('W 1500 L -600');
    await page.waitForTimeout(300);
    const lung = await stagePixels();
    // Soft tissue and lung parenchyma brighten under the lung window.
    expect(lung.mean - before.mean).toBeGreaterThan(5);
    await shot(page, '20-viewer-lung');
    // Drag: right widens the window, down raises the level (4 HU a pixel).
    const box = (await viewport().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 50, box.y + box.height / 2 + 25, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('wl-readout').innerText()).toContain('W 1700 L -500');
    // Zoom moves a patient point away from the centre; Reset brings it and the CTPA window back.
    const probe = `embolusViewer.worldToCanvas(${JSON.stringify(phantom.truth.emboli[0]!.centre)})`;
    const at0 = (await page.evaluate(probe)) as number[];
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    const at1 = (await page.evaluate(probe)) as number[];
    expect(Math.hypot(at1[0]! - at0[0]!, at1[1]! - at0[1]!)).toBeGreaterThan(5);
    // Shift-drag pans: the patient point follows the pointer by the drag's offset (CSS px = canvas px at DPR 1).
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Shift');
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 - 40, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const panned = (await page.evaluate(probe)) as number[];
    expect(panned[0]! - at1[0]!).toBeCloseTo(60, 0);
    expect(panned[1]! - at1[1]!).toBeCloseTo(-40, 0);
    // Shift-drag does not set the window.
    expect(await page.getByTestId('wl-readout').innerText()).toContain('W 1700 L -500');
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.getByTestId('wl-readout').innerText()).toContain('W 700 L 100');
    const at2 = (await page.evaluate(probe)) as number[];
    expect(Math.hypot(at2[0]! - at0[0]!, at2[1]! - at0[1]!)).toBeLessThan(1);
    expect(await axe(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('puts the overlay colour on the embolus that the truth places on the slice', async () => {
    await openViewer(studyId);
    await page.getByRole('button', { name: 'CTPA / PE' }).click();
    const ids = (await page.evaluate('embolusViewer.imageIds()')) as string[];
    const sopAt = ids.map((id) => decodeURIComponent(id.split('/').pop()!));
    // The CAM as the result stores it, placed by the shared code on the phantom's own slice headers.
    const result = ((await (await fetch(`${stack.url}/v1/studies/${studyId}`, { headers: auth })).json()) as { result: AnalysisResult })
      .result;
    const npy = readNpyFloat32(
      new Uint8Array(await (await fetch(`${stack.url}/v1/studies/${studyId}/artifacts/cam.npy`, { headers: auth })).arrayBuffer()),
    );
    const cam = { ...npy, geometry: result.camGeometry! };
    const max = npy.data.reduce((m, v) => Math.max(m, v), 0);
    const hits: string[] = [];
    for (const e of phantom.truth.emboli) {
      const file = phantom.files.reduce((a, b) => (Math.abs(b.z - e.centre[2]) < Math.abs(a.z - e.centre[2]) ? b : a));
      const slice = sopAt.indexOf(file.sopInstanceUid);
      const { plane, rows, cols } = planeOfFile(file.bytes);
      const col = Math.round(((e.centre[0] - plane.imagePositionPatient[0]) / plane.pixelSpacing[1]) as number);
      const row = Math.round(((e.centre[1] - plane.imagePositionPatient[1]) / plane.pixelSpacing[0]) as number);
      const t = camOnSlice(cam, plane, rows, cols)[row * cols + col]! / max;
      // Only where the CAM is high: elsewhere the overlay rightly draws nothing.
      if (t < 0.6) {
        hits.push(`slice ${slice}: CAM ${t.toFixed(2)} of its maximum`);
        continue;
      }
      await viewport().focus();
      await page.getByRole('slider', { name: 'Slice' }).fill(String(slice + 1));
      await expect.poll(sliceIndex).toBe(slice);
      await page.waitForTimeout(300);
      const at = (await page.evaluate(`embolusViewer.worldToCanvas(${JSON.stringify(e.centre)})`)) as [number, number];
      await page.getByRole('checkbox', { name: 'Overlay' }).check();
      await page.waitForTimeout(200);
      const on = (await stagePixels([at])).rgb[0]!;
      await page.getByRole('checkbox', { name: 'Overlay' }).uncheck();
      await page.waitForTimeout(200);
      const off = (await stagePixels([at])).rgb[0]!;
      await page.getByRole('checkbox', { name: 'Overlay' }).check();
      await shot(page, '21-viewer-overlay-on-embolus');
      // The screen pixel is the grey image blended with heatColor(t) at the default opacity (0.6).
      const alpha = 0.6 * overlayAlpha(t);
      const heat = heatColor(t);
      const expected = off.map((g, i) => g * (1 - alpha) + heat[i]! * alpha);
      expect(Math.max(...off) - Math.min(...off)).toBeLessThan(8); // grey without the overlay
      // Measured within 2 per channel here; an overlay 40 canvas pixels off is 33 off.
      for (let i = 0; i < 3; i++)
        expect(Math.abs(on[i]! - expected[i]!), `channel ${i}: ${on} vs ${expected.map(Math.round)}`).toBeLessThan(12);
      // The opacity control scales the blend: full opacity puts more heat colour on the point, 0 leaves the grey pixel.
      const opacity = page.getByRole('slider', { name: 'Opacity' });
      await opacity.fill('1');
      await page.waitForTimeout(200);
      const full = (await stagePixels([at])).rgb[0]!;
      const alphaFull = overlayAlpha(t);
      const expectedFull = off.map((g, i) => g * (1 - alphaFull) + heat[i]! * alphaFull);
      for (let i = 0; i < 3; i++)
        expect(Math.abs(full[i]! - expectedFull[i]!), `opacity 1, channel ${i}: ${full} vs ${expectedFull.map(Math.round)}`).toBeLessThan(
          12,
        );
      expect(Math.abs(full[0]! - full[2]!)).toBeGreaterThan(Math.abs(on[0]! - on[2]!) + 10);
      await opacity.fill('0');
      await page.waitForTimeout(200);
      const none = (await stagePixels([at])).rgb[0]!;
      for (let i = 0; i < 3; i++) expect(Math.abs(none[i]! - off[i]!), `opacity 0, channel ${i}: ${none} vs ${off}`).toBeLessThan(3);
      await opacity.fill('0.6');
      // The colour scale is shown with the overlay, under its accessible name.
      await expect.poll(() => page.getByRole('figure', { name: 'Grad-CAM colour scale' }).isVisible()).toBe(true);
      expect(await page.getByRole('figure', { name: 'Grad-CAM colour scale' }).innerText()).toContain('100 %');
      return;
    }
    throw new Error(`the CAM is not high at any embolus: ${hits.join('; ')}`);
  });

  it('shows the key images and jumps to a window from the z-strip', async () => {
    await openViewer(studyId);
    const keys = page.getByRole('list', { name: 'Key images' }).getByRole('button');
    await expect.poll(() => keys.count()).toBeGreaterThan(0);
    const label = (await keys.first().getAttribute('aria-label')) ?? '';
    const slice = Number(/slice (\d+)/.exec(label)?.[1]) - 1;
    await keys.first().click();
    await expect.poll(sliceIndex).toBe(slice);
    const windows = page.getByRole('navigation', { name: 'Windows along the scan' }).getByRole('button');
    const last = windows.last();
    const target = Number(/Go to slice (\d+)/.exec((await last.getAttribute('aria-label')) ?? '')?.[1]) - 1;
    await last.click();
    await expect.poll(sliceIndex).toBe(target);
    expect(await last.getAttribute('aria-current')).toBe('location');
    // The label in focus sets the strip's attention: each window shows that label's attention from the result.
    const result = ((await (await fetch(`${stack.url}/v1/studies/${studyId}`, { headers: auth })).json()) as { result: AnalysisResult })
      .result;
    const attentionOf = async () =>
      Object.fromEntries(
        await Promise.all(
          (await windows.all()).map(async (b) => [
            Number(await b.getAttribute('data-window')),
            Number(await b.getAttribute('data-attention')),
          ]),
        ),
      ) as Record<number, number>;
    const focus = page.getByRole('combobox', { name: 'Attention of' });
    type Label = keyof AnalysisResult['attention'];
    const labels = Object.keys(result.attention) as Label[];
    const base: Label = 'negative_exam_for_pe';
    // A label whose attention differs from the default's somewhere, so that the change is visible.
    const other = labels.find((l) => result.attention[l]!.some((v, i) => Math.abs(v - result.attention[base]![i]!) > 1e-6));
    expect(other, 'the result has a label whose attention differs from the default').toBeDefined();
    const expectFrom = (l: Label) => Object.fromEntries(result.windows.map((w) => [w.index, result.attention[l]![w.index] ?? 0]));
    expect(await attentionOf()).toEqual(expectFrom(base));
    await focus.selectOption(other!);
    await expect.poll(attentionOf).toEqual(expectFrom(other!));
    expect(await last.getAttribute('aria-label')).toMatch(/attention \d/);
    await shot(page, '22-viewer-key-images');
    await focus.selectOption(base);
  });

  it('shows the images and says why when the stored CAM geometry cannot be placed (singular affine)', async () => {
    const errors: string[] = [];
    const onError = (e: Error) => errors.push(e.message);
    page.on('pageerror', onError);
    const db = openSqlite(path.join(stack.work, 'data/api/embolus.sqlite'), { migrate: false });
    const row = db.sqlite.prepare('SELECT id, body FROM results WHERE study_id = ?').get(studyId) as { id: string; body: string };
    const setBody = (body: string) => db.sqlite.prepare('UPDATE results SET body = ? WHERE id = ?').run(body, row.id);
    try {
      const body = JSON.parse(row.body) as AnalysisResult;
      const a = body.camGeometry!.affine;
      // The frame axis made a copy of the column axis: the linear part has rank 2.
      setBody(
        JSON.stringify({
          ...body,
          camGeometry: { ...body.camGeometry!, affine: [a[0], a[1], a[0], a[3], a[4], a[5], a[4], a[7], a[8], a[9], a[8], a[11]] },
        }),
      );
      await openViewer(studyId);
      await expect.poll(() => page.getByTestId('overlay-problem').innerText()).toContain('cannot be placed');
      expect((await stagePixels()).mean).toBeGreaterThan(5);
      expect(await page.getByRole('checkbox', { name: 'Overlay' }).isDisabled()).toBe(true);
      // The rest of the viewer still works.
      await viewport().focus();
      await page.keyboard.press('End');
      await expect.poll(sliceIndex).toBe(phantom.files.length - 1);
      await shot(page, '25-viewer-singular-affine');
      expect(errors).toEqual([]);
    } finally {
      setBody(row.body);
      db.close();
      page.off('pageerror', onError);
    }
  });

  it('shows the images and says why when the CAM has the wrong shape or is missing', async () => {
    const blobs = path.join(stack.work, 'data/api/blobs');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    const cam = walk(blobs).find((f) => readFileSync(f).subarray(1, 6).toString('latin1') === 'NUMPY');
    expect(cam).toBeDefined();
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (10, 4, 4), }".padEnd(117, ' ') + '\n';
    writeFileSync(
      cam!,
      Buffer.concat([
        Buffer.from([0x93]),
        Buffer.from('NUMPY'),
        Buffer.from([1, 0, header.length, 0]),
        Buffer.from(header),
        Buffer.alloc(10 * 4 * 4 * 4),
      ]),
    );
    await openViewer(studyId);
    await expect.poll(() => page.getByTestId('overlay-problem').innerText()).toContain('does not match');
    expect((await stagePixels()).mean).toBeGreaterThan(5);
    expect(await page.getByRole('checkbox', { name: 'Overlay' }).isDisabled()).toBe(true);
    await shot(page, '23-viewer-cam-mismatch');
    rmSync(cam!);
    await openViewer(studyId);
    await expect.poll(() => page.getByTestId('overlay-problem').innerText()).toContain('missing');
    expect((await stagePixels()).mean).toBeGreaterThan(5);
  });

  it('loads the viewer weight (cornerstone) only when the viewer opens, not on the study page', async () => {
    // A fresh context (empty cache) with the admin's session: every script is fetched and timed.
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      storageState: await page.context().storageState(),
    });
    try {
      const fresh = await context.newPage();
      const scripts =
        "performance.getEntriesByType('resource')" +
        `.filter((e) => e.initiatorType === 'script' || /\\.js(\\?|$)/.test(e.name))` +
        '.map((e) => [e.name, e.transferSize])';
      const bytes = (list: [string, number][]) => list.reduce((sum, [, b]) => sum + b, 0);
      await fresh.goto(`${stack.url}/study?id=${studyId}`);
      await fresh.getByRole('heading', { name: 'Study labels' }).waitFor();
      await fresh.getByRole('link', { name: 'Open the images' }).waitFor();
      // Give link prefetching and idle-time loading their chance to pull the viewer in.
      await fresh.waitForLoadState('networkidle');
      await fresh.waitForTimeout(1500);
      const onStudy = (await fresh.evaluate(scripts)) as [string, number][];
      await fresh.getByRole('link', { name: 'Open the images' }).click();
      await fresh.waitForURL(/\/viewer\?id=/);
      await fresh.locator('[data-ordered="true"]').waitFor({ timeout: 60_000 });
      const onViewer = (await fresh.evaluate(scripts)) as [string, number][];
      const study = bytes(onStudy);
      const viewer = bytes(onViewer);
      const extra = onViewer.filter(([name]) => !onStudy.some(([n]) => n === name)).map(([name]) => name.split('/').pop());
      console.log(`script bytes transferred: study page ${study}, after opening the viewer ${viewer} (${extra.length} more scripts)`);
      expect(study).toBeGreaterThan(0);
      // cornerstone is about 1 MB compressed; the study page carries a fraction of the viewer's scripts.
      expect(study, `study page scripts: ${onStudy.map(([n]) => n.split('/').pop()).join(', ')}`).toBeLessThan(0.4 * viewer);
      expect(viewer - study).toBeGreaterThan(500_000);
    } finally {
      await context.close();
    }
  });

  it('shows a placeholder with the reason for an undecodable frame, and the rest of the stack works', async () => {
    await openViewer(brokenId);
    await expect.poll(() => page.getByTestId('overlay-problem').innerText()).toContain('no analysis result');
    const ids = (await page.evaluate('embolusViewer.imageIds()')) as string[];
    expect(decodeURIComponent(ids[0]!.split('/').pop()!)).toBe(brokenSop);
    await viewport().focus();
    await page.keyboard.press('Home');
    const placeholder = page.getByRole('alert').filter({ hasText: 'cannot be shown' });
    await placeholder.waitFor();
    await shot(page, '24-viewer-undecodable');
    await page.keyboard.press('ArrowDown');
    await expect.poll(sliceIndex).toBe(1);
    await placeholder.waitFor({ state: 'hidden' });
    expect((await stagePixels()).mean).toBeGreaterThan(5);
  });
});
