/**
 * STOW-RS RetrieveURLs come from the configured public base URL (never the request's Host),
 * an empty STOW-RS request is a 400 with a reason, and error messages name parameters, not the
 * values a client sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctStudy, multipart } from '@embolus/testkit';
import { errorOf, harness, type Harness } from './helpers/harness';

type Stow = Record<string, { vr: string; Value: unknown[] }>;

function stowRequest(x: Harness, key: string, files: { bytes: Uint8Array; contentType?: string }[], headers: Record<string, string> = {}) {
  const m = multipart(files, 'related');
  return x.request('POST', '/dicomweb/studies', { key, body: m.body as never, headers: { 'content-type': m.contentType, ...headers } });
}

/** Every RetrieveURL (0008,1190) in a STOW-RS response. */
function retrieveUrls(body: Stow): string[] {
  const refs = (body['00081199']?.Value ?? []) as Stow[];
  return [...(body['00081190']?.Value ?? []), ...refs.flatMap((r) => r['00081190']?.Value ?? [])] as string[];
}

describe('STOW-RS RetrieveURL', () => {
  it('is built from EMBOLUS_PUBLIC_BASE_URL, whatever Host the request names', async () => {
    const x = harness({ EMBOLUS_PUBLIC_BASE_URL: 'https://pacs.hospital.example/embolus/' });
    const key = await x.key('stow-url', 'partner');
    const res = await stowRequest(x, key, [{ bytes: ctStudy(1).slices[0]?.bytes as Uint8Array }], { host: 'attacker.example' });
    expect(res.status).toBe(200);
    const urls = retrieveUrls((await res.json()) as Stow);
    expect(urls.length).toBe(2);
    for (const u of urls) expect(u).toMatch(/^https:\/\/pacs\.hospital\.example\/embolus\/v1\/studies\//);
    x.close();
  });

  it('is a path when no base is configured, never the Host header', async () => {
    const x = harness();
    const key = await x.key('stow-url', 'partner');
    const m = multipart([{ bytes: ctStudy(1).slices[0]?.bytes as Uint8Array }], 'related');
    const res = await x.app.request('http://attacker.example/dicomweb/studies', {
      method: 'POST',
      body: m.body as never,
      headers: { authorization: `Bearer ${key}`, 'content-type': m.contentType, host: 'attacker.example' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('attacker.example');
    for (const u of retrieveUrls(JSON.parse(text) as Stow)) expect(u).toMatch(/^\/v1\/studies\//);
    x.close();
  });

  it('refuses a base URL with a query, fragment or credentials', () => {
    expect(() => harness({ EMBOLUS_PUBLIC_BASE_URL: 'https://a.example/?x=1' })).toThrow(/EMBOLUS_PUBLIC_BASE_URL/);
    expect(() => harness({ EMBOLUS_PUBLIC_BASE_URL: 'ftp://a.example/' })).toThrow(/EMBOLUS_PUBLIC_BASE_URL/);
  });
});

describe('empty STOW-RS', () => {
  it('is a 400 with a reason', async () => {
    const h = harness();
    const key = await h.key('stow-empty', 'partner');
    const res = await stowRequest(h, key, []);
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/no parts/);
    h.close();
  });
});

describe('echoed values', () => {
  let h: Harness;
  let quality: string;
  let partner: string;
  beforeAll(async () => {
    h = harness();
    quality = await h.key('echo', 'quality');
    partner = await h.key('echo', 'partner');
  });
  afterAll(() => h.close());

  it('/v1/models/compare names the parameter, not its value', async () => {
    for (const q of ['a=MARKER-VALUE-1&b=MARKER-VALUE-2', 'a=MARKER-VALUE-1&b=MARKER-VALUE-1']) {
      const res = await h.request('GET', `/v1/models/compare?${q}`, { key: quality });
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain('MARKER');
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'NOT_FOUND', details: { parameter: 'a' } } });
    }
  });

  it('no route echoes a query, path or header value in its error', async () => {
    const marker = 'MARKERVALUE';
    const tries: [string, string, Record<string, unknown>?][] = [
      ['GET', `/v1/models/${marker}`],
      ['GET', `/v1/studies/${marker}`],
      ['GET', `/v1/studies?status=${marker}&limit=${marker}`],
      ['GET', `/v1/webhooks/${marker}`],
      ['GET', `/v1/jobs/${marker}`],
      ['GET', `/v1/metrics/cohort?from=${marker}`],
      ['GET', `/v1/models/compare?a=${marker}&b=x&level=${marker}`],
      ['POST', '/v1/webhooks', { json: { url: `https://${marker}.internal/`, events: [marker] } }],
      ['POST', '/dicomweb/studies', { body: '--b--', headers: { 'content-type': `multipart/related; type="${marker}"; boundary=b` } }],
    ];
    for (const [method, p, opts] of tries) {
      for (const key of [quality, partner]) {
        const res = await h.request(method, p, { key, ...(opts ?? {}) });
        expect(res.status, `${method} ${p}`).toBeGreaterThanOrEqual(400);
        expect(await res.text(), `${method} ${p}`).not.toContain(marker);
      }
    }
    // A STOW-RS part of another media type is refused without echoing that type.
    const res = await stowRequest(h, partner, [{ bytes: new Uint8Array([1, 2, 3]), contentType: `application/${marker.toLowerCase()}` }]);
    expect(res.status).toBe(409);
    expect((await res.text()).toLowerCase()).not.toContain(marker.toLowerCase());
  });
});
