/**
 * API outages during a job are the infrastructure's fault, not the job's: a runner whose API goes
 * away for 5 s (connections reset, then refused) in the middle of downloading the study and again
 * in the middle of uploading the artifacts waits it out and completes the job on its first
 * attempt. The API is real (Node, SQLite, a data folder); the runner reaches it through a
 * loopback proxy that the test takes down at exactly those two moments.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-outage');
let api: Api;
const runners: RunnerProcess[] = [];
let studyDir: string;

/** One outage: when it began and ended, and how many requests it cut off. */
interface Outage {
  startedAt: number;
  endedAt: number | null;
  cut: number;
}

/**
 * A pass-through proxy in front of `target` that goes down for `ms` the first time a request
 * matches each trigger: open connections are reset, and new ones are refused (nothing listens)
 * until the outage ends, then it listens on the same port again.
 */
async function outageProxy(target: string, triggers: ((req: IncomingMessage) => boolean)[], ms: number) {
  const outages: Outage[] = [];
  const pending = [...triggers];
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  let current: Outage | null = null;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer(handle);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  function goDown(): void {
    current = { startedAt: Date.now(), endedAt: null, cut: 0 };
    outages.push(current);
    server.close();
    for (const s of sockets) s.destroy();
    setTimeout(() => {
      void listen().then(() => {
        current!.endedAt = Date.now();
        current = null;
      });
    }, ms);
  }
  function handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    if (!current && pending.length && pending[0]!(req)) {
      pending.shift();
      goDown();
    }
    if (current) {
      current.cut++;
      req.socket.destroy();
      return;
    }
    const up = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
  await listen();
  return {
    url: () => `http://127.0.0.1:${port}`,
    outages,
    close: () => new Promise<void>((r) => (server.close(() => r()), sockets.forEach((s) => s.destroy()))),
  };
}

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 14, study: { preset: 'demo' } });
  studyDir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  api = await startApi(path.join(tmp.dir, 'api'));
});

afterAll(async () => {
  for (const r of runners) await stopRunner(r, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

describe('an API outage during a job', () => {
  it('costs the job no attempt: the runner waits it out and completes on attempt 1', async () => {
    const downloading = (req: IncomingMessage) =>
      req.method === 'GET' && /^\/v1\/runner\/jobs\/[^/]+\/instances\/[^/]+$/.test(req.url ?? '');
    const uploading = (req: IncomingMessage) => req.method === 'PUT' && /\/artifacts\//.test(req.url ?? '');
    const proxy = await outageProxy(api.url, [downloading, uploading], 5_000);
    try {
      const r = startRunner({ ...api, url: proxy.url() }, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--lease-seconds', '30']);
      runners.push(r);
      const { studyId, jobId } = await uploadStudy(api, await api.key('clinician'), studyDir);
      await r.waitForLog((l) => l.event === 'job.completed' && l.jobId === jobId, 150_000);

      // Both outages happened, lasted 5 s, and cut the runner's requests off.
      expect(proxy.outages).toHaveLength(2);
      for (const o of proxy.outages) {
        expect(o.endedAt! - o.startedAt).toBeGreaterThanOrEqual(5_000);
        expect(o.cut).toBeGreaterThanOrEqual(1);
      }
      const store = api.server.runtime.deps.store;
      const tenant = (await store.tenants.ensure('hospital')).id;
      const job = await store.jobs.get(tenant, jobId);
      expect(job).toMatchObject({ status: 'done', attempts: 1, lastError: null });
      expect(await store.results.forJob(tenant, jobId)).not.toBeNull();
      expect((await store.studies.get(tenant, studyId))?.status).toBe('complete');
      expect(r.logs.filter((l) => l.event === 'job.claimed')).toHaveLength(1);
      expect(r.logs.map((l) => l.event)).not.toContain('job.failed');
      expect(await stopRunner(r)).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
