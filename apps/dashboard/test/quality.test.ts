/**
 * The quality pages in a real browser (Debian's chromium through playwright-core) against the
 * real stack (API, dashboard and one runner with the demo model, started the `npm start` way),
 * over a seeded cohort: 2,400 analysed studies over 12 months, 90 % with ground truth, AUROC 0.9
 * everywhere except "Negative exam for PE", which drops to 0.6 in the last 3 months
 * (`seedCohort` of @embolus/db/seed). No mocks of our own services.
 *
 * Screenshots go to apps/dashboard/test-artifacts/ (git-ignored): phantoms and seeded rows only.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openSqlite } from '@embolus/db/node';
import { seedCohort } from '@embolus/db/seed';
import { writeDataset } from '@embolus/phantom';
import { dicomFiles } from '@embolus/testkit/files';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession, axe, createUser, launchChromium, shot, signIn, startStack, type Stack } from './helpers/stack';

const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
const QUALITY = { email: 'quality@hospital.test', password: 'a long quality password', role: 'quality' as const };
const CLINICIAN = { email: 'doc@hospital.test', password: 'a long clinician password', role: 'clinician' as const };
const MONTH = 30.4375 * 86_400_000;
const DRIFT_LABEL = 'negative_exam_for_pe';
const END = Date.now();
const DRIFT_FROM = END - 3 * MONTH;

let stack: Stack;
let browser: Browser;
let tenantId = '';
let seededStudy = '';
let seededIds: string[] = [];
/** The webhook receiver: what the API delivered to it. */
const received: { event?: string; label?: string; period?: string; message?: string }[] = [];
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // Webhooks to this loopback receiver only: plain http and the one internal address allowed.
  stack = await startStack(ADMIN, { EMBOLUS_WEBHOOK_ALLOW_HTTP: 'true', EMBOLUS_WEBHOOK_ALLOW_INTERNAL: '127.0.0.1/32' });
  await createUser(stack, QUALITY);
  await createUser(stack, CLINICIAN);
  // The cohort goes straight into the stack's database, beside the running API (WAL).
  const db = openSqlite(path.join(stack.work, 'data/api/embolus.sqlite'), { migrate: false });
  try {
    tenantId = (db.sqlite.prepare(`SELECT id FROM tenants WHERE name = 'hospital'`).get() as { id: string }).id;
    const { studyIds } = await seedCohort(db.driver, {
      tenantId,
      studies: 2400,
      months: 12,
      end: END,
      seed: 18,
      labelledFraction: 0.9,
      drift: { label: DRIFT_LABEL, auroc: 0.6, months: 3 },
    });
    seededStudy = studyIds[0] as string;
    seededIds = studyIds;
  } finally {
    db.close();
  }
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  receiver?.close();
  if (stack) expect(await stack.stop()).toBe(0);
}, 60_000);

async function pageAs(user: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true })).newPage();
  await signIn(page, stack.url, user.email, user.password);
  return page;
}

/** The rows of a chart's table as arrays of cell texts. */
async function tableRows(page: Page, name: string): Promise<string[][]> {
  type El = { children: ArrayLike<{ textContent: string | null }> };
  return page
    .locator(`table[data-table="${name}"] tbody tr`)
    .evaluateAll((rows) => (rows as unknown as El[]).map((r) => Array.from(r.children).map((c) => (c.textContent ?? '').trim())));
}

describe('quality pages', () => {
  it('refuses a clinician: no Quality link, "Not permitted" on every quality page, 403 from the API', async () => {
    const page = await pageAs(CLINICIAN);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quality' }).count()).toBe(0);
    const pages = ['/quality', '/quality/label', '/quality/drift', '/quality/thresholds', '/quality/alerts', '/quality/import', '/models'];
    for (const p of pages) {
      await page.goto(`${stack.url}${p}`);
      await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
      expect(await page.locator('svg.chart').count()).toBe(0);
    }
    await shot(page, 'quality-01-clinician-not-permitted');
    const api = await apiSession(stack.url, CLINICIAN.email, CLINICIAN.password);
    for (const [method, p, body] of [
      ['GET', '/v1/metrics/cohort'],
      ['GET', `/v1/metrics/labels/${DRIFT_LABEL}`],
      ['GET', '/v1/thresholds'],
      ['POST', '/v1/thresholds/preview', { rules: { [DRIFT_LABEL]: { kind: 'youden' } } }],
      ['GET', `/v1/studies/${seededStudy}/labels`],
      ['GET', '/v1/models/compare?a=x&b=y'],
      ['GET', '/v1/metrics/drift'],
      ['GET', '/v1/alerts'],
      ['GET', '/v1/alerts/rules'],
      ['POST', '/v1/alerts/evaluate'],
    ] as [string, string, unknown?][]) {
      expect({ p, status: (await api(method, p, body)).status }).toEqual({ p, status: 403 });
    }
    await page.context().close();
  });

  it('shows the drop of AUROC in the drifted months, in the table, the CSV and the drawn points', async () => {
    const page = await pageAs(QUALITY);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quality' }).click();
    await page.getByRole('heading', { name: 'Quality over time' }).waitFor();
    const table = `auroc-${DRIFT_LABEL}-month`;
    await page.locator(`table[data-table="${table}"] tbody tr`).nth(10).waitFor({ state: 'attached' });
    // Columns: period, from, n, positives, AUROC, CI low, CI high.
    const rows = await tableRows(page, table);
    expect(rows.length).toBeGreaterThanOrEqual(12);
    const before = rows.filter((r) => Date.parse(`${r[1]}T00:00:00Z`) + 31 * 86_400_000 <= DRIFT_FROM && r[4] !== 'insufficient data');
    const after = rows.filter((r) => Date.parse(`${r[1]}T00:00:00Z`) >= DRIFT_FROM && r[4] !== 'insufficient data');
    expect(before.length).toBeGreaterThanOrEqual(7);
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const r of before) expect(Number(r[4])).toBeGreaterThan(0.8);
    for (const r of after) expect(Number(r[4])).toBeLessThan(0.75);
    // Every number's period lists n and positives.
    for (const r of rows) expect(Number(r[2])).toBeGreaterThanOrEqual(Number(r[3]));

    // The drawn points are the table's numbers, and the drifted ones sit lower on the chart.
    const points = await page.locator('svg[data-chart="auroc-over-time"] circle[data-period]').evaluateAll((cs) =>
      (cs as unknown as { getAttribute(n: string): string | null }[]).map((c) => ({
        period: c.getAttribute('data-period'),
        auroc: Number(c.getAttribute('data-auroc')),
        cy: Number(c.getAttribute('cy')),
      })),
    );
    const numbered = rows.filter((r) => r[4] !== 'insufficient data');
    expect(points.map((p) => [p.period, p.auroc.toFixed(3)])).toEqual(numbered.map((r) => [r[0], r[4]]));
    const cyOf = (period: string) => points.find((p) => p.period === period)?.cy as number;
    const lowestBefore = Math.max(...before.map((r) => cyOf(r[0] as string)));
    for (const r of after) expect(cyOf(r[0] as string)).toBeGreaterThan(lowestBefore);

    // The CSV holds the same numbers.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download CSV: AUROC over time: Negative exam for PE` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${table}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split(/\r\n/);
    expect(csv[0]).toBe('period,start,n,positives,auroc,ci_low,ci_high');
    expect(csv.slice(1).map((l) => l.split(',')[4])).toEqual(rows.map((r) => r[4]));
    await page.locator('summary', { hasText: 'Numbers as a table' }).first().click();
    await shot(page, 'quality-02-auroc-over-time');
    expect(await axe(page)).toEqual([]);

    // A rare label (indeterminate, 3 %): months with too few positives are hatched and labelled, never a number.
    await page.getByLabel('Label', { exact: true }).selectOption('indeterminate');
    await page.locator('table[data-table="auroc-indeterminate-month"]').waitFor({ state: 'attached' });
    const rare = await tableRows(page, 'auroc-indeterminate-month');
    const insufficient = rare.filter((r) => r[4] === 'insufficient data');
    expect(insufficient.length).toBeGreaterThan(0);
    for (const r of insufficient) {
      expect(r.slice(5)).toEqual(['—', '—']);
      expect(await page.locator(`svg[data-chart="auroc-over-time"] g[data-insufficient][data-period="${r[0]}"]`).count()).toBe(1);
      expect(await page.locator(`svg[data-chart="auroc-over-time"] circle[data-period="${r[0]}"]`).count()).toBe(0);
    }
    expect(await page.locator('svg[data-chart="auroc-over-time"]').textContent()).toContain('too little data');
    await shot(page, 'quality-03-insufficient-data');
    await page.context().close();
  });

  it('chooses a threshold for sensitivity 0.95 that reaches it on the cohort, and new results use it', async () => {
    const page = await pageAs(QUALITY);
    await page.goto(`${stack.url}/quality/thresholds`);
    await page.getByRole('heading', { name: 'Site thresholds' }).waitFor();
    await page.getByLabel('Rule: Negative exam for PE').selectOption('target');
    await page.getByLabel('Target sensitivity: Negative exam for PE').fill('0.95');
    await page.getByRole('button', { name: 'Preview 1 label' }).click();
    const row = page.locator(`table[data-table="threshold-preview"] tr[data-label="${DRIFT_LABEL}"]`);
    await row.waitFor();
    const sens = Number(((await row.locator('td[data-col="sensitivity"]').textContent()) ?? '').split(' ')[0]);
    expect(sens).toBeGreaterThanOrEqual(0.95);
    const changed = Number(await row.locator('td[data-col="changed"]').textContent());
    expect(changed).toBeGreaterThan(0);
    await shot(page, 'quality-04-threshold-preview');
    expect(await axe(page)).toEqual([]);
    await page.getByLabel('Note (why; kept with the set)').fill('sensitivity 0.95 for negative exams');
    await page.getByRole('button', { name: 'Apply as a new set' }).click();
    await page.getByRole('button', { name: 'Confirm and apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Threshold set v1 is now in force' }).waitFor();
    await page.locator('table[data-table="threshold-sets"] tr[data-version="1"]').waitFor();
    expect(await page.locator('table[data-table="threshold-sets"] tr[data-version="1"]').textContent()).toContain(`you (${QUALITY.email})`);
    await shot(page, 'quality-05-threshold-applied');

    // On the cohort it was chosen on, the set's threshold reaches sensitivity ≥ 0.95.
    const api = await apiSession(stack.url, QUALITY.email, QUALITY.password);
    const sets = (await (await api('GET', '/v1/thresholds')).json()) as {
      active: { id: string; version: number; thresholds: Record<string, number> };
    };
    expect(sets.active.version).toBe(1);
    const th = sets.active.thresholds[DRIFT_LABEL] as number;
    const report = (await (await api('GET', `/v1/metrics/labels/${DRIFT_LABEL}`)).json()) as {
      threshold: { value: number; source: string; setVersion: number };
      overall: { operatingPoint: { sensitivity: { kind: string; value: number } } };
    };
    expect(report.threshold).toEqual({ value: th, source: 'site', setVersion: 1 });
    expect(report.overall.operatingPoint.sensitivity.value).toBeGreaterThanOrEqual(0.95);
    await page.goto(`${stack.url}/quality/label?label=${DRIFT_LABEL}`);
    await page.getByText('site set v1').waitFor();
    await shot(page, 'quality-06-at-threshold');
    expect(await axe(page)).toEqual([]);
    await page.context().close();

    // A new study analysed by the runner is decided with the set, and records it; the seeded ones keep theirs.
    const admin = await apiSession(stack.url, ADMIN.email, ADMIN.password);
    const ds = await writeDataset({
      out: path.join(stack.work, 'phantom'),
      studies: 1,
      seed: 5,
      positiveRate: 1,
      indeterminateRate: 0,
      study: { preset: 'demo' },
    });
    const id = ((await (await admin('POST', '/v1/studies', {})).json()) as { id: string }).id;
    const headers = await dicomHeaders();
    for (const f of dicomFiles(path.join(ds.out, ds.studies[0]!.studyInstanceUid))) {
      const res = await fetch(`${stack.url}/v1/studies/${id}/instances/${path.basename(f, '.dcm')}`, {
        method: 'PUT',
        headers,
        body: new Uint8Array(readFileSync(f)),
      });
      expect([200, 201]).toContain(res.status);
    }
    expect((await admin('POST', `/v1/studies/${id}/submit`)).status).toBe(202);
    let study: { status: string; result: { labels: Record<string, { threshold: number }> } | null } = { status: 'queued', result: null };
    await expect
      .poll(async () => (study = (await (await admin('GET', `/v1/studies/${id}`)).json()) as typeof study).status, {
        timeout: 120_000,
        interval: 1000,
      })
      .toBe('complete');
    expect(study.result?.labels[DRIFT_LABEL]?.threshold).toBe(th);
    const db = openSqlite(path.join(stack.work, 'data/api/embolus.sqlite'), { migrate: false });
    try {
      const rec = db.sqlite.prepare(`SELECT threshold_set_id AS s FROM results WHERE study_id = ?`).get(id) as { s: string | null };
      expect(rec.s).toBe(sets.active.id);
      const old = db.sqlite.prepare(`SELECT threshold_set_id AS s FROM results WHERE study_id = ?`).get(seededStudy) as {
        s: string | null;
      };
      expect(old.s).toBeNull();
    } finally {
      db.close();
    }
    const seeded = (await (await admin('GET', `/v1/studies/${seededStudy}`)).json()) as typeof study;
    expect(seeded.result?.labels[DRIFT_LABEL]?.threshold).toBe(0.8);

    // Ground truth for the new study, entered on its page by the quality role, with provenance.
    const q = await pageAs(QUALITY);
    await q.goto(`${stack.url}/study?id=${id}`);
    await q.getByRole('heading', { name: 'Ground truth' }).waitFor();
    // The study page says which threshold set decided the result (from the result itself).
    expect(study.result && 'thresholdSet' in study.result).toBe(true);
    await q.getByText(`Site threshold set, version ${sets.active.version}`).waitFor();
    await q.getByLabel('Ground truth: Negative exam for PE').selectOption('0');
    await q.getByLabel('Ground truth: Central PE').selectOption('1');
    await q.getByLabel('Source', { exact: true }).selectOption('consensus');
    await q.getByRole('button', { name: 'Save 2 labels' }).click();
    await q.getByRole('status').filter({ hasText: 'Saved 2 labels' }).waitFor();
    const gt = await q.locator(`section[data-panel="ground-truth"] tr[data-label="central_pe"]`).textContent();
    expect(gt).toContain('consensus');
    expect(gt).toContain('Present');
    expect(gt).toContain('dashboard');
    expect(gt).toContain(`you (${QUALITY.email})`);
    await shot(q, 'quality-07-ground-truth');
    expect(await axe(q)).toEqual([]);
    await q.context().close();

    async function dicomHeaders(): Promise<Record<string, string>> {
      // The admin caller sends JSON only; instances need the DICOM content type with the same session.
      const res = await fetch(`${stack.url}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/dicom' };
    }
  });

  it('fires a drift alert: the webhook is delivered and the banner links to the chart', async () => {
    const admin = await apiSession(stack.url, ADMIN.email, ADMIN.password);
    const port = (receiver.address() as AddressInfo).port;
    const hook = await admin('POST', '/v1/webhooks', { url: `http://127.0.0.1:${port}/embolus`, events: ['alert.fired'] });
    expect(hook.status).toBe(201);

    const page = await pageAs(QUALITY);
    await page.goto(`${stack.url}/quality/alerts`);
    await page.getByRole('heading', { name: 'Drift alerts' }).waitFor();
    expect(await page.getByRole('alert', { name: 'Drift alert' }).count()).toBe(0);
    await page.getByLabel('Label', { exact: true }).selectOption(DRIFT_LABEL);
    await page.getByLabel('Fires when').selectOption('auroc_lower_ci_below');
    await page.getByLabel('Value (0–1)').fill('0.8');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rule added' }).waitFor();
    // What the schedule runs, now: the drifted month's lower CI bound is below 0.8.
    await page.getByRole('button', { name: 'Evaluate rules now' }).click();
    await page.getByRole('status').filter({ hasText: '1 breached, 1 newly fired' }).waitFor();
    const fired = page.locator('table[data-table="alert-events"] tr[data-state="active"]');
    await fired.first().waitFor();
    expect(await fired.count()).toBe(1);
    expect(await fired.first().textContent()).toContain('Negative exam for PE');

    // The webhook event reaches the receiver.
    await expect.poll(() => received.filter((e) => e.event === 'alert.fired').length, { timeout: 30_000, interval: 250 }).toBe(1);
    const event = received.find((e) => e.event === 'alert.fired');
    expect(event?.label).toBe(DRIFT_LABEL);

    // The banner shows on every page, for the quality role, and opens the chart.
    await page.goto(`${stack.url}/`);
    const banner = page.getByRole('alert', { name: 'Drift alert' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Negative exam for PE');
    await shot(page, 'quality-08-alert-banner');
    await banner.getByRole('link', { name: 'Open the chart' }).click();
    await page.getByRole('heading', { name: 'Quality over time' }).waitFor();
    expect(await page.getByLabel('Label', { exact: true }).inputValue()).toBe(DRIFT_LABEL);
    await page.locator('svg[data-chart="auroc-over-time"]').waitFor();
    await shot(page, 'quality-09-alert-chart');
    expect(await axe(page)).toEqual([]);
    await page.context().close();

    // Not for a clinician.
    const doc = await pageAs(CLINICIAN);
    await doc.waitForLoadState('networkidle');
    expect(await doc.getByRole('alert', { name: 'Drift alert' }).count()).toBe(0);
    await doc.context().close();
  });

  it(
    'imports ground truth from CSV: a per-row error report, nothing applied unless asked, ' + 'then the valid rows with provenance',
    async () => {
      const [a, b] = [seededIds[1] as string, seededIds[2] as string];
      const csv = ['studyId,central_pe,chronic_pe', `${a},1,0`, 'not-a-study,1,0', `${b},2,1`, `${b.slice(0, -1)}x,0,`].join('\n') + '\n';
      const page = await pageAs(QUALITY);
      await page.goto(`${stack.url}/quality/import`);
      await page.getByRole('heading', { name: 'Import ground truth' }).waitFor();
      await page.getByLabel('CSV file').setInputFiles({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.locator('table[data-table="import-errors"]').waitFor();
      const errors = await tableRows(page, 'import-errors');
      // Line 3: unknown study; line 4: a value that is not 0 or 1; line 5: unknown study. Line 2 is valid.
      expect(errors.map((r) => r[0])).toEqual(['3', '4', '5']);
      expect(errors.map((r) => r[2])).toEqual(['UNKNOWN_STUDY', 'INVALID_VALUE', 'UNKNOWN_STUDY']);
      expect(await page.getByRole('status').filter({ hasText: '4 rows' }).textContent()).toContain('1 valid');
      // A file with errors applies nothing unless asked.
      const apply = page.getByRole('button', { name: 'Apply 1 valid row' });
      expect(await apply.isDisabled()).toBe(true);
      await shot(page, 'quality-10-import-report');
      expect(await axe(page)).toEqual([]);
      const api = await apiSession(stack.url, QUALITY.email, QUALITY.password);
      const before = (await (await api('GET', `/v1/studies/${a}/labels`)).json()) as {
        labels: { label: string; value: number; enteredVia: string }[];
      };
      await page.getByLabel(/Apply the 1 valid row anyway/).check();
      await apply.click();
      await page.getByRole('status').filter({ hasText: 'Applied 2 label values from 1 row' }).waitFor();
      const after = (await (await api('GET', `/v1/studies/${a}/labels`)).json()) as typeof before;
      expect(after.labels.find((l) => l.label === 'central_pe')).toMatchObject({ value: 1, enteredVia: 'csv' });
      expect(before.labels.find((l) => l.label === 'central_pe')?.enteredVia).toBe('api');
      // The row with an error changed nothing.
      const untouched = (await (await api('GET', `/v1/studies/${b}/labels`)).json()) as typeof before;
      expect(untouched.labels.every((l) => l.enteredVia === 'api')).toBe(true);
      await page.goto(`${stack.url}/study?id=${a}`);
      const row = page.locator('section[data-panel="ground-truth"] tr[data-label="central_pe"]');
      await row.waitFor();
      expect(await row.textContent()).toContain('CSV import');
      await page.context().close();
    },
  );

  it(
    'runs the model registry: reports, activate and roll back after a confirmation, ' + 'shadow, compare, drift page, who changed what',
    async () => {
      const page = await pageAs(ADMIN);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
      await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
      const row = (v: string) => page.locator(`table[data-table="models"] tr[data-version="${v}"]`);
      await row('seed-model').waitFor();
      // The version the runner's results came from (the demo model), registered when it first reported.
      const demo = (await page.locator('table[data-table="models"] tr[data-version^="demo-"]').getAttribute('data-version')) as string;
      const badge = (v: string) => row(v).locator('.badge').textContent();
      expect(await badge(demo)).toBe('registered');
      // Versions seen only in results have no card, and the report says so rather than inventing one.
      await page.getByRole('button', { name: `Show report of ${demo}` }).click();
      await page.getByText('No evaluation report: this version has no model card.').waitFor();
      // A version registered by a training job carries the runner's card: its validation is the report.
      const card = {
        validation: {
          studies: 40,
          split: 'val',
          labels: { negative_exam_for_pe: { n: 40, positives: 12, auroc: 0.8125, ci: [0.66, 0.96] } },
        },
        notForClinicalUse: true,
      };
      const cardDb = openSqlite(path.join(stack.work, 'data/api/embolus.sqlite'), { migrate: false });
      try {
        cardDb.sqlite.prepare(`UPDATE models SET card = ? WHERE version = 'seed-model'`).run(JSON.stringify(card));
      } finally {
        cardDb.close();
      }
      await page.reload();
      await row('seed-model').waitFor();
      await page.getByRole('button', { name: 'Show report of seed-model' }).click();
      await page.getByText('Validation of seed-model on 40 studies (val split), through the serving path').waitFor();
      const report = page.getByRole('table', { name: 'AUROC per label of seed-model' });
      expect(await report.locator('tbody tr').first().textContent()).toMatch(/Negative exam for PE.*40.*12.*0\.81/);
      const confirm = async (button: string, expected: string) => {
        await page.getByRole('button', { name: button }).click();
        await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
        await page.getByRole('status').filter({ hasText: expected }).waitFor();
      };
      // Cancel changes nothing.
      await page.getByRole('button', { name: `Activate ${demo}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
      expect(await badge(demo)).toBe('registered');
      await confirm(`Activate ${demo}`, `${demo} is now the active model`);
      await expect.poll(() => badge(demo)).toBe('active');
      await confirm('Activate seed-model', 'seed-model is now the active model');
      await expect.poll(() => badge(demo)).toBe('registered');
      // The version that was active before offers a roll back.
      await confirm(`Roll back to this ${demo}`, `${demo} is now the active model`);
      await expect.poll(() => badge(demo)).toBe('active');
      await confirm('Run in shadow seed-model', 'seed-model now runs in shadow');
      await expect.poll(() => badge('seed-model')).toBe('shadow');
      const history = page.locator('section', { has: page.getByRole('heading', { name: 'History' }) });
      await expect.poll(() => history.locator('tbody tr').count()).toBe(4);
      expect(
        await history
          .locator('tbody tr')
          .evaluateAll((rs) =>
            (rs as unknown as { children: ArrayLike<{ textContent: string | null }> }[]).map((r) => r.children[2]?.textContent),
          ),
      ).toEqual(['put seed-model in shadow', `activated ${demo}`, 'activated seed-model', `activated ${demo}`]);
      expect(await history.textContent()).toContain(`you (${ADMIN.email})`);
      // Compare: the two versions analysed no study in common here, and the page says so.
      await page.getByLabel('Version A').selectOption(demo);
      await page.getByLabel('Version B').selectOption('seed-model');
      await page.getByRole('button', { name: 'Compare', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'No study was analysed by both versions yet' }).waitFor();
      await shot(page, 'quality-11-models');
      expect(await axe(page)).toEqual([]);
      // The drift page: the shadow beside the active model, CBPE beside realized AUROC, the prediction distribution.
      await page.goto(`${stack.url}/quality/drift?label=${DRIFT_LABEL}`);
      await page.getByText(`seed-model runs in shadow beside ${demo}`).waitFor();
      await page.locator('svg[data-chart="cbpe"] circle[data-series]').first().waitFor();
      const cbpe = await tableRows(page, `cbpe-${DRIFT_LABEL}-month`);
      expect(cbpe.filter((r) => /^0\.\d{3}$/.test(r[3] as string)).length).toBeGreaterThanOrEqual(10);
      await page.locator('svg[data-chart="distribution"]').waitFor();
      await shot(page, 'quality-12-drift');
      expect(await axe(page)).toEqual([]);
      await page.context().close();
    },
  );
});
