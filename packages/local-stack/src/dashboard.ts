/**
 * The dashboard in headless Debian chromium, for the browser benches: the API on Node serving the
 * built dashboard over a temporary data folder with a first admin, chromium launched with the
 * flags every bench uses, and a signed-in browser context.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultDashboardDir, ensureFirstAdmin, hasDashboard, type RunningServer, startServer } from '@embolus/edge-api/node/stack';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** The browser: $EMBOLUS_CHROMIUM, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env['EMBOLUS_CHROMIUM'] ?? '/usr/bin/chromium';

/** Headless, no sandbox (containers), no GPU, and nothing that reaches the network. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

/** Launches chromium through playwright with `CHROMIUM_ARGS` (and `extraArgs`). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** The admin every browser bench signs in as (a benchmark tenant, no real account). */
export const BENCH_ADMIN = { email: 'bench@embolus.local', password: 'a benchmark password' };

/** The API serving the dashboard, with the benchmark tenant and its admin. */
export interface DashboardServer {
  server: RunningServer;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The exported dashboard it serves. */
  dashboardDir: string;
  /** The benchmark tenant's id. */
  tenantId: string;
  /** Stops the server and removes its data folder. */
  close(): Promise<void>;
}

/**
 * Starts the API on Node on a free loopback port, serving the built dashboard (throws if it is not
 * built), over a fresh data folder (`prefix` names it), without a dispatcher, quiet logs and no
 * rate limit to speak of; creates the tenant `bench` and `BENCH_ADMIN` in it.
 */
export async function startDashboardServer(prefix: string): Promise<DashboardServer> {
  const dashboardDir = defaultDashboardDir();
  if (!hasDashboard(dashboardDir)) throw new Error('build the dashboard first: npm run build -w @embolus/dashboard');
  const dataDir = mkdtempSync(path.join(tmpdir(), `embolus-bench-${prefix}-`));
  const server = await startServer({
    dataDir,
    port: 0,
    dashboardDir,
    dispatcher: false,
    env: { EMBOLUS_LOG_LEVEL: 'error', EMBOLUS_RATE_LIMIT_PER_MINUTE: '1000000' },
  });
  const close = async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { store } = server.runtime.deps;
    const admin = await ensureFirstAdmin(store, { tenant: 'bench', ...BENCH_ADMIN });
    const tenantId = (await store.tenants.byName('bench'))?.id ?? '';
    if (!admin || !tenantId) throw new Error('could not create the benchmark tenant');
    return { server, url: `http://127.0.0.1:${server.port}`, dashboardDir, tenantId, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Signs `context` in through the dashboard's sign-in page at `url` (so its session cookie is
 * set for every later page) and waits for the worklist; the page it used is closed.
 */
export async function signInBrowser(context: BrowserContext, url: string, who = BENCH_ADMIN): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Worklist' }).waitFor();
  await page.close();
}
