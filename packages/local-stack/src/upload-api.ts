/**
 * The real API for upload tests and the de-identification bench, in process: createApp over an
 * on-disk SQLite store and a folder blob store, served by @hono/node-server on 127.0.0.1. A thin
 * front can fail requests on purpose (what a flaky network or an overloaded server does), record
 * request bodies, and serve static files (the browser harness) from the same origin.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createStore, systemClock, type Role } from '@embolus/db';
import { FolderBlobStore, openSqlite } from '@embolus/db/node';
import { createApp, memoryLogger, MemoryRateLimiter, parseConfig } from '@embolus/edge-api';

/** A request as the front saw it. */
export interface Seen {
  method: string;
  path: string;
  body: Uint8Array;
  headers: Record<string, string>;
}

/** What the front does to the next matching request instead of passing it on. */
export type Fault = { match: (method: string, path: string) => boolean; times: number } & (
  | { status: number; retryAfter?: number }
  | { drop: true }
);

export interface TestApi {
  base: string;
  key: string;
  seen: Seen[];
  faults: Fault[];
  /** Answered with 401 while true (an expired session). */
  unauthorized: { on: boolean };
  store: ReturnType<typeof createStore>;
  /** Resolves once no request is being handled (a cancelled client's last PUT may still be). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the API; `statics` maps URL paths to files served as-is; `routes` answers other paths first (null: not handled). */
export async function startApi(
  options: {
    env?: Record<string, string>;
    statics?: Record<string, string>;
    record?: boolean;
    routes?: (req: Request) => Promise<Response | null>;
  } = {},
): Promise<TestApi> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-deid-'));
  const sqlite = openSqlite(path.join(dir, 'embolus.sqlite'));
  const store = createStore(sqlite.driver, systemClock);
  const config = parseConfig({ EMBOLUS_RATE_LIMIT_PER_MINUTE: '1000000', EMBOLUS_AUTH_CACHE_SECONDS: '0', ...options.env });
  const app = createApp({
    store,
    blobs: new FolderBlobStore(path.join(dir, 'blobs')),
    config,
    clock: systemClock,
    logger: memoryLogger(),
    rateLimiter: new MemoryRateLimiter(systemClock),
    fetch: (async () => new Response(null, { status: 204 })) as typeof fetch,
  });
  const tenant = await store.tenants.ensure('deid-test');
  const key = (await store.keys.create({ tenantId: tenant.id, role: 'clinician' as Role })).key;
  const seen: Seen[] = [];
  const faults: Fault[] = [];
  const unauthorized = { on: false };
  let inflight = 0;
  const fetchFront = async (req: Request): Promise<Response> => {
    inflight++;
    try {
      return await handle(req);
    } finally {
      inflight--;
    }
  };
  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const file = options.statics?.[url.pathname];
    if (file) {
      const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      return new Response(readFileSync(file), { headers: { 'content-type': type } });
    }
    const routed = await options.routes?.(req);
    if (routed) return routed;
    // Nothing to record or inject: the request goes to the API as it came (no extra copy).
    if (options.record === false && faults.every((f) => f.times === 0) && !unauthorized.on) return app.fetch(req);
    const body = new Uint8Array(await req.arrayBuffer());
    if (options.record !== false)
      seen.push({ method: req.method, path: url.pathname, body, headers: Object.fromEntries(req.headers.entries()) });
    const fault = faults.find((f) => f.times > 0 && f.match(req.method, url.pathname));
    if (fault) {
      fault.times--;
      if ('drop' in fault) throw new Error('dropped on purpose');
      return new Response(JSON.stringify({ error: { code: 'INJECTED', message: 'injected failure', details: {} } }), {
        status: fault.status,
        headers: {
          'content-type': 'application/json',
          ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
        },
      });
    }
    if (unauthorized.on)
      return new Response(JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'no session', details: {} } }), { status: 401 });
    const init: RequestInit = { method: req.method, headers: req.headers };
    if (body.length > 0) init.body = body;
    return app.fetch(new Request(req.url, init));
  };
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: fetchFront, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    key,
    seen,
    faults,
    unauthorized,
    store,
    async idle() {
      while (inflight > 0) await new Promise((r) => setTimeout(r, 10));
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
