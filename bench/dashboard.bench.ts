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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { analysedStudyRows } from '@embolus/local-stack';
import { launchChromium, signInBrowser, startDashboardServer } from '@embolus/local-stack/dashboard';
import { machineAtEnd, median, round, writeBenchResult } from '@embolus/local-stack/stats';

const STUDIES = 10_000;
const RUNS = 7;

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

const stack = await startDashboardServer('dash');
const { server, url, dashboardDir } = stack;
const browser = await launchChromium();
try {
  // Studies as the worklist sees them after analysis (one in 20 urgent), inserted in bulk.
  const rows = analysedStudyRows(stack.tenantId, STUDIES, { buckets: 1000, urgentEvery: 20 });
  const { sqlite } = server.runtime.sqlite;
  const insert = sqlite.prepare(
    `INSERT INTO studies (id, tenant_id, status, study_instance_uid, instance_count, total_bytes, urgency, sort_probability,
       decision, created_at, updated_at, submitted_at, completed_at)
     VALUES (@id, @tenantId, @status, @studyInstanceUid, @instanceCount, @totalBytes, @urgency, @sortProbability,
       @decision, @createdAt, @updatedAt, @submittedAt, @completedAt)`,
  );
  sqlite.transaction(() => {
    for (const r of rows) insert.run(r);
  })();

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await signInBrowser(context, url);

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
    machine: machineAtEnd(),
    setup: { studies: STUDIES, runs: RUNS, rowsPerPage: 25 },
    targets: { worklistMs: 1000, worklistJsGzipKb: 300 },
    worklist: { medianMs: round(median(times)), runsMs: times.map((t) => round(t)) },
    javascript: { scripts: js.scripts, kb: round(js.bytes / 1024), gzipKb: round(js.gzipBytes / 1024) },
  };
  console.log(
    `worklist of ${STUDIES} studies: median ${result.worklist.medianMs} ms from navigation to 25 rows (target ≤ 1000); ` +
      `JS ${result.javascript.gzipKb} KB gzip (target ≤ 300)`,
  );
  writeBenchResult('dashboard', result);
} finally {
  await browser.close();
  await stack.close();
}
