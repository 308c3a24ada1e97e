/**
 * Tenancy: a key of tenant B tries to read and write tenant A's data on every route. The table
 * must cover every route the app registers (checked against `app.routes`).
 */
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctSlice, ctStudy, multipart, uid } from '@embolus/testkit';
import { harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness();
afterAll(() => h.close());

type Role = 'clinician' | 'partner' | 'quality' | 'admin' | 'runner';
const A: Record<string, string> = {};
const B: Partial<Record<Role, string>> = {};
const aKeys: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  for (const role of ['clinician', 'partner', 'quality', 'admin', 'runner'] as const) {
    aKeys[role] = await h.key('tenant-a', role);
    B[role] = await h.key('tenant-b', role);
  }
  const k = aKeys as Record<Role, string>;
  const { id } = (await (await h.request('POST', '/v1/studies', { key: k.clinician })).json()) as { id: string };
  const s = ctStudy(2);
  for (const x of s.slices)
    await h.request('PUT', `/v1/studies/${id}/instances/${x.sop}`, {
      key: k.clinician,
      body: x.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
  await h.request('POST', `/v1/studies/${id}/submit`, { key: k.clinician });
  const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: k.runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  await h.request('PUT', `/v1/runner/jobs/${c.job.id}/artifacts/cam.bin`, {
    key: k.runner,
    body: 'cam',
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  // A second study stays leased, so runner routes have a live job to attack.
  const second = (await (await h.request('POST', '/v1/studies', { key: k.clinician })).json()) as { id: string };
  await h.request('PUT', `/v1/studies/${second.id}/instances/${s.slices[0]?.sop}`, {
    key: k.clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await h.request('POST', `/v1/studies/${second.id}/submit`, { key: k.clinician });
  await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: k.runner,
    json: { result: analysisResult({ artifacts: { cam: 'cam.bin' } }) },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  const live = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: k.runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  await h.request('POST', `/v1/studies/${id}/labels`, { key: k.quality, json: { labels: { central_pe: 1 } } });
  const hook = (await (await h.request('POST', '/v1/webhooks', { key: k.partner, json: { url: 'https://a.example/h' } })).json()) as {
    id: string;
  };
  const job = (await (await h.request('POST', '/v1/jobs', { key: k.admin, json: { kind: 'evaluation', payload: {} } })).json()) as {
    id: string;
  };
  const keys = (await (await h.request('GET', '/v1/keys', { key: k.admin })).json()) as { items: { id: string }[] };
  await h.request('PATCH', '/v1/tenant', { key: k.admin, json: { pseudonymRegex: 'A-[0-9]+' } });
  // Quality data of tenant A (issue 18): a threshold set and an alert rule.
  await h.request('POST', '/v1/thresholds', { key: k.quality, json: { rules: { central_pe: { kind: 'fixed', threshold: 0.3 } } } });
  const rule = (await (
    await h.request('POST', '/v1/alerts/rules', {
      key: k.quality,
      json: { kind: 'coverage_below', label: 'central_pe', params: { below: 0.5 } },
    })
  ).json()) as { id: string };
  const aUser = await h.deps.store.users.create({
    tenantId: (await h.deps.store.tenants.ensure('tenant-a')).id,
    email: 'admin@tenant-a.test',
    role: 'admin',
    passwordHash: 'scrypt$x',
  });
  await h.deps.store.oidc.put({
    tenantId: aUser.tenantId,
    displayName: 'A-IdP',
    issuer: 'https://idp.tenant-a.example',
    clientId: 'a-client',
    clientSecret: 'v1.x.y',
    scopes: 'openid',
    groupClaim: 'a-groups',
    roleMap: [{ group: 'a-group', role: 'admin' }],
    enabled: true,
    updatedBy: 'user:x',
  });
  Object.assign(A, {
    rule: rule.id,
    userId: aUser.id,
    userEmail: aUser.email,
    study: id,
    sop: s.slices[0]?.sop,
    studyUid: s.study,
    seriesUid: s.series,
    job: c.job.id,
    liveJob: live.job.id,
    liveToken: live.leaseToken,
    hook: hook.id,
    evalJob: job.id,
    key: keys.items[0]?.id,
  });
});

/** One attack per route: who (B's role), what, and the answer that proves isolation. */
type Attack = {
  role: Role;
  method: string;
  path: () => string;
  body?: () => { body: unknown; type: string };
  expect: number | ((res: Response) => Promise<void>);
};

const dicom = () => ({
  body: ctSlice({ study: A['studyUid'] as string, series: uid(), sop: A['sop'] as string, index: 0 }),
  type: 'application/dicom',
});
const json = (v: unknown) => () => ({ body: JSON.stringify(v), type: 'application/json' });
const lease = () => ({ 'embolus-lease-token': A['liveToken'] as string });
const noA =
  (field = 'items') =>
  async (res: Response) => {
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const v of Object.values(A)) expect(text).not.toContain(v);
    expect(JSON.parse(text)).toHaveProperty(field);
  };

/** DICOMweb: B may hold A's Study Instance UID too (the STOW-RS attack stores one), never A's series or instances. */
const noDicomA = async (res: Response) => {
  expect([200, 204, 404]).toContain(res.status);
  const text = await res.text();
  expect(text).not.toContain(A['sop'] as string);
  expect(text).not.toContain(A['seriesUid'] as string);
};
const I = () => `/dicomweb/studies/${A['studyUid']}/series/${A['seriesUid']}/instances/${A['sop']}`;
const dw = (path: () => string, expect: Attack['expect']): Attack => ({ role: 'clinician', method: 'GET', path, expect });

const ATTACKS: Record<string, Attack> = {
  'GET /dicomweb/studies': dw(() => `/dicomweb/studies?StudyInstanceUID=${A['studyUid']}`, noDicomA),
  'GET /dicomweb/series': dw(() => '/dicomweb/series', noDicomA),
  'GET /dicomweb/instances': dw(() => '/dicomweb/instances', noDicomA),
  'GET /dicomweb/studies/:study/series': dw(() => `/dicomweb/studies/${A['studyUid']}/series`, noDicomA),
  'GET /dicomweb/studies/:study/instances': dw(() => `/dicomweb/studies/${A['studyUid']}/instances`, noDicomA),
  'GET /dicomweb/studies/:study/series/:series/instances': dw(
    () => `/dicomweb/studies/${A['studyUid']}/series/${A['seriesUid']}/instances`,
    404,
  ),
  'GET /dicomweb/studies/:study': dw(() => `/dicomweb/studies/${A['studyUid']}`, noDicomA),
  'GET /dicomweb/studies/:study/metadata': dw(() => `/dicomweb/studies/${A['studyUid']}/metadata`, noDicomA),
  'GET /dicomweb/studies/:study/series/:series': dw(() => `/dicomweb/studies/${A['studyUid']}/series/${A['seriesUid']}`, 404),
  'GET /dicomweb/studies/:study/series/:series/metadata': dw(
    () => `/dicomweb/studies/${A['studyUid']}/series/${A['seriesUid']}/metadata`,
    404,
  ),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance': dw(I, 404),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance/metadata': dw(() => `${I()}/metadata`, 404),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames': dw(() => `${I()}/frames/1`, 404),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance/bulkdata/:tag': dw(() => `${I()}/bulkdata/7FE00010`, 404),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance/rendered': dw(() => `${I()}/rendered`, 404),
  'GET /dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames/rendered': dw(() => `${I()}/frames/1/rendered`, 404),
  'POST /v1/studies': { role: 'clinician', method: 'POST', path: () => '/v1/studies', expect: 201 },
  'GET /v1/studies': { role: 'clinician', method: 'GET', path: () => '/v1/studies', expect: noA() },
  'GET /v1/studies/:id': { role: 'clinician', method: 'GET', path: () => `/v1/studies/${A['study']}`, expect: 404 },
  'POST /v1/studies/:id/submit': { role: 'clinician', method: 'POST', path: () => `/v1/studies/${A['study']}/submit`, expect: 404 },
  'POST /v1/studies/:id/labels': {
    role: 'quality',
    method: 'POST',
    path: () => `/v1/studies/${A['study']}/labels`,
    body: json({ labels: { central_pe: 0 } }),
    expect: 404,
  },
  'GET /v1/studies/:id/labels': { role: 'quality', method: 'GET', path: () => `/v1/studies/${A['study']}/labels`, expect: 404 },
  'PUT /v1/studies/:id/instances/:sopUid': {
    role: 'clinician',
    method: 'PUT',
    path: () => `/v1/studies/${A['study']}/instances/${A['sop']}`,
    body: dicom,
    expect: 404,
  },
  'POST /v1/studies/:id/instances': {
    role: 'clinician',
    method: 'POST',
    path: () => `/v1/studies/${A['study']}/instances`,
    body: () => ({ body: zipSync({ 'a.dcm': dicom().body }), type: 'application/zip' }),
    expect: 404,
  },
  'GET /v1/studies/:id/instances': { role: 'clinician', method: 'GET', path: () => `/v1/studies/${A['study']}/instances`, expect: 404 },
  'GET /v1/studies/:id/instances/:sopUid': {
    role: 'clinician',
    method: 'GET',
    path: () => `/v1/studies/${A['study']}/instances/${A['sop']}`,
    expect: 404,
  },
  'GET /v1/studies/:id/report.pdf': { role: 'clinician', method: 'GET', path: () => `/v1/studies/${A['study']}/report.pdf`, expect: 404 },
  'GET /v1/studies/:id/report.html': { role: 'clinician', method: 'GET', path: () => `/v1/studies/${A['study']}/report.html`, expect: 404 },
  'GET /v1/studies/:id/artifacts': { role: 'clinician', method: 'GET', path: () => `/v1/studies/${A['study']}/artifacts`, expect: 404 },
  'GET /v1/studies/:id/artifacts/:name': {
    role: 'clinician',
    method: 'GET',
    path: () => `/v1/studies/${A['study']}/artifacts/cam.bin`,
    expect: 404,
  },
  'POST /dicomweb/studies': {
    role: 'partner',
    method: 'POST',
    path: () => '/dicomweb/studies',
    body: () => {
      const m = multipart([{ bytes: ctSlice({ study: A['studyUid'] as string, series: uid(), sop: uid(), index: 3 }) }], 'related');
      return { body: m.body, type: m.contentType };
    },
    // Stored, but into a new study of tenant B: never joined to A's study with the same UID.
    expect: async (res) => {
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(A['study'] as string);
    },
  },
  'POST /v1/runner/jobs/claim': { role: 'runner', method: 'POST', path: () => '/v1/runner/jobs/claim', expect: 204 },
  'POST /v1/runner/jobs/:id/heartbeat': {
    role: 'runner',
    method: 'POST',
    path: () => `/v1/runner/jobs/${A['liveJob']}/heartbeat`,
    expect: 404,
  },
  'POST /v1/runner/jobs/:id/complete': {
    role: 'runner',
    method: 'POST',
    path: () => `/v1/runner/jobs/${A['liveJob']}/complete`,
    body: json({ result: analysisResult() }),
    expect: 404,
  },
  'POST /v1/runner/jobs/:id/fail': {
    role: 'runner',
    method: 'POST',
    path: () => `/v1/runner/jobs/${A['liveJob']}/fail`,
    body: json({ error: { code: 'X', message: 'x' } }),
    expect: 404,
  },
  'GET /v1/runner/jobs/:id/instances': {
    role: 'runner',
    method: 'GET',
    path: () => `/v1/runner/jobs/${A['liveJob']}/instances`,
    expect: 404,
  },
  'GET /v1/runner/jobs/:id/instances/:sopUid': {
    role: 'runner',
    method: 'GET',
    path: () => `/v1/runner/jobs/${A['liveJob']}/instances/${A['sop']}`,
    expect: 404,
  },
  'PUT /v1/runner/jobs/:id/artifacts/:name': {
    role: 'runner',
    method: 'PUT',
    path: () => `/v1/runner/jobs/${A['liveJob']}/artifacts/x.bin`,
    body: () => ({ body: 'x', type: 'application/octet-stream' }),
    expect: 404,
  },
  'POST /v1/jobs': { role: 'admin', method: 'POST', path: () => '/v1/jobs', body: json({ kind: 'training', payload: {} }), expect: 201 },
  'GET /v1/jobs': { role: 'admin', method: 'GET', path: () => '/v1/jobs', expect: noA() },
  'GET /v1/jobs/:id': { role: 'admin', method: 'GET', path: () => `/v1/jobs/${A['evalJob']}`, expect: 404 },
  'GET /v1/metrics/cohort': {
    role: 'quality',
    method: 'GET',
    path: () => '/v1/metrics/cohort?minPositives=2&minNegatives=2',
    expect: async (res) => expect(await res.json()).toMatchObject({ studies: 0, windows: [] }),
  },
  'GET /v1/metrics/drift': {
    role: 'quality',
    method: 'GET',
    path: () => '/v1/metrics/drift?referenceFrom=2020-01-01&referenceTo=2030-01-01',
    expect: async (res) => expect(await res.json()).toMatchObject({ reference: { studies: 0 }, current: { studies: 0 } }),
  },
  // Issue 18: B's quality key sees only B's (empty) cohort, sets and rules, and cannot touch A's.
  'GET /v1/metrics/labels/:label': {
    role: 'quality',
    method: 'GET',
    path: () => '/v1/metrics/labels/central_pe',
    expect: async (res) =>
      expect(await res.json()).toMatchObject({ overall: { studies: 0 }, periods: [], threshold: { source: 'default' } }),
  },
  'POST /v1/thresholds/preview': {
    role: 'quality',
    method: 'POST',
    path: () => '/v1/thresholds/preview',
    body: json({ rules: { central_pe: { kind: 'fixed', threshold: 0.2 } } }),
    expect: async (res) =>
      expect(await res.json()).toMatchObject({ studies: 0, activeVersion: null, labels: { central_pe: { labelled: 0, current: 0.05 } } }),
  },
  'POST /v1/thresholds': { role: 'quality', method: 'POST', path: () => '/v1/thresholds', body: json({ copyOf: 1 }), expect: 404 },
  'GET /v1/thresholds': {
    role: 'quality',
    method: 'GET',
    path: () => '/v1/thresholds',
    expect: async (res) => expect(await res.json()).toMatchObject({ active: null, items: [] }),
  },
  'GET /v1/thresholds/:version': { role: 'quality', method: 'GET', path: () => '/v1/thresholds/1', expect: 404 },
  'GET /v1/alerts/rules': { role: 'quality', method: 'GET', path: () => '/v1/alerts/rules', expect: noA() },
  'POST /v1/alerts/rules': {
    role: 'quality',
    method: 'POST',
    path: () => '/v1/alerts/rules',
    body: json({ kind: 'coverage_below', label: 'central_pe', params: { below: 0.5 } }),
    expect: 201,
  },
  'PATCH /v1/alerts/rules/:id': {
    role: 'quality',
    method: 'PATCH',
    path: () => `/v1/alerts/rules/${A['rule']}`,
    body: json({ enabled: false }),
    expect: 404,
  },
  'DELETE /v1/alerts/rules/:id': { role: 'quality', method: 'DELETE', path: () => `/v1/alerts/rules/${A['rule']}`, expect: 404 },
  'GET /v1/alerts': { role: 'quality', method: 'GET', path: () => '/v1/alerts', expect: noA() },
  'POST /v1/alerts/evaluate': { role: 'quality', method: 'POST', path: () => '/v1/alerts/evaluate', expect: noA() },
  'POST /v1/labels/import': {
    role: 'quality',
    method: 'POST',
    path: () => '/v1/labels/import',
    body: () => ({ body: `studyId,central_pe\n${A['study']},1\n`, type: 'text/csv' }),
    expect: async (res) => {
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain('UNKNOWN_STUDY');
      expect(text).not.toContain(A['study'] as string);
    },
  },
  'GET /v1/models': {
    role: 'clinician',
    method: 'GET',
    path: () => '/v1/models',
    expect: async (res) => expect(await res.json()).toEqual({ items: [] }),
  },
  // Tenant A's results registered model version test-1; B can neither see nor change it.
  'GET /v1/models/:version': { role: 'clinician', method: 'GET', path: () => '/v1/models/test-1', expect: 404 },
  'GET /v1/models/compare': { role: 'quality', method: 'GET', path: () => '/v1/models/compare?a=test-1&b=test-1', expect: 404 },
  'POST /v1/models/:version/activate': { role: 'admin', method: 'POST', path: () => '/v1/models/test-1/activate', expect: 404 },
  'POST /v1/models/:version/shadow': {
    role: 'admin',
    method: 'POST',
    path: () => '/v1/models/test-1/shadow',
    body: json({ enabled: true }),
    expect: 404,
  },
  'GET /v1/runner/models': {
    role: 'runner',
    method: 'GET',
    path: () => '/v1/runner/models',
    expect: async (res) => expect(await res.json()).toEqual({ active: null, shadow: [], registered: [] }),
  },
  'GET /v1/runner/models/:version/files/:name': {
    role: 'runner',
    method: 'GET',
    path: () => '/v1/runner/models/test-1/files/manifest.json',
    expect: 404,
  },
  'GET /v1/runner/queue': { role: 'runner', method: 'GET', path: () => '/v1/runner/queue', expect: noA() },
  'POST /v1/runner/jobs/:id/release': {
    role: 'runner',
    method: 'POST',
    path: () => `/v1/runner/jobs/${A['liveJob']}/release`,
    expect: 404,
  },
  'POST /v1/webhooks': {
    role: 'partner',
    method: 'POST',
    path: () => '/v1/webhooks',
    body: json({ url: 'https://b.example/h' }),
    expect: 201,
  },
  'GET /v1/webhooks': { role: 'partner', method: 'GET', path: () => '/v1/webhooks', expect: noA() },
  'GET /v1/webhooks/:id': { role: 'partner', method: 'GET', path: () => `/v1/webhooks/${A['hook']}`, expect: 404 },
  'DELETE /v1/webhooks/:id': { role: 'partner', method: 'DELETE', path: () => `/v1/webhooks/${A['hook']}`, expect: 404 },
  'GET /v1/webhooks/:id/deliveries': { role: 'partner', method: 'GET', path: () => `/v1/webhooks/${A['hook']}/deliveries`, expect: 404 },
  'POST /v1/keys': { role: 'admin', method: 'POST', path: () => '/v1/keys', body: json({ role: 'clinician' }), expect: 201 },
  'GET /v1/keys': { role: 'admin', method: 'GET', path: () => '/v1/keys', expect: noA() },
  'DELETE /v1/keys/:id': { role: 'admin', method: 'DELETE', path: () => `/v1/keys/${A['key']}`, expect: 404 },
  'GET /v1/tenant': {
    role: 'admin',
    method: 'GET',
    path: () => '/v1/tenant',
    expect: async (res) => expect(await res.json()).toMatchObject({ name: 'tenant-b', pseudonymRegex: null }),
  },
  'PATCH /v1/tenant': { role: 'admin', method: 'PATCH', path: () => '/v1/tenant', body: json({ pseudonymRegex: 'B-[0-9]+' }), expect: 200 },
  // Dashboard accounts (issue 16): a key is not a session, and B's admin lists only B's users.
  'GET /v1/auth/session': { role: 'admin', method: 'GET', path: () => '/v1/auth/session', expect: 400 },
  'POST /v1/auth/sign-out': { role: 'admin', method: 'POST', path: () => '/v1/auth/sign-out', expect: 400 },
  'GET /v1/users': { role: 'admin', method: 'GET', path: () => '/v1/users', expect: noA() },
  'POST /v1/users': {
    role: 'admin',
    method: 'POST',
    path: () => '/v1/users',
    body: json({ email: 'b@tenant-b.test', role: 'clinician', password: 'a long enough password' }),
    expect: 201,
  },
  // Administration (issue 18).
  'POST /v1/users/invite': {
    role: 'admin',
    method: 'POST',
    path: () => '/v1/users/invite',
    body: json({ email: 'invited@tenant-b.test', role: 'clinician' }),
    expect: 201,
  },
  'PATCH /v1/users/:id': {
    role: 'admin',
    method: 'PATCH',
    path: () => `/v1/users/${A['userId']}`,
    body: json({ disabled: true }),
    expect: 404,
  },
  'POST /v1/users/:id/reset': { role: 'admin', method: 'POST', path: () => `/v1/users/${A['userId']}/reset`, expect: 404 },
  'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': {
    role: 'partner',
    method: 'POST',
    path: () => `/v1/webhooks/${A['hook']}/deliveries/x/redeliver`,
    expect: 404,
  },
  'GET /v1/audit/export.csv': {
    role: 'admin',
    method: 'GET',
    path: () => `/v1/audit/export.csv?studyId=${A['study']}`,
    // Only B's own record of this export (which names the filter B sent) comes back.
    expect: async (res) => {
      expect(res.status).toBe(200);
      const rows = (await res.text()).trimEnd().split('\r\n').slice(1);
      expect(rows.every((r) => r.includes(',audit.export,'))).toBe(true);
    },
  },
  'GET /v1/tenant/sso': {
    role: 'admin',
    method: 'GET',
    path: () => '/v1/tenant/sso',
    expect: async (res) => expect(await res.json()).toMatchObject({ configured: false, issuer: null, roleMap: [] }),
  },
  'PUT /v1/tenant/sso': {
    role: 'admin',
    method: 'PUT',
    path: () => '/v1/tenant/sso',
    body: json({ displayName: 'B', issuer: 'https://idp.tenant-a.example', clientId: 'b', clientSecret: 's', roleMap: [] }),
    expect: 400,
  },
  'GET /v1/audit': {
    role: 'admin',
    method: 'GET',
    path: () => `/v1/audit?studyId=${A['study']}`,
    expect: async (res) => expect(await res.json()).toMatchObject({ items: [] }),
  },
};

const PUBLIC = [
  'GET /v1/openapi.json',
  'GET /v1/health',
  'POST /v1/auth/sign-in',
  // Administration and single sign-on (issue 18): the token or the IdP's answer is the credential (see sso.test.ts).
  'POST /v1/auth/set-password',
  'GET /v1/auth/sso',
  'GET /v1/auth/oidc/:tenantId/start',
  'GET /v1/auth/oidc/callback',
];

describe('tenancy', () => {
  it('the attack table covers every registered route', () => {
    const registered = new Set(h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    expect([...registered].filter((r) => !PUBLIC.includes(r)).sort()).toEqual(Object.keys(ATTACKS).sort());
  });

  it.each(Object.entries(ATTACKS))('%s with tenant B’s key never reaches tenant A’s data', async (_name, a) => {
    const b = a.body?.();
    const headers: Record<string, string> = a.path().startsWith('/v1/runner/jobs/') && !a.path().endsWith('claim') ? lease() : {};
    if (b) headers['content-type'] = b.type;
    const res = await h.request(a.method, a.path(), { key: B[a.role] as string, headers, ...(b ? { body: b.body as never } : {}) });
    if (typeof a.expect === 'number') expect(res.status).toBe(a.expect);
    else await a.expect(res);
  });

  it('left tenant A’s data as it was', async () => {
    const k = aKeys as Record<Role, string>;
    const study = (await (await h.request('GET', `/v1/studies/${A['study']}`, { key: k.clinician })).json()) as {
      status: string;
      series: { instanceCount: number }[];
    };
    expect(study).toMatchObject({ status: 'complete', series: [{ instanceCount: 2 }] });
    const labels = (await (await h.request('GET', `/v1/studies/${A['study']}/labels`, { key: k.quality })).json()) as {
      labels: { value: number }[];
    };
    expect(labels.labels).toEqual([expect.objectContaining({ label: 'central_pe', value: 1 })]);
    expect(((await (await h.request('GET', `/v1/webhooks/${A['hook']}`, { key: k.partner })).json()) as { active: boolean }).active).toBe(
      true,
    );
    expect(((await (await h.request('GET', '/v1/tenant', { key: k.admin })).json()) as { pseudonymRegex: string }).pseudonymRegex).toBe(
      'A-[0-9]+',
    );
    const hb = await h.request('POST', `/v1/runner/jobs/${A['liveJob']}/heartbeat`, { key: k.runner, headers: lease() });
    expect(hb.status).toBe(200);
    expect((await h.request('GET', '/v1/studies', { key: k.admin })).status).toBe(200);
    expect(await h.deps.store.oidc.get((await h.deps.store.tenants.ensure('tenant-a')).id)).toMatchObject({
      displayName: 'A-IdP',
      roleMap: [{ group: 'a-group', role: 'admin' }],
    });
    expect((await h.deps.store.users.byEmail('admin@tenant-a.test'))?.disabledAt).toBeNull();
    const rules = (await (await h.request('GET', '/v1/alerts/rules', { key: k.quality })).json()) as {
      items: { id: string; enabled: boolean }[];
    };
    expect(rules.items).toEqual([expect.objectContaining({ id: A['rule'], enabled: true })]);
    expect(((await (await h.request('GET', '/v1/thresholds', { key: k.quality })).json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});
