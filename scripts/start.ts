/**
 * The one-command stack (run by `npm start` through scripts/start.mjs): the API with the dashboard
 * on one origin, one runner with the demo model, on the embedded default (SQLite and a blob folder
 * under data/embolus). On first run it creates a tenant and an admin user. Ctrl-C stops it all.
 *
 * Environment: PORT (default 8080; 0 picks a free port), EMBOLUS_HOST (127.0.0.1),
 * EMBOLUS_DATA_DIR (data/embolus), EMBOLUS_TENANT (default), EMBOLUS_ADMIN_EMAIL
 * (admin@embolus.local), EMBOLUS_ADMIN_PASSWORD (else generated and printed once), and every
 * EMBOLUS_* variable of the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDashboardDir, ensureFirstAdmin, hasDashboard, startServer } from '@embolus/edge-api/node/stack';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER_BIN = path.join(ROOT, 'apps/gpu-runner/bin/embolus-runner.mjs');
const DEMO_MODEL = path.join(ROOT, 'models/demo');
/** The label of the runner key this stack makes at each start (older ones are revoked). */
const RUNNER_KEY_LABEL = 'npm start runner';
const say = (s: string) => process.stderr.write(`${s}\n`);

function portOf(v: string | undefined): number {
  const n = Number(v ?? '8080');
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('PORT must be 0..65535');
  return n;
}

async function main(): Promise<void> {
  const port = portOf(process.env['PORT']);
  const host = process.env['EMBOLUS_HOST'] || '127.0.0.1';
  const dataDir = path.resolve(process.env['EMBOLUS_DATA_DIR'] || path.join(ROOT, 'data', 'embolus'));
  const dashboardDir = defaultDashboardDir();
  if (!hasDashboard(dashboardDir))
    throw new Error(`no built dashboard in ${dashboardDir}: run npm start (it builds it) or npm run build -w @embolus/dashboard`);
  mkdirSync(dataDir, { recursive: true });

  // One request line per call is too chatty for a terminal; EMBOLUS_LOG_LEVEL still decides.
  const env = { EMBOLUS_LOG_LEVEL: 'warn', ...process.env };
  const server = await startServer({ dataDir: path.join(dataDir, 'api'), port, host, env, dashboardDir });
  const { store } = server.runtime.deps;
  const url = `http://${host}:${server.port}`;

  const tenantName = process.env['EMBOLUS_TENANT'] || 'default';
  const admin = await ensureFirstAdmin(store, {
    tenant: tenantName,
    email: process.env['EMBOLUS_ADMIN_EMAIL'] || 'admin@embolus.local',
    password: process.env['EMBOLUS_ADMIN_PASSWORD'],
  });
  if (admin) {
    say(`first run: created tenant '${admin.tenantName}' and admin user ${admin.email}`);
    if (admin.generatedPassword) say(`  generated password (shown once, keep it): ${admin.generatedPassword}`);
  }

  // A fresh runner key each start, so none is ever written to disk; the previous ones are revoked.
  const tenant = await store.tenants.ensure(tenantName);
  for (const k of await store.keys.list(tenant.id))
    if (k.label === RUNNER_KEY_LABEL && !k.revokedAt) await store.keys.revoke(tenant.id, k.id);
  const { key: runnerKey } = await store.keys.create({ tenantId: tenant.id, role: 'runner', label: RUNNER_KEY_LABEL });

  const runnerLog = path.join(dataDir, 'runner.log');
  const log = createWriteStream(runnerLog, { flags: 'a' });
  let stopping = false;
  let runner: ChildProcess | undefined;
  let restarts = 0;
  const startRunner = () => {
    const child = spawn(
      process.execPath,
      [
        RUNNER_BIN,
        '--api',
        `http://127.0.0.1:${server.port}`,
        '--work-dir',
        path.join(dataDir, 'runner'),
        '--model-dir',
        DEMO_MODEL,
        '--poll-seconds',
        '1',
        '--grace-seconds',
        '5',
      ],
      { cwd: ROOT, env: { ...process.env, EMBOLUS_RUNNER_KEY: runnerKey }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log, { end: false });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[runner] ${d.toString()}`));
    child.on('exit', (code, signal) => {
      if (stopping) return;
      // A crashed runner is restarted a few times, then the API keeps serving without one.
      say(`runner exited (${code ?? signal}); see ${runnerLog}`);
      if (restarts++ < 5) setTimeout(() => !stopping && (runner = startRunner()), 2000 * restarts);
    });
    return child;
  };
  runner = startRunner();

  say(`runner: demo model (synthetic phantoms only), log in ${runnerLog}`);
  say(`data: ${dataDir} (SQLite + blob folder)`);
  process.stdout.write(`Embolus is ready: ${url}/  (research software, not for clinical use; Ctrl-C stops)\n`);

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the runner and the API…`);
    const r = runner;
    if (r && r.exitCode === null && r.signalCode === null) {
      const exited = new Promise<void>((res) => r.once('exit', () => res()));
      r.kill('SIGTERM');
      const killer = setTimeout(() => r.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    await server.close();
    log.end();
    say('stopped');
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));
}

main().catch((e: unknown) => {
  say(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
