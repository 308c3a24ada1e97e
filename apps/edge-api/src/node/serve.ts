/**
 * The HTTP server on Node (@hono/node-server), loopback by default, with bounds on slow or
 * numerous clients: a header timeout, a body idle timeout and a connection cap.
 */
import { Server } from 'node:http';
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
    runtime.startAlerts();
  }
  const api = createApp(runtime.deps);
  const app = options.dashboardDir && hasDashboard(options.dashboardDir) ? withDashboard(api, options.dashboardDir) : api;
  const { headersTimeoutMs, bodyIdleTimeoutMs, maxConnections } = runtime.deps.config;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: options.host ?? '127.0.0.1',
        serverOptions: {
          // Headers must arrive within headersTimeoutMs in total; Node checks at this interval.
          headersTimeout: headersTimeoutMs,
          connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
        },
      },
      () => resolve(s),
    );
  });
  if (server instanceof Server) limitSlowClients(server, { headersTimeoutMs, bodyIdleTimeoutMs, maxConnections });
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

/**
 * Bounds what slow clients can hold: a connection that sends nothing for `headersTimeoutMs`
 * before its headers, or pauses longer than `bodyIdleTimeoutMs` while its body is read, is
 * closed; at most `maxConnections` are open at once per process (more are closed at once). The idle timer
 * runs only while the request is being received, so a handler busy with a large upload, or a
 * download to a slow reader, is not cut off; idle keep-alive connections keep Node's own timer.
 */
export function limitSlowClients(
  server: Server,
  limits: { headersTimeoutMs: number; bodyIdleTimeoutMs: number; maxConnections: number },
): void {
  // Idle keep-alive connections stay open longer than the usual proxy and client idle timeouts
  // (60 s), so the server is never the side that closes a connection a client is reusing.
  server.keepAliveTimeout = 65_000;
  // Counted here rather than with server.maxConnections: in a cluster worker a connection that
  // maxConnections refuses goes back to the primary, which hands it to the next worker, and so
  // on, held open and unserved. Closing it here ends it.
  let open = 0;
  server.on('connection', (socket) => {
    open++;
    socket.once('close', () => open--);
    if (open > limits.maxConnections) {
      socket.destroy();
      return;
    }
    // A socket timeout with no 'timeout' listener makes Node destroy the socket.
    socket.setTimeout(limits.headersTimeoutMs);
  });
  server.on('request', (req, res) => {
    // Node marks even a GET incomplete until its (empty) body is read, so look at the headers.
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || req.complete) {
      req.socket.setTimeout(0);
      return;
    }
    req.socket.setTimeout(limits.bodyIdleTimeoutMs);
    // Body received: stop the idle timer, unless the response already finished and Node has set
    // its keep-alive timer on the socket.
    req.once('end', () => {
      if (!res.writableFinished) req.socket.setTimeout(0);
    });
  });
}
