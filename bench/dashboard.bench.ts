/**
 * Benchmark of the dashboard's worklist in headless chromium (loopback only):
 *  1. a tenant with 10,000 analysed studies: time from navigation to the first page of rows
 *     rendered (target ≤ 1 s), median of several runs, cold (new page each run);
 *  2. JavaScript shipped to the worklist route, gzip (target ≤ 300 KB).
 * The in-browser de-identification + upload part of the issue arrives with @embolus/deid.
 * Needs a built dashboard (`npm run build -w @embolus/dashboard`) and /usr/bin/chromium.
 * Prints medians and writes bench/results/dashboard.json.
 *
 * Run: npx tsx bench/dashboard.bench.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newId } from '@embolus/db';
import { defaultDashboardDir, ensureFirstAdmin, hasDashboard, startServer } from '@embolus/edge-api/node/stack';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDIES = 10_000;
const RUNS = 7;
const ADMIN = { email: 'bench@embolus.local', password: 'a benchmark password' };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Gzip bytes of every script the exported worklist page (`out/index.html`) loads. */
function worklistJs(dir: string): { scripts: number; bytes: number; gzipBytes: number } {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const srcs = [...new Set([...html.matchAll(/(\/_next\/static\/[^"'\s)]+\.js)/g)].map((m) => m[1] as string))];
  let bytes = 0;
  let gzipBytes = 0;
  for (const s of srcs) {
    const b = readFileSync(path.join(dir, s));
    bytes += b.length;
    gzipBytes += gzipSync(b, { level: 9 }).length;
  }
  return { scripts: srcs.length, bytes, gzipBytes };
}

const dashboardDir = defaultDashboardDir();
if (!hasDashboard(dashboardDir)) throw new Error('build the dashboard first: npm run build -w @embolus/dashboard');
const dataDir = mkdtempSync(path.join(tmpdir(), 'embolus-bench-dash-'));
const server = await startServer({
  dataDir,
  port: 0,
  dashboardDir,
  dispatcher: false,
  env: { EMBOLUS_LOG_LEVEL: 'error', EMBOLUS_RATE_LIMIT_PER_MINUTE: '1000000' },
});
const browser = await chromium.launch({
  executablePath: process.env['EMBOLUS_CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const { store } = server.runtime.deps;
  const admin = await ensureFirstAdmin(store, { tenant: 'bench', email: ADMIN.email, password: ADMIN.password });
  const tenantId = (await store.tenants.byName('bench'))?.id ?? '';
  if (!admin || !tenantId) throw new Error('could not create the benchmark tenant');
  // Studies as the worklist sees them after analysis (one in 20 urgent), inserted in bulk.
  const now = Date.now();
  const rows = Array.from({ length: STUDIES }, (_, i) => {
    const p = ((i * 7919) % 1000) / 1000;
    return {
      id: newId(),
      tenantId,
      status: 'complete' as const,
      studyInstanceUid: `2.25.${i}`,
      instanceCount: 300,
      totalBytes: 300 * 524_288,
      urgency: i % 20 === 0 ? 0 : 1,
      sortProbability: p,
      decision: (p > 0.5 ? 'positive' : 'negative') as 'positive' | 'negative',
      createdAt: now - i * 60_000,
      updatedAt: now,
      submittedAt: now - i * 60_000,
      completedAt: now - i * 60_000 + 30_000,
    };
  });
  const { sqlite } = server.runtime.sqlite;
  const insert = sqlite.prepare(
    `INSERT INTO studies (id, tenant_id, status, study_instance_uid, instance_count, total_bytes, urgency, sort_probability, decision, created_at, updated_at, submitted_at, completed_at)
     VALUES (@id, @tenantId, @status, @studyInstanceUid, @instanceCount, @totalBytes, @urgency, @sortProbability, @decision, @createdAt, @updatedAt, @submittedAt, @completedAt)`,
  );
  sqlite.transaction(() => {
    for (const r of rows) insert.run(r);
  })();

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const url = `http://127.0.0.1:${server.port}`;
  const page = await context.newPage();
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Worklist' }).waitFor();
  await page.close();

  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const p = await context.newPage();
    const t0 = performance.now();
    await p.goto(`${url}/`);
    await p.locator('table.worklist tbody tr').nth(24).waitFor();
    times.push(performance.now() - t0);
    await p.close();
  }
  const js = worklistJs(dashboardDir);
  const result = {
    machine: { cpus: cpus().length, node: process.version, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
    setup: { studies: STUDIES, runs: RUNS, rowsPerPage: 25 },
    targets: { worklistMs: 1000, worklistJsGzipKb: 300 },
    worklist: { medianMs: round(median(times)), runsMs: times.map((t) => round(t)) },
    javascript: { scripts: js.scripts, kb: round(js.bytes / 1024), gzipKb: round(js.gzipBytes / 1024) },
  };
  console.log(
    `worklist of ${STUDIES} studies: median ${result.worklist.medianMs} ms from navigation to 25 rows (target ≤ 1000); JS ${result.javascript.gzipKb} KB gzip (target ≤ 300)`,
  );
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results/dashboard.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
