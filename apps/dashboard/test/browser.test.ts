/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * stack started the `npm start` way (scripts/start.mjs) in a temporary data folder: API,
 * dashboard and one runner with the demo model. No mocks of our own services.
 *
 * Screenshots go to apps/dashboard/test-artifacts/ (git-ignored).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { writeDataset } from '@embolus/phantom';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomFiles } from '@embolus/testkit/files';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-artifacts');
const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
const OTHER = { email: 'doc@other.test', password: 'another long password' };
const CHROMIUM = process.env['EMBOLUS_CHROMIUM'] ?? '/usr/bin/chromium';

const work = mkdtempSync(path.join(tmpdir(), 'embolus-dash-'));
let stack: ChildProcess;
let stackOut = '';
let url = '';
let browser: Browser;
let studyId = '';
let otherStudyId = '';

/** Signs in over HTTP (as a script would) and returns a caller that sends the cookie and CSRF token. */
async function session(email: string, password: string) {
  const res = await fetch(`${url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return (method: string, p: string, body?: { json?: unknown; dicom?: Uint8Array }) =>
    fetch(`${url}${p}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body?.json !== undefined ? { 'content-type': 'application/json' } : body?.dicom ? { 'content-type': 'application/dicom' } : {}),
      },
      ...(body?.json !== undefined ? { body: JSON.stringify(body.json) } : body?.dicom ? { body: body.dicom } : {}),
    });
}

/** Runs a program (poppler-utils' pdftotext, pdfimages) and resolves with its stdout. */
const run = (cmd: string, args: string[]) =>
  new Promise<string>((resolve, reject) => execFile(cmd, args, (err, out) => (err ? reject(err) : resolve(out))));

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function axe(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // The stack exactly as `npm start` runs it, in its own process group so Ctrl-C can be sent to all of it.
  stack = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      EMBOLUS_DATA_DIR: path.join(work, 'data'),
      EMBOLUS_ADMIN_EMAIL: ADMIN.email,
      EMBOLUS_ADMIN_PASSWORD: ADMIN.password,
      EMBOLUS_TENANT: 'hospital',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout?.on('data', (d: Buffer) => (stackOut += d.toString()));
  stack.stderr?.on('data', (d: Buffer) => (stackOut += d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /Embolus is ready: (http:\/\/[0-9.:]+)\//.exec(stackOut);
      if (m) clearInterval(t), resolve(m[1] as string);
      if (stack.exitCode !== null) clearInterval(t), reject(new Error(`the stack exited: ${stackOut}`));
    }, 100);
  });
  expect(stackOut).toContain(`created tenant 'hospital' and admin user ${ADMIN.email}`);

  // A clinician of another organisation, with a study of its own.
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        path.join(ROOT, 'apps/edge-api/bin/embolus-api.mjs'),
        'users',
        'create',
        '--data',
        path.join(work, 'data/api'),
        '--tenant',
        'other',
        '--email',
        OTHER.email,
        '--role',
        'clinician',
      ],
      { env: { ...process.env, EMBOLUS_USER_PASSWORD: OTHER.password } },
      (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve()),
    ),
  );
  const other = await session(OTHER.email, OTHER.password);
  otherStudyId = ((await (await other('POST', '/v1/studies', { json: {} })).json()) as { id: string }).id;

  // One phantom study with emboli (the generator's default output is anonymized), uploaded and submitted by the admin.
  const ds = await writeDataset({
    out: path.join(work, 'phantom'),
    studies: 1,
    seed: 3,
    positiveRate: 1,
    indeterminateRate: 0,
    study: { preset: 'demo' },
  });
  const upload = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  const admin = await session(ADMIN.email, ADMIN.password);
  studyId = ((await (await admin('POST', '/v1/studies', { json: {} })).json()) as { id: string }).id;
  for (const f of dicomFiles(upload)) {
    const res = await admin('PUT', `/v1/studies/${studyId}/instances/${path.basename(f, '.dcm')}`, {
      dicom: new Uint8Array(readFileSync(f)),
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`upload ${res.status}: ${await res.text()}`);
  }
  expect((await admin('POST', `/v1/studies/${studyId}/submit`)).status).toBe(202);
  // A second study still uploading (never submitted), so the worklist shows more than one state.
  const pending = ((await (await admin('POST', '/v1/studies', { json: {} })).json()) as { id: string }).id;
  const first = dicomFiles(upload)[0] as string;
  expect(
    (await admin('PUT', `/v1/studies/${pending}/instances/${path.basename(first, '.dcm')}`, { dicom: new Uint8Array(readFileSync(first)) }))
      .status,
  ).toBe(201);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 240_000);

afterAll(async () => {
  try {
    await stopAll();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 60_000);

async function stopAll(): Promise<void> {
  await browser?.close();
  if (stack && stack.exitCode === null) {
    // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
    const exited = new Promise<number | null>((r) => stack.once('exit', (code) => r(code)));
    process.kill(-(stack.pid as number), 'SIGINT');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (code === 'timeout') process.kill(-(stack.pid as number), 'SIGKILL');
    expect(code).toBe(0);
    // Nothing of the group is left running (runner included).
    expect(() => process.kill(-(stack.pid as number), 0)).toThrow();
  }
}

/** A page in a fresh context (its own cookies); axe-core needs pages made from a context. */
async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the dashboard in chromium', () => {
  it('refuses a wrong password, then signs in with the right one', async () => {
    const page = await newPage({ width: 1280, height: 800 });
    await page.goto(`${url}/`);
    await page.waitForURL(/\/sign-in/);
    await expect.poll(() => page.getByRole('note').first().textContent()).toContain('not for clinical use');
    expect(await axe(page)).toEqual([]);
    await signIn(page, ADMIN.email, 'not the password!');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await shot(page, '01-sign-in-refused');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    // The session lives in an httpOnly cookie: nothing in web storage, nothing script can read.
    expect(await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([0, 0, '']);
    await page.context().close();
  });

  it('signs in with the keyboard only', async () => {
    const page = await newPage({ width: 1280, height: 800 });
    await page.goto(`${url}/sign-in`);
    // The email field has focus on arrival; Tab walks password then the button; before the email sits the skip link.
    // Page-side expressions are strings: this file is type-checked without the DOM library.
    const active = () => page.evaluate<string>("document.activeElement.id || document.activeElement.textContent || ''");
    await expect.poll(active).toBe('email');
    const order: string[] = [];
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      order.push(await active());
    }
    expect(order).toEqual(['password', 'Sign in', 'password', 'email', 'Skip to content']);
    await page.getByLabel('Email').focus();
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    // Sign-out revokes the session: the worklist sends the browser back to sign-in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${url}/`);
    await page.waitForURL(/\/sign-in/);
    await page.context().close();
  });

  it('shows the analysed study on the worklist, reached and opened with the keyboard', async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await signIn(page, ADMIN.email, ADMIN.password);
    const row = page.getByRole('row').filter({ hasText: studyId.slice(0, 8) });
    // The runner analyses the study while the page polls: no reload.
    await expect.poll(() => row.textContent(), { timeout: 150_000, interval: 1000 }).toContain('Done');
    expect(await row.textContent()).toMatch(/\d+ %/);
    expect(await row.textContent()).toContain('demo-');
    await shot(page, '02-worklist');
    expect(await axe(page)).toEqual([]);
    // Keyboard: Tab until the study's link has focus, then Enter opens its results.
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate<boolean>(`(document.activeElement?.href ?? '').includes(${JSON.stringify(studyId)})`);
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/study\?id=/);
    await page.getByRole('heading', { name: 'Study labels' }).waitFor();
    await page.context().close();
  }, 180_000);

  it('shows the nine labels with their thresholds on the results page', async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await page.goto(`${url}/study?id=${studyId}`);
    await page.getByRole('heading', { name: 'Study labels' }).waitFor();
    const rows = page.locator('table.labels tbody tr');
    expect(await rows.count()).toBe(9);
    for (const name of [
      'Negative exam for PE',
      'Indeterminate',
      'Chronic PE',
      'Acute and chronic PE',
      'Central PE',
      'Left-sided PE',
      'Right-sided PE',
      'RV/LV ratio ≥ 1',
      'RV/LV ratio < 1',
    ]) {
      const text =
        (await page
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name, exact: false }) })
          .first()
          .textContent()) ?? '';
      expect(text, name).toMatch(/\d+\.\d %\d+\.\d %(Positive|Negative)/);
    }
    expect(await page.getByRole('img', { name: /PE probability of \d+ windows/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /Attention of each of the 9 label heads/ }).count()).toBe(1);
    expect(await page.textContent('body')).toMatch(/[0-9a-f]{64}/);
    await shot(page, '03-results');
    expect(await axe(page)).toEqual([]);
    await page.goto(`${url}/upload`);
    await page.getByRole('button', { name: /Drop DICOM files, folders or zip archives here/ }).waitFor();
    expect(await axe(page)).toEqual([]);
    await shot(page, '04-upload');
    await page.context().close();
  });

  it(
    'downloads the report PDF from the study page, with every label as text and the key images, ' + 'and opens the printable report',
    async () => {
      const page = await newPage({ width: 1280, height: 900 });
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.getByRole('heading', { name: 'Worklist' }).waitFor();
      await page.goto(`${url}/study?id=${studyId}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Report (PDF)' }).click()]);
      expect(download.suggestedFilename()).toBe(`embolus-report-${studyId}.pdf`);
      const file = path.join(work, 'report.pdf');
      await download.saveAs(file);
      const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).replace(/\s+/g, ' ');
      for (const name of [
        'Negative exam for PE',
        'Indeterminate',
        'Chronic PE',
        'Acute and chronic PE',
        'Central PE',
        'Left-sided PE',
        'Right-sided PE',
        'RV/LV ratio ≥ 1',
        'RV/LV ratio < 1',
      ])
        expect(text, name).toContain(name);
      expect(text).toMatch(/ \d+\.\d % \d+\.\d % (Yes|No) /);
      expect(text).toContain('Research software — not for clinical use.');
      expect((await run('pdfimages', ['-list', file])).split('\n').filter((l) => / image /.test(l)).length).toBeGreaterThan(0);
      // The printable page opens in a new tab, from the API, with the same session.
      const [tab] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Printable report' }).click()]);
      await tab.getByRole('heading', { name: /pulmonary embolism analysis report/ }).waitFor();
      expect(await tab.locator('img[src^="data:image/png"]').count()).toBeGreaterThan(0);
      await shot(tab, '05-printable-report');
      await page.context().close();
    },
  );

  it("shows not found for another tenant's study", async () => {
    const page = await newPage({ width: 1280, height: 800 });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await page.goto(`${url}/study?id=${otherStudyId}`);
    await page.getByRole('heading', { name: 'Study not found' }).waitFor();
    expect(await page.textContent('body')).not.toContain(otherStudyId);
    await shot(page, '05-not-found');
    await page.context().close();
  });
});
