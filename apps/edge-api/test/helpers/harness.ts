/**
 * The app over in-memory SQLite and an in-memory blob store, with a hand-moved clock, a
 * recording logger and a fake fetch for webhooks. Requests go through `app.request()`.
 */
import { createStore, MemoryBlobStore, type Role } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { createApp } from '../../src/app';
import type { AppDeps } from '../../src/deps';
import { parseConfig } from '../../src/env';
import { memoryLogger } from '../../src/log';
import { MemoryRateLimiter } from '../../src/middleware/rate-limit';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public t = Date.UTC(2026, 2, 2, 9)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A webhook request the fake fetch received. */
export interface SentHook {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Harness {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  clock: TestClock;
  logger: ReturnType<typeof memoryLogger>;
  blobs: MemoryBlobStore;
  /** Webhook requests, and the status the fake endpoint answers. */
  hooks: { sent: SentHook[]; status: number };
  /**
   * The fake DNS of webhook target checks: names mapped to addresses. Names not listed resolve
   * to a public address (93.184.215.14) when they end in `.example` or `.example.com`, and do
   * not resolve otherwise. The client address of a request is its `x-test-client-address`.
   */
  dns: Map<string, string[]>;
  key(tenant: string, role: Role): Promise<string>;
  request(
    method: string,
    path: string,
    opts?: { key?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): void;
}

/** Builds a harness; `env` overrides configuration (limits, rate limits…). */
export function harness(env: Record<string, string> = {}): Harness {
  const sqlite = openSqlite(':memory:');
  const clock = new TestClock();
  const store = createStore(sqlite.driver, clock);
  const logger = memoryLogger();
  const blobs = new MemoryBlobStore();
  const hooks = { sent: [] as SentHook[], status: 200 };
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    hooks.sent.push({ url: String(input), headers, body: String(init?.body ?? '') });
    return new Response([204, 205, 304].includes(hooks.status) ? null : 'ok', { status: hooks.status });
  }) as typeof fetch;
  const dns = new Map<string, string[]>();
  const resolveHost = async (name: string): Promise<string[]> => {
    const listed = dns.get(name);
    if (listed) return listed;
    if (/\.example(\.com)?$/.test(name)) return ['93.184.215.14'];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const config = parseConfig({ EMBOLUS_RATE_LIMIT_PER_MINUTE: '100000', EMBOLUS_AUTH_CACHE_SECONDS: '0', ...env });
  const deps: AppDeps = {
    store,
    blobs,
    config,
    clock,
    logger,
    rateLimiter: new MemoryRateLimiter(clock),
    fetch: fakeFetch,
    resolveHost,
    clientAddress: (c) => c.req.header('x-test-client-address'),
  };
  const app = createApp(deps);
  return {
    deps,
    app,
    clock,
    logger,
    blobs,
    hooks,
    dns,
    async key(tenant, role) {
      const t = await store.tenants.ensure(tenant);
      return (await store.keys.create({ tenantId: t.id, role })).key;
    },
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.key) headers['authorization'] = `Bearer ${opts.key}`;
      let body = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      return app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    close: () => sqlite.close(),
  };
}

/** Everything a test needs to read an error body. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  const body = (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
  return body.error;
}
