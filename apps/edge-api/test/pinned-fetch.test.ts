/**
 * Node deliveries check the addresses their own connection resolves, so a name that answers a
 * public address to the pre-delivery check and an internal one to the connection (DNS
 * rebinding) reaches nothing. A real HTTP server on 127.0.0.1 stands in for the internal host.
 */
import type { LookupAddress } from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { openNodeRuntime } from '../src/node/deps';
import { pinnedFetch } from '../src/node/pinned-fetch';
import { dispatchWebhooks } from '../src/webhooks/dispatch';
import { EMPTY_ALLOW_LIST, parseTargetAllowList, type TargetAllowList } from '../src/webhooks/target';
import { ctStudy } from '@embolus/testkit';
import { analysisResult } from './helpers/result';

const hits: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let mode: 'ok' | 'redirect' | 'hang' = 'ok';
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    hits.push({ url: req.url ?? '', headers: req.headers, body });
    if (mode === 'hang') return;
    if (mode === 'redirect') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else res.writeHead(204).end();
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A DNS where every name answers 127.0.0.1 (what a rebinding name answers the second time). */
const rebound = ((_host: string, _opts: unknown, cb: (e: null, a: LookupAddress[]) => void) =>
  cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
const allowLoopback = parseTargetAllowList(['127.0.0.0/8']) as TargetAllowList;
const post = (f: typeof fetch, signal?: AbortSignal) =>
  f(`http://rebind.attacker.test:${port}/hook`, {
    method: 'POST',
    body: '{"a":1}',
    headers: { 'content-type': 'application/json' },
    ...(signal ? { signal } : {}),
  });

describe('pinned webhook fetch', () => {
  it('refuses to connect when the connection resolves to an internal address', async () => {
    hits.length = 0;
    await expect(post(pinnedFetch(EMPTY_ALLOW_LIST, rebound))).rejects.toMatchObject({ code: 'INTERNAL_ADDRESS' });
    expect(hits).toEqual([]);
  });

  it('connects when the operator allows the range or the name, sends the body and headers, follows no redirect', async () => {
    hits.length = 0;
    mode = 'ok';
    const res = await post(pinnedFetch(allowLoopback, rebound));
    expect(res.status).toBe(204);
    expect(hits).toMatchObject([
      { url: '/hook', body: '{"a":1}', headers: { 'content-type': 'application/json', host: `rebind.attacker.test:${port}` } },
    ]);
    // An allow-listed name is trusted wherever it points (the operator's own DNS).
    expect((await post(pinnedFetch(parseTargetAllowList(['rebind.attacker.test']) as TargetAllowList, rebound))).status).toBe(204);
    mode = 'redirect';
    expect((await post(pinnedFetch(allowLoopback, rebound))).status).toBe(302);
    // Three requests, none to the redirect's location.
    expect(hits.map((h) => h.url)).toEqual(['/hook', '/hook', '/hook']);
    mode = 'ok';
  });

  it('times out as fetch does', async () => {
    mode = 'hang';
    await expect(post(pinnedFetch(allowLoopback, rebound), AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    mode = 'ok';
  });

  it('keeps a rebinding name from receiving a delivery end to end', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-pinned-'));
    const rt = openNodeRuntime(dir, {
      env: { EMBOLUS_LOG_LEVEL: 'silent', EMBOLUS_WEBHOOK_ALLOW_HTTP: 'true' },
      // The check before the delivery sees a public address; the connection sees 127.0.0.1.
      resolveHost: async () => ['93.184.215.14'],
      fetch: pinnedFetch(EMPTY_ALLOW_LIST, rebound),
    });
    const app = createApp(rt.deps);
    const tenant = await rt.deps.store.tenants.ensure('pinned');
    const key = async (role: 'partner' | 'clinician' | 'runner') => (await rt.deps.store.keys.create({ tenantId: tenant.id, role })).key;
    const [partner, clinician, runner] = [await key('partner'), await key('clinician'), await key('runner')];
    const call = (
      method: string,
      p: string,
      k: string,
      init: { json?: unknown; body?: Uint8Array; headers?: Record<string, string> } = {},
    ) =>
      app.request(p, {
        method,
        headers: {
          authorization: `Bearer ${k}`,
          ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.headers ?? {}),
        },
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body ? { body: init.body as never } : {}),
      });
    const hook = await call('POST', '/v1/webhooks', partner, { json: { url: `http://rebind.attacker.test:${port}/hook` } });
    expect(hook.status).toBe(201);
    const { id } = (await hook.json()) as { id: string };
    const { id: studyId } = (await (await call('POST', '/v1/studies', clinician)).json()) as { id: string };
    const s = ctStudy(1);
    await call('PUT', `/v1/studies/${studyId}/instances/${s.slices[0]?.sop}`, clinician, {
      body: s.slices[0]?.bytes as Uint8Array,
      headers: { 'content-type': 'application/dicom' },
    });
    await call('POST', `/v1/studies/${studyId}/submit`, clinician);
    const c = (await (await call('POST', '/v1/runner/jobs/claim', runner)).json()) as { job: { id: string }; leaseToken: string };
    expect(
      (
        await call('POST', `/v1/runner/jobs/${c.job.id}/complete`, runner, {
          json: { result: analysisResult({ central: false, rvlv: false }) },
          headers: { 'embolus-lease-token': c.leaseToken },
        })
      ).status,
    ).toBe(200);
    hits.length = 0;
    // The result kicked Node's dispatcher already; dispatch once more in case it has not begun.
    await dispatchWebhooks(rt.deps);
    type Log = { items: { lastError: string | null; attempts: number }[] };
    let log: Log = { items: [] };
    for (let i = 0; i < 100 && !(log.items[0]?.attempts ?? 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
      log = (await (await call('GET', `/v1/webhooks/${id}/deliveries`, partner)).json()) as Log;
    }
    expect(log.items[0]?.attempts).toBeGreaterThanOrEqual(1);
    expect(log.items[0]?.lastError).toBe('target refused: INTERNAL_ADDRESS');
    expect(hits).toEqual([]);
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
