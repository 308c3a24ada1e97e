/**
 * Platform runners (role platform-runner): one key that claims jobs of every tenant,
 * round-robin by tenant, and sees only what the jobs it holds need.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore, PLATFORM_TENANT } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/node/cli';
import { ctStudy } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness({ EMBOLUS_LEASE_SECONDS: '60' });
afterAll(() => h.close());

type Claim = { job: { id: string; kind: string; studyId: string | null }; leaseToken: string };
const k: Record<string, string> = {};

async function submitted(
  tenant: 'a' | 'b' | 'c',
  priority: 'routine' | 'urgent' = 'routine',
): Promise<{ id: string; jobId: string; sop: string }> {
  const key = k[`${tenant}Clinician`] as string;
  const { id } = (await (await h.request('POST', '/v1/studies', { key, json: { priority } })).json()) as { id: string };
  const s = ctStudy(1);
  const slice = s.slices[0] as { sop: string; bytes: Uint8Array };
  expect(
    (
      await h.request('PUT', `/v1/studies/${id}/instances/${slice.sop}`, {
        key,
        body: slice.bytes as never,
        headers: { 'content-type': 'application/dicom' },
      })
    ).status,
  ).toBe(201);
  const sub = (await (await h.request('POST', `/v1/studies/${id}/submit`, { key })).json()) as { job: { id: string } };
  return { id, jobId: sub.job.id, sop: slice.sop };
}

async function claim(key = k['platform'] as string): Promise<Claim | null> {
  const res = await h.request('POST', '/v1/runner/jobs/claim', { key, json: {} });
  if (res.status === 204) return null;
  expect(res.status).toBe(200);
  return (await res.json()) as Claim;
}

const lease = (c: Claim) => ({ 'embolus-lease-token': c.leaseToken });

async function finish(c: Claim, key = k['platform'] as string): Promise<void> {
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key,
    json: { result: analysisResult() },
    headers: lease(c),
  });
  expect(res.status).toBe(200);
}

/** Completes every waiting job (so each test starts from an empty queue). */
async function drain(): Promise<void> {
  for (let c = await claim(); c; c = await claim()) await finish(c);
}

beforeAll(async () => {
  for (const t of ['a', 'b', 'c'] as const) {
    for (const role of ['clinician', 'quality', 'admin', 'runner'] as const)
      k[`${t}${role[0]?.toUpperCase()}${role.slice(1)}`] = await h.key(`tenant-${t}`, role);
  }
  k['platform'] = await h.key('@platform', 'platform-runner');
  k['platform2'] = await h.key('@platform', 'platform-runner');
});

describe('fairness', () => {
  it('claims tenant B’s urgent study within the first claims after tenant A’s 500-study backlog', { timeout: 120_000 }, async () => {
    await drain();
    const tenantOf = new Map<string, string>();
    for (let i = 0; i < 500; i++) {
      tenantOf.set((await submitted('a')).jobId, 'A');
      h.clock.advance(1);
    }
    // One claim happens while only A has work; then B's urgent study arrives behind the 500.
    const order: string[] = [];
    const first = (await claim()) as Claim;
    order.push(tenantOf.get(first.job.id) as string);
    const b = await submitted('b', 'urgent');
    tenantOf.set(b.jobId, 'B');
    for (let c = await claim(); c && order.length < 6; c = await claim()) order.push(tenantOf.get(c.job.id) as string);
    // Claim order: A (alone), then B at once, then A's backlog resumes in its own order.
    expect(order).toEqual(['A', 'B', 'A', 'A', 'A', 'A']);
    // Before this change only tenant runners existed; one shared FIFO over both tenants would
    // have served B 500th. The tenants' own runners are unaffected: B's queue is empty now.
    expect(await claim(k['bRunner'])).toBeNull();
    await drain();
  });

  it('keeps each tenant’s own runner to its own tenant', async () => {
    await drain();
    const a = await submitted('a');
    const b = await submitted('b');
    expect((await claim(k['bRunner']))?.job.id).toBe(b.jobId);
    expect(await claim(k['bRunner'])).toBeNull();
    expect((await claim())?.job.id).toBe(a.jobId);
  });
});

describe('what a platform runner sees', () => {
  let held: Claim;
  let a: { id: string; jobId: string; sop: string };
  let bStudy: { id: string; jobId: string; sop: string };
  beforeAll(async () => {
    await drain();
    a = await submitted('a');
    held = (await claim()) as Claim;
    expect(held.job.id).toBe(a.jobId);
    bStudy = await submitted('b');
  });

  it('cannot list or read studies, worklists, audit, models, jobs or keys of any tenant, even its job’s', async () => {
    const fill = (path: string) =>
      path.replace(/:(\w+)/g, (_m, p: string) => ({ id: a.id, sopUid: a.sop, name: 'cam.bin', version: 'test-1' })[p] ?? 'x');
    const routes = h.app.routes.filter(
      (r) => r.method !== 'ALL' && !r.path.startsWith('/v1/runner/') && !['/v1/health', '/v1/openapi.json'].includes(r.path),
    );
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const must of [
      'GET /v1/studies',
      'GET /v1/studies/:id',
      'GET /v1/studies/:id/instances/:sopUid',
      'GET /v1/audit',
      'GET /v1/models',
      'GET /v1/models/:version',
      'GET /v1/jobs',
    ])
      expect(paths).toContain(must);
    for (const r of routes) {
      for (const id of [a.id, bStudy.id]) {
        const path = fill(r.path).replace(a.id, id);
        const get = r.method === 'GET';
        const res = await h.request(r.method, get ? `${path}?studyId=${id}` : path, {
          key: k['platform'] as string,
          ...(get ? {} : { json: {} }),
        });
        // The session routes are about the caller, never tenant data: a key is not a session (400/401).
        // The sign-in page's list of identity providers is public by design (names only, no tenant data).
        const allowed = r.path === '/v1/auth/sso' ? [200] : r.path.startsWith('/v1/auth/') ? [302, 303, 400, 401, 403, 404] : [403, 404];
        expect(allowed, `${r.method} ${r.path}`).toContain(res.status);
        const text = await res.text();
        for (const secret of [a.id, bStudy.id, a.sop, bStudy.sop]) expect(text, `${r.method} ${r.path}`).not.toContain(secret);
      }
    }
  });

  it('reads the instances of the job it holds, uploads artifacts and completes it, audited in the job’s tenant', async () => {
    const list = await h.request('GET', `/v1/runner/jobs/${held.job.id}/instances`, { key: k['platform'] as string, headers: lease(held) });
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: { sopInstanceUid: string; url: string }[] }).items;
    expect(items.map((i) => i.sopInstanceUid)).toEqual([a.sop]);
    expect((await h.request('GET', items[0]?.url as string, { key: k['platform'] as string, headers: lease(held) })).status).toBe(200);
    expect(
      (
        await h.request('POST', `/v1/runner/jobs/${held.job.id}/heartbeat`, {
          key: k['platform'] as string,
          json: {},
          headers: lease(held),
        })
      ).status,
    ).toBe(200);
    const put = await h.request('PUT', `/v1/runner/jobs/${held.job.id}/artifacts/cam.bin`, {
      key: k['platform'] as string,
      body: 'cam',
      headers: { ...lease(held), 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(201);
    // Another platform key with the stolen token, and a tenant runner of the other tenant: refused.
    expect(
      (await h.request('GET', `/v1/runner/jobs/${held.job.id}/instances`, { key: k['platform2'] as string, headers: lease(held) })).status,
    ).toBe(409);
    expect(
      (await h.request('GET', `/v1/runner/jobs/${held.job.id}/instances`, { key: k['bRunner'] as string, headers: lease(held) })).status,
    ).toBe(404);
    const done = await h.request('POST', `/v1/runner/jobs/${held.job.id}/complete`, {
      key: k['platform'] as string,
      json: { result: analysisResult({ artifacts: { cam: 'cam.bin' } }) },
      headers: lease(held),
    });
    expect(await done.json()).toMatchObject({ replay: false });
    const again = await h.request('POST', `/v1/runner/jobs/${held.job.id}/complete`, {
      key: k['platform'] as string,
      json: { result: analysisResult({ artifacts: { cam: 'cam.bin' } }) },
      headers: lease(held),
    });
    expect(await again.json()).toMatchObject({ replay: true });
    // Finished: its instances and its tenant's models are closed to it again.
    expect(
      (await h.request('GET', `/v1/runner/jobs/${held.job.id}/instances`, { key: k['platform'] as string, headers: lease(held) })).status,
    ).toBe(409);
    expect(
      (await h.request('GET', `/v1/runner/models?job=${held.job.id}`, { key: k['platform'] as string, headers: lease(held) })).status,
    ).toBe(409);
    const study = (await (await h.request('GET', `/v1/studies/${a.id}`, { key: k['aClinician'] as string })).json()) as { status: string };
    expect(study.status).toBe('complete');
    const audit = (await (await h.request('GET', `/v1/audit?studyId=${a.id}`, { key: k['aAdmin'] as string })).json()) as {
      items: { action: string; role: string }[];
    };
    expect(
      audit.items
        .filter((x) => x.role === 'platform-runner')
        .map((x) => x.action)
        .sort(),
    ).toEqual(['instance.list', 'instance.read', 'job.claim', 'job.complete', 'job.complete'].sort());
    const bAudit = (await (await h.request('GET', `/v1/audit?studyId=${a.id}`, { key: k['bAdmin'] as string })).json()) as {
      items: unknown[];
    };
    expect(bAudit.items).toEqual([]);
  });

  it('cannot touch a job it does not hold: wrong token, no token, unknown id', async () => {
    const other = (await claim(k['platform2'])) as Claim;
    expect(other.job.id).toBe(bStudy.jobId);
    const mine = (await claim()) ?? held;
    for (const [path, method] of [
      [`/v1/runner/jobs/${other.job.id}/instances`, 'GET'],
      [`/v1/runner/jobs/${other.job.id}/instances/${bStudy.sop}`, 'GET'],
      [`/v1/runner/jobs/${other.job.id}/heartbeat`, 'POST'],
      [`/v1/runner/jobs/${other.job.id}/fail`, 'POST'],
      [`/v1/runner/jobs/${other.job.id}/release`, 'POST'],
      [`/v1/runner/models?job=${other.job.id}`, 'GET'],
    ] as const) {
      const res = await h.request(method, path, {
        key: k['platform'] as string,
        headers: lease(mine),
        ...(method === 'POST' ? { json: { error: { code: 'X', message: 'x' } } } : {}),
      });
      expect(res.status, path).toBe(409);
      expect((await errorOf(res)).details).toEqual({});
    }
    expect((await h.request('GET', `/v1/runner/jobs/${other.job.id}/instances`, { key: k['platform'] as string })).status).toBe(400);
    expect(
      (
        await h.request('GET', '/v1/runner/jobs/00000000-0000-0000-0000-000000000000/instances', {
          key: k['platform'] as string,
          headers: lease(other),
        })
      ).status,
    ).toBe(404);
    // The job is untouched: its holder still heartbeats it.
    expect(
      (
        await h.request('POST', `/v1/runner/jobs/${other.job.id}/heartbeat`, {
          key: k['platform2'] as string,
          json: {},
          headers: lease(other),
        })
      ).status,
    ).toBe(200);
    await finish(other, k['platform2']);
  });

  it('reads models only through a job it holds, and the queue only as a sum over tenants', async () => {
    await drain();
    const res = await h.request('GET', '/v1/runner/models', { key: k['platform'] as string });
    expect(res.status).toBe(403);
    expect((await h.request('GET', '/v1/runner/models/test-1/files/manifest.json', { key: k['platform'] as string })).status).toBe(403);
    const s = await submitted('c');
    const c = (await claim()) as Claim;
    expect(c.job.id).toBe(s.jobId);
    // Results of A and B registered test-1; the job is C's, so C's (empty) deployment is served.
    const dep = await h.request('GET', `/v1/runner/models?job=${c.job.id}`, { key: k['platform'] as string, headers: lease(c) });
    expect(await dep.json()).toEqual({ active: null, shadow: [], registered: [] });
    expect(
      (
        await h.request('GET', `/v1/runner/models/test-1/files/manifest.json?job=${c.job.id}`, {
          key: k['platform'] as string,
          headers: lease(c),
        })
      ).status,
    ).toBe(404);
    const queue = await h.request('GET', '/v1/runner/queue', { key: k['platform'] as string });
    const items = ((await queue.json()) as { items: { kind: string; status: string; count: number }[] }).items;
    const aOnly = (
      (await (await h.request('GET', '/v1/runner/queue', { key: k['aRunner'] as string })).json()) as {
        items: { kind: string; status: string; count: number }[];
      }
    ).items;
    const done = (rows: typeof items) => rows.find((r) => r.kind === 'analysis' && r.status === 'done')?.count ?? 0;
    expect(done(items)).toBeGreaterThan(done(aOnly));
    await finish(c);
  });

  it('is never created by a tenant admin', async () => {
    const res = await h.request('POST', '/v1/keys', { key: k['aAdmin'] as string, json: { role: 'platform-runner' } });
    expect(res.status).toBe(400);
  });
});

describe('embolus-api keys create --role platform-runner', () => {
  it('creates the key in the @platform tenant, and refuses it for a tenant (and other roles there)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-platform-cli-'));
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['keys', 'create', '--data', dir, '--role', 'platform-runner', '--label', 'gpu pool'])).toBe(0);
      expect(await main(['keys', 'create', '--data', dir, '--role', 'platform-runner', '--tenant', 'hospital'])).toBe(1);
      expect(await main(['keys', 'create', '--data', dir, '--role', 'clinician', '--tenant', PLATFORM_TENANT])).toBe(1);
      expect(await main(['tenants', 'create', '--data', dir, '--name', '@mine'])).toBe(2);
      const key = out.join('').trim();
      const db = openSqlite(path.join(dir, 'embolus.sqlite'));
      try {
        const store = createStore(db.driver);
        const p = await store.keys.authenticate(key);
        expect(p?.role).toBe('platform-runner');
        expect((await store.tenants.get(p?.tenantId as string))?.name).toBe(PLATFORM_TENANT);
        expect((await store.tenants.list()).map((t) => t.name)).toEqual([PLATFORM_TENANT]);
      } finally {
        db.close();
      }
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
