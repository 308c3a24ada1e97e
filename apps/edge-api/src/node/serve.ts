/**
 * The HTTP server on Node (@hono/node-server), loopback by default.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { LeftoverReport } from '@embolus/db/node';
import { createApp } from '../app';
import { hasDashboard, withDashboard } from './dashboard';
import { openNodeRuntime, type NodeRuntime } from './deps';

/** A running server. */
export interface RunningServer {
  port: number;
  runtime: NodeRuntime;
  /** The start-up cleanup of crash leftovers (null when not asked for); runs after listening. */
  leftovers: Promise<LeftoverReport | null>;
  close(): Promise<void>;
}

/**
 * Serves the API from `dataDir` on `host:port` (port 0: any free port). `dispatcher` (default
 * on) starts the webhook and audit-pruning timers; `cleanLeftovers` (default on) cleans crash
 * leftovers older than the grace period once listening (`serve --workers N` does it once, in
 * the primary).
 */
export async function startServer(options: {
  dataDir: string;
  port: number;
  host?: string;
  env?: Record<string, string | undefined>;
  dispatcher?: boolean;
  cleanLeftovers?: boolean;
  /** A built dashboard (static export) to serve beside the API from the same origin (issue 16). */
  dashboardDir?: string;
}): Promise<RunningServer> {
  const runtime = openNodeRuntime(options.dataDir, options.env ? { env: options.env } : {});
  if (options.dispatcher !== false) {
    runtime.startDispatcher();
    runtime.startMaintenance();
  }
  const api = createApp(runtime.deps);
  const app = options.dashboardDir && hasDashboard(options.dashboardDir) ? withDashboard(api, options.dashboardDir) : api;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? '127.0.0.1' }, () => resolve(s));
  });
  // Idle keep-alive connections stay open longer than the usual proxy and client idle timeouts
  // (60 s), so the server is never the side that closes a connection a client is reusing.
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  // After listening: a large blob folder must not delay start-up, and only old files are touched.
  const leftovers =
    options.cleanLeftovers === false
      ? Promise.resolve(null)
      : runtime.cleanLeftovers().catch((e) => {
          runtime.deps.logger.log('error', 'leftovers.clean_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
          return null;
        });
  return {
    port,
    runtime,
    leftovers,
    async close() {
      await leftovers;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}
