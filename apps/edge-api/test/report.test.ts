/**
 * The report routes through app.request: PDF and HTML of a study's result over stored CT slices,
 * 409 before analysis, 404 for another tenant, roles, the audit record, the sentence about
 * missing overlays when the CAM is absent or does not fit, and 501 where the platform makes no
 * reports (the Worker). The PDF is read back with pdftotext (poppler-utils). The end-to-end test
 * with a study analysed by the real runner is test/report.e2e.test.ts at the repository root.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ABSENCE_SENTENCES, escapeHtml } from '@embolus/report';
import { DISPLAY_NAMES, STUDY_LABELS, type AnalysisResult } from '@embolus/shared';
import { ctStudy } from '@embolus/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { nodeReports } from '../src/node/report';
import { errorOf, harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const exec = promisify(execFile);
const h = harness();
// The Node app: the same deps with the Node report maker (the harness's own app has none, like the Worker).
const app = createApp({ ...h.deps, reports: nodeReports() });
const tmp = mkdtempSync(path.join(tmpdir(), 'embolus-report-api-'));
afterAll(() => {
  h.close();
  rmSync(tmp, { recursive: true, force: true });
});

let clinician: string;
let runner: string;
const get = (p: string, key: string) => app.request(p, { headers: { authorization: `Bearer ${key}` } });

/** .npy (float32) bytes. */
function npy(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((11 + header.length) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

/** A study of 20 stored slices (two windows), analysed with a result over them and, optionally, a cam.npy. */
async function analysed(cam: Uint8Array | null): Promise<string> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
  const s = ctStudy(20, 32);
  for (const sl of s.slices) {
    const res = await h.request('PUT', `/v1/studies/${id}/instances/${sl.sop}`, {
      key: clinician,
      body: sl.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
    expect(res.status).toBeLessThan(300);
  }
  await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
  const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const lease = { 'embolus-lease-token': c.leaseToken };
  if (cam) {
    const up = await h.request('PUT', `/v1/runner/jobs/${c.job.id}/artifacts/cam.npy`, {
      key: runner,
      body: cam as never,
      headers: { ...lease, 'content-type': 'application/octet-stream' },
    });
    expect(up.status).toBe(201);
  }
  const base = analysisResult({ studyInstanceUid: s.study, ...(cam ? { artifacts: { cam: 'cam.npy' } } : {}) });
  const result: AnalysisResult = {
    ...base,
    seriesInstanceUid: s.series,
    windows: base.windows.map((w, i) => ({
      ...w,
      slices: s.slices.slice(i * 10, i * 10 + 10).map((x) => ({ sopInstanceUid: x.sop, fraction: 0.1 })),
    })),
  };
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, { key: runner, json: { result }, headers: lease });
  expect(res.status).toBe(200);
  return id;
}

/** A CAM for two windows of 8² with a hot block in window 1. */
function hotCam(frames = 20): Uint8Array {
  const data = new Float32Array(frames * 64);
  for (let f = 10; f < Math.min(frames, 20); f++) for (let i = 18; i < 46; i++) data[f * 64 + i] = 1;
  return npy(data, [frames, 8, 8]);
}

async function pdfText(bytes: Uint8Array, name: string): Promise<string> {
  const f = path.join(tmp, name);
  writeFileSync(f, bytes);
  return (await exec('pdftotext', ['-enc', 'UTF-8', f, '-'])).stdout.replace(/\s+/g, ' ');
}

beforeAll(async () => {
  clinician = await h.key('rep', 'clinician');
  runner = await h.key('rep', 'runner');
});

describe('GET /v1/studies/{id}/report.pdf and report.html', () => {
  let withCam: string;
  beforeAll(async () => {
    withCam = await analysed(hotCam());
  });

  it('serves the PDF as an attachment named after the study, with every label, the decisions and the key images', async () => {
    const res = await get(`/v1/studies/${withCam}/report.pdf`, clinician);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="embolus-report-${withCam}.pdf"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const text = await pdfText(bytes, 'api.pdf');
    for (const l of STUDY_LABELS) expect(text).toContain(DISPLAY_NAMES[l]);
    expect(text).toContain('Research software — not for clinical use.');
    expect(text).toContain('test-1');
    expect(text).toContain(withCam);
    // Both windows are reported (0.3 and 0.8 ≥ 0.15), most probable first.
    expect(text).toMatch(
      /Window 1, source slice \(instance\) \d+: window PE probability 80\.0 %, PE reported on this window\. .*Window 0, source slice/,
    );
    const audit = await h.deps.store.audit.list((await h.deps.store.tenants.ensure('rep')).id, {
      studyId: withCam,
      action: 'report.read',
      limit: 10,
    });
    expect(audit.map((a) => a.detail)).toEqual([{ format: 'pdf', keyImages: 2 }]);
  });

  it('serves the HTML page with a policy that allows its inline styles and images only', async () => {
    const res = await get(`/v1/studies/${withCam}/report.html`, clinician);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    const html = await res.text();
    for (const l of STUDY_LABELS) expect(html).toContain(escapeHtml(DISPLAY_NAMES[l]));
    expect(html).toContain('<img src="data:image/png;base64,');
    expect(html).not.toMatch(/<script|src="http/);
  });

  it('makes the report without overlays, saying why, when the CAM is missing or does not fit', async () => {
    const none = await analysed(null);
    expect(await (await get(`/v1/studies/${none}/report.html`, clinician)).text()).toContain(escapeHtml(ABSENCE_SENTENCES['no-cam']));
    const wrong = await analysed(hotCam(7));
    const res = await get(`/v1/studies/${wrong}/report.pdf`, clinician);
    expect(res.status).toBe(200);
    expect(await pdfText(new Uint8Array(await res.arrayBuffer()), 'wrong.pdf')).toContain(ABSENCE_SENTENCES['cam-mismatch']);
  });

  it('answers 409 STUDY_NOT_ANALYSED before a result, 404 for another tenant, 403 for a runner key', async () => {
    const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
    const res = await get(`/v1/studies/${id}/report.pdf`, clinician);
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: 'STUDY_NOT_ANALYSED', details: { status: 'receiving' } });
    const other = await h.key('other-hospital', 'clinician');
    expect((await get(`/v1/studies/${withCam}/report.pdf`, other)).status).toBe(404);
    expect((await get(`/v1/studies/${withCam}/report.html`, other)).status).toBe(404);
    expect((await get(`/v1/studies/${withCam}/report.pdf`, runner)).status).toBe(403);
  });

  it('answers 501 REPORT_UNAVAILABLE where the platform makes no reports (Workers)', async () => {
    const res = await h.request('GET', `/v1/studies/${withCam}/report.pdf`, { key: clinician });
    expect(res.status).toBe(501);
    expect((await errorOf(res)).code).toBe('REPORT_UNAVAILABLE');
  });
});
