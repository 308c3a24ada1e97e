/**
 * The HTTP server on Node (@hono/node-server), loopback by default.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../app';
import { openNodeRuntime, type NodeRuntime } from './deps';

/** A running server. */
export interface RunningServer {
  port: number;
  runtime: NodeRuntime;
  close(): Promise<void>;
}

/** Serves the API from `dataDir` on `host:port` (port 0: any free port). */
export async function startServer(options: { dataDir: string; port: number; host?: string; env?: Record<string, string | undefined>; dispatcher?: boolean }): Promise<RunningServer> {
  const runtime = openNodeRuntime(options.dataDir, options.env ? { env: options.env } : {});
  if (options.dispatcher !== false) runtime.startDispatcher();
  const app = createApp(runtime.deps);
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
  return {
    port,
    runtime,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}
