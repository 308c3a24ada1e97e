/**
 * The OpenAPI document, keys, roles, error bodies, rate limits and logs without identifiers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { errorOf, harness } from './helpers/harness';

const h = harness();
afterAll(() => h.close());

describe('OpenAPI document', () => {
  it('is served without a key, is 3.1, and is generated from the route schemas', async () => {
    const res = await h.request('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, any>>;
      components: Record<string, any>;
      security: unknown;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const p of [
      '/v1/studies',
      '/v1/studies/{id}',
      '/v1/studies/{id}/instances/{sopUid}',
      '/v1/studies/{id}/instances',
      '/v1/studies/{id}/submit',
      '/v1/studies/{id}/labels',
      '/v1/studies/{id}/artifacts/{name}',
      '/dicomweb/studies',
      '/v1/runner/jobs/claim',
      '/v1/runner/jobs/{id}/complete',
      '/v1/metrics/cohort',
      '/v1/metrics/drift',
      '/v1/models',
      '/v1/webhooks',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    // The study body references the shared AnalysisResult schema, with its nine labels.
    expect(doc.components.schemas.Study.properties.result).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.AnalysisResult)).toContain('negative_exam_for_pe');
    expect(doc.paths['/v1/studies/{id}/instances/{sopUid}']?.put.requestBody.content['application/dicom']).toBeDefined();
    expect(doc.components.schemas.Error.properties.error.properties).toHaveProperty('details');
  });
});

describe('keys and roles', () => {
  it('answers 401 with the error body for a missing, malformed, unknown or revoked key', async () => {
    for (const authorization of [undefined, 'Basic abc', 'Bearer', 'Bearer emb_unknownunknownunknownunknownunkn', 'Bearer not-a-key']) {
      const res = await h.request('GET', '/v1/studies', { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect((await errorOf(res)).code).toBe('UNAUTHORIZED');
    }
    const admin = await h.key('acme', 'admin');
    const created = (await (await h.request('POST', '/v1/keys', { key: admin, json: { role: 'clinician', label: 'ward' } })).json()) as {
      id: string;
      key: string;
    };
    expect((await h.request('GET', '/v1/studies', { key: created.key })).status).toBe(200);
    expect((await h.request('DELETE', `/v1/keys/${created.id}`, { key: admin })).status).toBe(204);
    expect((await h.request('GET', '/v1/studies', { key: created.key })).status).toBe(401);
  });

  it('answers 403 when the role may not do it', async () => {
    const runner = await h.key('acme', 'runner');
    const clinician = await h.key('acme', 'clinician');
    const quality = await h.key('acme', 'quality');
    expect((await h.request('GET', '/v1/studies', { key: runner })).status).toBe(403);
    expect((await h.request('POST', '/v1/runner/jobs/claim', { key: clinician })).status).toBe(403);
    expect((await h.request('POST', '/v1/studies', { key: quality })).status).toBe(403);
    expect((await h.request('GET', '/v1/metrics/cohort', { key: clinician })).status).toBe(403);
    expect((await h.request('GET', '/v1/keys', { key: quality })).status).toBe(403);
    const body = await errorOf(await h.request('GET', '/v1/audit', { key: clinician }));
    expect(body).toMatchObject({ code: 'FORBIDDEN', details: { role: 'clinician', allowed: ['admin'] } });
  });

  it('validates bodies and queries with zod and reports issues', async () => {
    const clinician = await h.key('acme', 'clinician');
    const res = await h.request('POST', '/v1/studies', { key: clinician, json: { priority: 'whenever' } });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(err.details)).toContain('priority');
    expect((await h.request('GET', '/v1/studies?status=bogus', { key: clinician })).status).toBe(400);
    expect((await h.request('GET', '/v1/studies?from=yesterday', { key: clinician })).status).toBe(400);
    const notJson = await h.request('POST', '/v1/studies', { key: clinician, body: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect((await h.request('GET', '/v1/nothing-here', { key: clinician })).status).toBe(404);
  });

  it('refuses JSON bodies over the limit', async () => {
    const small = harness({ EMBOLUS_MAX_RESULT_BYTES: '1000' });
    const admin = await small.key('t', 'admin');
    const res = await small.request('POST', '/v1/jobs', { key: admin, json: { kind: 'training', payload: { blob: 'x'.repeat(200_000) } } });
    expect(res.status).toBe(413);
    small.close();
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the per-key limit, per key, and resets each minute', async () => {
    const limited = harness({ EMBOLUS_RATE_LIMIT_PER_MINUTE: '3' });
    const a = await limited.key('t', 'clinician');
    const b = await limited.key('t', 'clinician');
    for (let i = 0; i < 3; i++) expect((await limited.request('GET', '/v1/studies', { key: a })).status).toBe(200);
    const over = await limited.request('GET', '/v1/studies', { key: a });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(over)).code).toBe('RATE_LIMITED');
    expect((await limited.request('GET', '/v1/studies', { key: b })).status).toBe(200);
    limited.clock.advance(60_000);
    expect((await limited.request('GET', '/v1/studies', { key: a })).status).toBe(200);
    limited.close();
  });
});

describe('logs', () => {
  it('log the route pattern, never the concrete path with its ids', async () => {
    const clinician = await h.key('acme', 'clinician');
    await h.request('GET', '/v1/studies/1.2.3.4.5', { key: clinician });
    const line = h.logger.lines.filter((l) => l.event === 'request').at(-1);
    expect(line?.fields).toMatchObject({ route: '/v1/studies/:id', status: 404 });
    expect(JSON.stringify(h.logger.lines)).not.toContain('1.2.3.4.5');
  });
});
