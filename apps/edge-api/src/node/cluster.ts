/**
 * `serve --workers N`: N server processes sharing one port (node:cluster), one SQLite file in
 * WAL mode and one blob folder. SQLite serializes writers across processes; every multi-row
 * change is one transaction and every claim one statement, so correctness does not depend on a
 * single process. Per-process state is made safe: rate limits move to the database, the key
 * cache delays revocations by at most 2 s (EMBOLUS_AUTH_CACHE_SECONDS), worklist pages are checked against the
 * database version, and webhook deliveries are leased.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { cleanLeftovers, openSqlite } from '@embolus/db/node';
import { parseConfig } from '../env';

/** Runs the primary: migrates once, forks `workers` servers, restarts any that die, stops on SIGINT/SIGTERM. */
export async function runPrimary(options: {
  dataDir: string;
  port: number;
  host: string;
  workers: number;
  argv: string[];
}): Promise<number> {
  // Migrate once here, so workers never race to apply the same migration.
  openSqlite(path.join(options.dataDir, 'embolus.sqlite')).close();
  let stopping = false;
  let announced = false;
  const env = { EMBOLUS_RATE_LIMIT_STORE: process.env['EMBOLUS_RATE_LIMIT_STORE'] ?? 'database', EMBOLUS_CLUSTER_WORKER: '1' };
  cluster.setupPrimary({ exec: process.argv[1] as string, args: options.argv });
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    process.stderr.write(
      `embolus-api listening on http://${options.host}:${address.port} ` +
        `(${options.workers} workers, data: ${options.dataDir}); not for clinical use\n`,
    );
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(`${JSON.stringify({ level: 'error', event: 'worker_exit', pid: worker.process.pid, code, signal })}\n`);
    cluster.fork(env);
  });
  for (let i = 0; i < options.workers; i++) cluster.fork(env);
  // Crash leftovers are cleaned once, here, not by every worker; the grace period keeps files
  // the workers are writing meanwhile out of reach.
  void cleanPrimaryLeftovers(options.dataDir);
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
      if (alive.length === 0) return resolve();
      let left = alive.length;
      for (const w of alive) {
        w?.once('exit', () => --left === 0 && resolve());
        w?.kill('SIGTERM');
      }
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function cleanPrimaryLeftovers(dataDir: string): Promise<void> {
  const h = openSqlite(path.join(dataDir, 'embolus.sqlite'), { migrate: false });
  try {
    const r = await cleanLeftovers({
      sqlite: h.sqlite,
      blobRoot: path.join(dataDir, 'blobs'),
      dataDir,
      graceMs: parseConfig(process.env).leftoverGraceMs,
      repair: true,
    });
    if (r.tmpDeleted + r.orphansQuarantined > 0) {
      process.stderr.write(
        `${JSON.stringify({
          level: 'warn',
          event: 'leftovers.cleaned',
          tmpDeleted: r.tmpDeleted,
          orphansQuarantined: r.orphansQuarantined,
          young: r.young,
        })}\n`,
      );
    }
  } catch (e) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', event: 'leftovers.clean_failed', code: (e as { code?: string }).code ?? 'INTERNAL' })}\n`,
    );
  } finally {
    h.close();
  }
}

/** True in a process forked by {@link runPrimary}. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env['EMBOLUS_CLUSTER_WORKER'] === '1';
}
