/**
 * Benchmark of the study viewer in headless chromium (loopback only). A 256-slice 512² phantom
 * is uploaded through the API; then, in new tabs of one signed-in browser:
 *  1. time from navigation to the first image rendered (cornerstone's first IMAGE_RENDERED,
 *     marked `embolus:first-image`), median of several runs (target ≤ 1.5 s);
 *  2. after every slice has loaded, scrolling through all slices one per animation frame:
 *     slices rendered per second and the requestAnimationFrame intervals (target ≥ 30 fps);
 *  3. the tab's memory after the full scroll (CDP Performance.getMetrics);
 *  4. the JavaScript the viewer route loads (gzip), cornerstone included.
 * Needs a built dashboard (`npm run build -w @embolus/dashboard`) and /usr/bin/chromium.
 * Prints medians and writes bench/results/viewer.json.
 *
 * Run: npx tsx bench/viewer.bench.ts
 */
import { gzipSync } from 'node:zlib';
import { BENCH_ADMIN, launchChromium, signInBrowser, startDashboardServer } from '@embolus/local-stack/dashboard';
import { machineAtEnd, median, round, writeBenchResult } from '@embolus/local-stack/stats';
import { generateStudy } from '@embolus/phantom';
import type { Page } from 'playwright-core';

const SLICES = 256;
const MATRIX = 512;
const RUNS = 5;

/**
 * Scrolls through every slice as a held-down arrow key or a steady wheel would: one ArrowDown
 * (the viewer's own handler) per animation frame, until the last slice has rendered. fps counts
 * the slices actually rendered per second, so a slice skipped because rendering fell behind
 * does not count. Counts the
 * distinct slices cornerstone rendered (IMAGE_RENDERED) and keeps every rAF interval.
 */
async function scrollAll(page: Page): Promise<{ ms: number; slices: number; rendered: number; frameMs: number[] }> {
  return (await page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('.vw-viewport');
    const n = embolusViewer.imageIds().length;
    const seen = new Set();
    let last = -1;
    el.addEventListener('CORNERSTONE_IMAGE_RENDERED', () => { last = embolusViewer.index(); seen.add(last); });
    const frames = [];
    const step = (t) => {
      frames.push(t);
      if (last === n - 1) {
        const frameMs = frames.slice(1).map((x, i) => x - frames[i]);
        return resolve({ ms: t - frames[0], slices: n - 1, rendered: seen.size, frameMs });
      }
      // From a task after the frame, as the browser delivers a real key or wheel event (not from
      // inside rAF, which would push every render to the frame after).
      setTimeout(() => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })), 0);
      requestAnimationFrame(step);
    };
    el.focus();
    // From the first slice (after the reorder the viewer stays on the slice it showed first).
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    const start = () =>
      last === 0 ? (seen.clear(), seen.add(0), requestAnimationFrame(step)) : requestAnimationFrame(start);
    requestAnimationFrame(start);
  })`)) as { ms: number; slices: number; rendered: number; frameMs: number[] };
}

const stack = await startDashboardServer('viewer');
const { url } = stack;
const browser = await launchChromium();
try {
  const signIn = await fetch(`${url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const auth = {
    cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string,
    'x-csrf-token': ((await signIn.json()) as { csrfToken: string }).csrfToken,
  };

  const tGen = performance.now();
  const study = generateStudy({ seed: 11, kind: 'negative', preset: 'full', matrix: MATRIX, slices: SLICES });
  const genMs = performance.now() - tGen;
  const id = (
    (await (
      await fetch(`${url}/v1/studies`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })
    ).json()) as { id: string }
  ).id;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < study.files.length) {
        const f = study.files[next++]!;
        const res = await fetch(`${url}/v1/studies/${id}/instances/${f.sopInstanceUid}`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/dicom' },
          body: f.bytes,
        });
        if (res.status !== 201) throw new Error(`upload ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const bytes = study.files.reduce((n, f) => n + f.bytes.length, 0);

  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await signInBrowser(context, url);

  const firstImage: number[] = [];
  const allLoaded: number[] = [];
  const stages: Record<string, number>[] = [];
  let scroll: { ms: number; slices: number; rendered: number; frameMs: number[] } | null = null;
  let memory: Record<string, number> = {};
  const js = new Map<string, Buffer>();
  for (let r = 0; r < RUNS; r++) {
    const page = await context.newPage();
    if (r === 0)
      page.on(
        'response',
        (res) =>
          void (res.url().endsWith('.js')
            ? res
                .body()
                .then((b) => js.set(res.url(), b))
                .catch(() => undefined)
            : undefined),
      );
    await page.goto(`${url}/viewer?id=${id}`);
    await page.waitForFunction(() => performance.getEntriesByName('embolus:first-image').length > 0, undefined, {
      timeout: 60_000,
      polling: 20,
    });
    const marks = (await page.evaluate(() =>
      Object.fromEntries(
        ['embolus:viewer-data', 'embolus:cornerstone-ready', 'embolus:first-image'].map((n) => [
          n.slice(8),
          performance.getEntriesByName(n)[0]?.startTime ?? NaN,
        ]),
      ),
    )) as Record<string, number>;
    firstImage.push(marks['first-image']!);
    stages.push(marks);
    await page.locator('[data-ordered="true"]').waitFor({ timeout: 180_000 });
    allLoaded.push((await page.evaluate(() => performance.now())) as number);
    if (r === RUNS - 1) {
      scroll = await scrollAll(page);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const { metrics } = await cdp.send('Performance.getMetrics');
      memory = Object.fromEntries(metrics.filter((m) => /JSHeap|Nodes|Documents/.test(m.name)).map((m) => [m.name, m.value]));
      // Decoded pixels live in ArrayBuffers outside the JS heap: cornerstone's cache says how much.
      memory['cacheBytes'] = (await page.evaluate('embolusViewer.cacheBytes()')) as number;
    }
    await page.close();
  }
  const jsBytes = [...js.values()].reduce((n, b) => n + b.length, 0);
  const jsGzip = [...js.values()].reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
  const s = scroll!;
  const result = {
    machine: machineAtEnd(),
    setup: {
      slices: SLICES,
      matrix: MATRIX,
      studyMb: round(bytes / 2 ** 20),
      runs: RUNS,
      phantomMs: round(genMs, 0),
      loader: 'wadouri (instance route), decode in web workers, all slices prefetched nearest-first',
    },
    targets: { firstImageMs: 1500, scrollFps: 30 },
    firstImage: {
      medianMs: round(median(firstImage)),
      runsMs: firstImage.map((t) => round(t)),
      stagesMs: stages.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)]))),
    },
    allSlicesLoaded: { medianMs: round(median(allLoaded)), runsMs: allLoaded.map((t) => round(t)) },
    scroll: {
      slices: s.slices,
      renderedSlices: s.rendered,
      ms: round(s.ms),
      fps: round((s.rendered / s.ms) * 1000),
      frames: s.frameMs.length,
      rafMedianMs: round(median(s.frameMs), 2),
      rafP95Ms: round([...s.frameMs].sort((a, b) => a - b)[Math.floor(s.frameMs.length * 0.95)]!, 1),
      rafMaxMs: round(Math.max(...s.frameMs), 1),
    },
    memoryAfterScroll: {
      jsHeapUsedMb: round((memory['JSHeapUsedSize'] ?? 0) / 2 ** 20),
      jsHeapTotalMb: round((memory['JSHeapTotalSize'] ?? 0) / 2 ** 20),
      imageCacheMb: round((memory['cacheBytes'] ?? 0) / 2 ** 20),
      domNodes: memory['Nodes'] ?? 0,
    },
    javascript: { files: js.size, kb: round(jsBytes / 1024), gzipKb: round(jsGzip / 1024) },
  };
  const mem = result.memoryAfterScroll;
  console.log(
    `viewer, ${SLICES} × ${MATRIX}²: first image median ${result.firstImage.medianMs} ms (target ≤ 1500); ` +
      `all slices loaded ${result.allSlicesLoaded.medianMs} ms; ` +
      `scroll ${result.scroll.fps} frames/s (${s.rendered} of ${s.slices + 1} slices rendered) ` +
      `(rAF median ${result.scroll.rafMedianMs} ms; target ≥ 30); ` +
      `JS heap after scroll ${mem.jsHeapUsedMb} MB + ${mem.imageCacheMb} MB of decoded images; ` +
      `viewer JS ${result.javascript.gzipKb} KB gzip`,
  );
  writeBenchResult('viewer', result);
} finally {
  await browser.close();
  await stack.close();
}
