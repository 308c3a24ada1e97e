/**
 * Benchmark of the dashboard's cohort page (/quality: AUROC over time with DeLong bands and label
 * coverage) in headless chromium, loopback only: a tenant with 100,000 analysed studies × 9
 * labels over 12 months (`seedCohort`, 90 % with ground truth). Each run opens the page in a new
 * tab and waits until the AUROC chart and its table are drawn (target ≤ 2 s, API included).
 *
 * From the browser's own timings it prints, separately:
 *  - API: the time the page's /v1 calls covered (union of their intervals: the critical path),
 *    and the sum of their durations;
 *  - render: everything else (HTML, scripts, React, the SVG), i.e. total − API critical path.
 * The first run after start (the API's cohort cache cold) is reported apart from the median of
 * the warm runs. Needs a built dashboard and /usr/bin/chromium. Writes bench/results/cohort-page.json.
 *
 * Run: npx tsx bench/cohort-page.bench.ts   (STUDIES=… to change the size)
 */
import { seedCohort } from '@embolus/db/seed';
import { launchChromium, signInBrowser, startDashboardServer } from '@embolus/local-stack/dashboard';
import { machineAtEnd, median, round, writeBenchResult } from '@embolus/local-stack/stats';

const STUDIES = Number(process.env['STUDIES'] ?? 100_000);
const RUNS = 7;

/** One page load's timings, all in ms from navigation start (the browser's clock). */
interface Run {
  totalMs: number;
  apiCriticalMs: number;
  apiSumMs: number;
  renderMs: number;
  /** Render before the first /v1 call (HTML, scripts, hydration) and after the last answer (drawing). */
  bootMs: number;
  drawMs: number;
  calls: { path: string; startMs: number; durationMs: number }[];
}

/** Length of the union of intervals. */
function unionLength(intervals: [number, number][]): number {
  const s = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of s) {
    if (a > end) {
      total += b - a;
      end = b;
    } else if (b > end) {
      total += b - end;
      end = b;
    }
  }
  return total;
}

const stack = await startDashboardServer('cohort');
const { server, url } = stack;
const browser = await launchChromium();
try {
  const t0 = performance.now();
  await seedCohort(server.runtime.sqlite.driver, {
    tenantId: stack.tenantId,
    studies: STUDIES,
    months: 12,
    end: Date.now(),
    seed: 18,
    drift: { label: 'negative_exam_for_pe', auroc: 0.6, months: 3 },
  });
  const seedMs = performance.now() - t0;

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(`(() => {
    const drawn = () =>
      document.querySelector('svg[data-chart="auroc-over-time"] circle[data-period]') &&
      document.querySelector('svg[data-chart="coverage"]');
    new MutationObserver((_, o) => {
      if (drawn()) {
        window.__drawnAt = performance.now();
        o.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  })()`);
  await signInBrowser(context, url);

  const runs: Run[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    const p = await context.newPage();
    await p.goto(`${url}/quality`);
    // Drawn: the AUROC points and the coverage chart. The time is taken in the page by a
    // MutationObserver (installed before any script runs), so the driver's round trips are not counted.
    await p.locator('svg[data-chart="auroc-over-time"] circle[data-period]').first().waitFor();
    await p.locator('svg[data-chart="coverage"]').waitFor();
    const timing = await p.evaluate<{ total: number; calls: { name: string; start: number; end: number }[] }>(`(() => ({
      total: window.__drawnAt,
      calls: performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.startsWith('/v1/'))
        .map((e) => ({ name: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd })),
    }))()`);
    const apiCriticalMs = unionLength(timing.calls.map((c) => [c.start, c.end]));
    runs.push({
      totalMs: timing.total,
      apiCriticalMs,
      apiSumMs: timing.calls.reduce((s, c) => s + (c.end - c.start), 0),
      renderMs: timing.total - apiCriticalMs,
      bootMs: Math.min(...timing.calls.map((c) => c.start)),
      drawMs: timing.total - Math.max(...timing.calls.map((c) => c.end)),
      calls: timing.calls.map((c) => ({ path: c.name, startMs: round(c.start), durationMs: round(c.end - c.start) })),
    });
    await p.close();
  }
  const [cold, ...warm] = runs as [Run, ...Run[]];
  type Timed = 'totalMs' | 'apiCriticalMs' | 'apiSumMs' | 'renderMs' | 'bootMs' | 'drawMs';
  const med = (k: Timed) => round(median(warm.map((x) => x[k])));
  const result = {
    machine: machineAtEnd(),
    setup: {
      studies: STUDIES,
      labels: 9,
      months: 12,
      labelledFraction: 0.9,
      seedMs: round(seedMs),
      warmRuns: RUNS,
      page: '/quality',
    },
    target: { totalMs: 2000 },
    warm: {
      totalMs: med('totalMs'),
      apiCriticalMs: med('apiCriticalMs'),
      apiSumMs: med('apiSumMs'),
      renderMs: med('renderMs'),
      bootMs: med('bootMs'),
      drawMs: med('drawMs'),
      runsTotalMs: warm.map((x) => round(x.totalMs)),
    },
    cold: {
      totalMs: round(cold.totalMs),
      apiCriticalMs: round(cold.apiCriticalMs),
      apiSumMs: round(cold.apiSumMs),
      renderMs: round(cold.renderMs),
      bootMs: round(cold.bootMs),
      drawMs: round(cold.drawMs),
      calls: cold.calls,
    },
    calls: warm[Math.floor(warm.length / 2)]?.calls ?? [],
  };
  console.log(`cohort page, ${STUDIES.toLocaleString('en')} studies × 9 labels (seeded in ${round(seedMs / 1000)} s)`);
  const { warm: w, cold: first } = result;
  console.log(
    `  warm, medians of ${RUNS} loads: total ${w.totalMs} ms (target ≤ 2000); ` +
      `API ${w.apiCriticalMs} ms (critical path; sum of calls ${w.apiSumMs} ms); ` +
      `render ${w.renderMs} ms (total − API critical path: ${w.bootMs} ms before the first call, ` +
      `${w.drawMs} ms drawing after the last answer)`,
  );
  console.log(
    `  first load (API's cohort cache cold): total ${first.totalMs} ms; ` + `API ${first.apiCriticalMs} ms; render ${first.renderMs} ms`,
  );
  for (const c of result.calls) console.log(`    ${c.path}: ${c.durationMs} ms from ${c.startMs} ms`);
  writeBenchResult('cohort-page', result);
} finally {
  await browser.close();
  await stack.close();
}
