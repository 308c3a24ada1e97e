/**
 * The end-to-end scenario, run unchanged against the Node server (real HTTP) and inside workerd
 * (D1 + R2): create → upload (PUT, zip, STOW-RS) → submit → claim → read instances → upload an
 * artifact → complete → read the result and the worklist; a platform runner serving two tenants
 * in turn.
 */
import { AnalysisResultSchema } from '@embolus/shared';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctSlice, ctStudy, multipart, uid, buildZip } from '@embolus/testkit';
import { analysisResult } from '../helpers/result';

/** How the scenario reaches a running API. */
export interface ScenarioTarget {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A key of `tenant` (`@platform` for role platform-runner). */
  key(tenant: string, role: 'clinician' | 'partner' | 'quality' | 'admin' | 'runner' | 'platform-runner'): Promise<string>;
}

const auth = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

/** Registers the scenario suite under `name`. */
export function scenarioSuite(name: string, open: () => Promise<ScenarioTarget>): void {
  describe(`scenario: ${name}`, () => {
    let api: ScenarioTarget;
    beforeAll(async () => {
      api = await open();
    });

    const json = async (res: Response, status: number) => {
      const text = await res.text();
      expect(res.status, text).toBe(status);
      return text ? (JSON.parse(text) as Record<string, any>) : {};
    };

    it('create → upload → submit → claim → complete → read the result', async () => {
      const tenant = `scenario-${uid()}`;
      const clinician = await api.key(tenant, 'clinician');
      const runner = await api.key(tenant, 'runner');
      const { id } = await json(
        await api.fetch('/v1/studies', {
          method: 'POST',
          headers: auth(clinician, { 'content-type': 'application/json' }),
          body: '{"priority":"urgent"}',
        }),
        201,
      );
      const s = ctStudy(6, 32);
      for (const slice of s.slices.slice(0, 4)) {
        const res = await api.fetch(`/v1/studies/${id}/instances/${slice.sop}`, {
          method: 'PUT',
          headers: auth(clinician, { 'content-type': 'application/dicom' }),
          body: slice.bytes,
        });
        expect((await json(res, 201)).status).toBe('stored');
      }
      const again = await api.fetch(`/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
        method: 'PUT',
        headers: auth(clinician, { 'content-type': 'application/dicom' }),
        body: s.slices[0]?.bytes,
      });
      expect((await json(again, 200)).status).toBe('duplicate');
      const zip = zipSync({ 'series/slice5.dcm': s.slices[4]?.bytes as Uint8Array });
      const batch = await json(
        await api.fetch(`/v1/studies/${id}/instances`, {
          method: 'POST',
          headers: auth(clinician, { 'content-type': 'application/zip' }),
          body: zip,
        }),
        200,
      );
      expect(batch).toMatchObject({ stored: 1, refused: 0 });
      const stow = multipart([{ bytes: s.slices[5]?.bytes as Uint8Array }], 'related');
      const stowRes = await api.fetch('/dicomweb/studies', {
        method: 'POST',
        headers: auth(clinician, { 'content-type': stow.contentType, accept: 'application/dicom+json' }),
        body: stow.body,
      });
      expect(stowRes.status).toBe(200);
      expect(stowRes.headers.get('content-type')).toContain('application/dicom+json');
      const stowBody = (await stowRes.json()) as Record<string, { Value: Record<string, { Value: string[] }>[] }>;
      expect(stowBody['00081199']?.Value[0]?.['00081155']?.Value[0]).toBe(s.slices[5]?.sop);
      expect(stowBody['00081199']?.Value[0]?.['00091010']?.Value[0]).toBe(id);

      const before = await json(await api.fetch(`/v1/studies/${id}`, { headers: auth(clinician) }), 200);
      expect(before).toEqual({
        id,
        status: 'receiving',
        series: [
          { seriesInstanceUid: s.series, modality: 'CT', instanceCount: 6, bytes: s.slices.reduce((n, x) => n + x.bytes.length, 0) },
        ],
        result: null,
      });

      const submitted = await json(await api.fetch(`/v1/studies/${id}/submit`, { method: 'POST', headers: auth(clinician) }), 202);
      expect(submitted).toMatchObject({ id, status: 'queued', created: true, job: { kind: 'analysis', status: 'queued' } });
      expect((await json(await api.fetch(`/v1/studies/${id}/submit`, { method: 'POST', headers: auth(clinician) }), 202)).created).toBe(
        false,
      );

      const claimed = await json(
        await api.fetch('/v1/runner/jobs/claim', {
          method: 'POST',
          headers: auth(runner, { 'content-type': 'application/json' }),
          body: '{"leaseSeconds":60}',
        }),
        200,
      );
      expect(claimed.job).toMatchObject({ id: submitted.job.id, kind: 'analysis', payload: { studyId: id }, attempts: 1 });
      const lease = { 'embolus-lease-token': claimed.leaseToken as string };
      const list = await json(await api.fetch(`/v1/runner/jobs/${claimed.job.id}/instances`, { headers: auth(runner, lease) }), 200);
      expect(list.items).toHaveLength(6);
      const first = await api.fetch(list.items[0].url, { headers: auth(runner, lease) });
      expect(first.status).toBe(200);
      const firstBytes = new Uint8Array(await first.arrayBuffer());
      expect(s.slices.some((x) => x.sop === list.items[0].sopInstanceUid && x.bytes.length === firstBytes.length)).toBe(true);
      await json(await api.fetch(`/v1/runner/jobs/${claimed.job.id}/heartbeat`, { method: 'POST', headers: auth(runner, lease) }), 200);
      const attention = new TextEncoder().encode(JSON.stringify({ central_pe: [0.5, 0.5] }));
      await json(
        await api.fetch(`/v1/runner/jobs/${claimed.job.id}/artifacts/attention.json`, {
          method: 'PUT',
          headers: auth(runner, { ...lease, 'content-type': 'application/json' }),
          body: attention,
        }),
        201,
      );
      const result = analysisResult({
        pNegative: 0.05,
        central: true,
        rvlv: true,
        studyInstanceUid: s.study,
        artifacts: { attention: 'attention.json' },
      });
      const done = await json(
        await api.fetch(`/v1/runner/jobs/${claimed.job.id}/complete`, {
          method: 'POST',
          headers: auth(runner, { ...lease, 'content-type': 'application/json' }),
          body: JSON.stringify({ result }),
        }),
        200,
      );
      expect(done.replay).toBe(false);

      const after = await json(await api.fetch(`/v1/studies/${id}`, { headers: auth(clinician) }), 200);
      expect(after.status).toBe('complete');
      expect(after.result).toEqual(AnalysisResultSchema.parse(result));
      expect(Object.keys(after).sort()).toEqual(['id', 'result', 'series', 'status']);
      const worklist = await json(await api.fetch('/v1/studies?status=complete', { headers: auth(clinician) }), 200);
      expect(worklist.items[0]).toMatchObject({ id, urgent: true, decision: 'positive', status: 'complete' });
      expect(worklist.items[0].peProbability).toBeCloseTo(0.95);
      const art = await api.fetch(`/v1/studies/${id}/artifacts/attention.json`, { headers: auth(clinician) });
      expect(art.status).toBe(200);
      expect(new Uint8Array(await art.arrayBuffer())).toEqual(attention);
    });

    it('refuses identifying values and hides other tenants’ studies', async () => {
      const tenant = `scenario-${uid()}`;
      const clinician = await api.key(tenant, 'clinician');
      const outsider = await api.key(`other-${uid()}`, 'clinician');
      const { id } = await json(await api.fetch('/v1/studies', { method: 'POST', headers: auth(clinician) }), 201);
      const sop = uid();
      const bytes = ctSlice({ study: uid(), series: uid(), sop, index: 0, extra: [{ tag: 0x00100010, vr: 'PN', value: 'Doe^Jane' }] });
      const res = await api.fetch(`/v1/studies/${id}/instances/${sop}`, {
        method: 'PUT',
        headers: auth(clinician, { 'content-type': 'application/dicom' }),
        body: bytes,
      });
      const text = await res.text();
      expect(res.status).toBe(422);
      expect(text).not.toContain('Doe');
      expect(JSON.parse(text).error).toMatchObject({
        code: 'NOT_ANONYMIZED',
        details: { tags: [{ keyword: 'PatientName', tag: '(0010,0010)' }] },
      });
      expect((await api.fetch(`/v1/studies/${id}`, { headers: auth(outsider) })).status).toBe(404);
      expect(
        (
          await api.fetch(`/v1/studies/${id}/instances/${sop}`, {
            method: 'PUT',
            headers: auth(outsider, { 'content-type': 'application/dicom' }),
            body: bytes,
          })
        ).status,
      ).toBe(404);
      expect((await api.fetch(`/v1/studies/${id}`, { headers: { authorization: 'Bearer emb_nope' } })).status).toBe(401);
    });

    it('serves the OpenAPI 3.1 document and uniform error bodies', async () => {
      const doc = await json(await api.fetch('/v1/openapi.json'), 200);
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.paths['/v1/runner/jobs/claim']).toBeDefined();
      const missing = await api.fetch('/v1/studies');
      expect(missing.status).toBe(401);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      const key = await api.key(`scenario-${uid()}`, 'clinician');
      const nope = await api.fetch('/v1/nowhere', { headers: auth(key) });
      expect(await json(nope, 404)).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route', details: {} } });
    });

    it('refuses hostile archives entry by entry and reports STOW-RS partial failures', async () => {
      const key = await api.key(`scenario-${uid()}`, 'partner');
      const { id } = await json(await api.fetch('/v1/studies', { method: 'POST', headers: auth(key) }), 201);
      const s = ctStudy(3);
      const zip = buildZip([
        { name: '../../escape.dcm', data: s.slices[0]?.bytes as Uint8Array },
        { name: 'bomb.dcm', data: new Uint8Array(4 << 20), deflate: true, declaredSize: 1000 },
        { name: 'ok.dcm', data: s.slices[1]?.bytes as Uint8Array, deflate: true },
      ]);
      const batch = await json(
        await api.fetch(`/v1/studies/${id}/instances`, {
          method: 'POST',
          headers: auth(key, { 'content-type': 'application/zip' }),
          body: zip,
        }),
        200,
      );
      expect(batch.files.map((f: { code?: string; status: string }) => f.code ?? f.status)).toEqual([
        'UNSAFE_PATH',
        'INSTANCE_TOO_LARGE',
        'stored',
      ]);
      const stow = multipart([{ bytes: s.slices[2]?.bytes as Uint8Array }, { bytes: new TextEncoder().encode('not dicom') }], 'related');
      const res = await api.fetch('/dicomweb/studies', {
        method: 'POST',
        headers: auth(key, { 'content-type': stow.contentType }),
        body: stow.body,
      });
      expect(res.status).toBe(202);
      const body = (await res.json()) as Record<string, { Value: Record<string, { Value: unknown[] }>[] }>;
      expect(body['00081198']?.Value[0]?.['00081197']?.Value[0]).toBe(0xc000);
      expect(body['00081199']?.Value).toHaveLength(1);
    });

    it('a platform runner serves two tenants in turn and reads only its job’s study', async () => {
      const [x, y] = [`scenario-${uid()}`, `scenario-${uid()}`];
      const platform = await api.key('@platform', 'platform-runner');
      const submit = async (tenant: string): Promise<string> => {
        const clinician = await api.key(tenant, 'clinician');
        const { id } = await json(await api.fetch('/v1/studies', { method: 'POST', headers: auth(clinician) }), 201);
        const slice = ctStudy(1).slices[0] as { sop: string; bytes: Uint8Array };
        await json(
          await api.fetch(`/v1/studies/${id}/instances/${slice.sop}`, {
            method: 'PUT',
            headers: auth(clinician, { 'content-type': 'application/dicom' }),
            body: slice.bytes,
          }),
          201,
        );
        return (await json(await api.fetch(`/v1/studies/${id}/submit`, { method: 'POST', headers: auth(clinician) }), 202)).job
          .id as string;
      };
      const xJobs = [await submit(x), await submit(x), await submit(x)];
      // Claims one of ours, handing back any other test's leftover job (its attempt not counted).
      const mine = [...xJobs];
      const claim = async (): Promise<{ job: { id: string }; leaseToken: string }> => {
        for (let i = 0; i < 20; i++) {
          const c = await json(await api.fetch('/v1/runner/jobs/claim', { method: 'POST', headers: auth(platform) }), 200);
          if (mine.includes(c.job.id)) return c as { job: { id: string }; leaseToken: string };
          await json(
            await api.fetch(`/v1/runner/jobs/${c.job.id}/release`, {
              method: 'POST',
              headers: auth(platform, { 'embolus-lease-token': c.leaseToken }),
            }),
            200,
          );
        }
        throw new Error('no job of this test was claimed');
      };
      const order = [(await claim()).job.id];
      const yJob = await submit(y);
      mine.push(yJob);
      const c = await claim();
      order.push(c.job.id);
      // Y waited behind X's backlog, but X was served last: Y comes next.
      expect(order).toEqual([xJobs[0], yJob]);
      const lease = { 'embolus-lease-token': c.leaseToken };
      const list = await json(await api.fetch(`/v1/runner/jobs/${c.job.id}/instances`, { headers: auth(platform, lease) }), 200);
      expect((await api.fetch(list.items[0].url, { headers: auth(platform, lease) })).status).toBe(200);
      expect((await api.fetch(`/v1/studies/${list.studyId}`, { headers: auth(platform) })).status).toBe(403);
      expect((await api.fetch('/v1/studies', { headers: auth(platform) })).status).toBe(403);
      const body = JSON.stringify({ result: analysisResult() });
      await json(
        await api.fetch(`/v1/runner/jobs/${c.job.id}/complete`, {
          method: 'POST',
          headers: auth(platform, { ...lease, 'content-type': 'application/json' }),
          body,
        }),
        200,
      );
      for (let next = await claim(); ; next = await claim()) {
        await json(
          await api.fetch(`/v1/runner/jobs/${next.job.id}/complete`, {
            method: 'POST',
            headers: auth(platform, { 'embolus-lease-token': next.leaseToken, 'content-type': 'application/json' }),
            body,
          }),
          200,
        );
        order.push(next.job.id);
        if (order.length === 4) break;
      }
      expect(order.slice(2).sort()).toEqual(xJobs.slice(1).sort());
    });

    it('fails a job without retry, then analyses the resubmitted study', async () => {
      const tenant = `scenario-${uid()}`;
      const clinician = await api.key(tenant, 'clinician');
      const runner = await api.key(tenant, 'runner');
      const { id } = await json(await api.fetch('/v1/studies', { method: 'POST', headers: auth(clinician) }), 201);
      const s = ctStudy(2);
      for (const slice of s.slices) {
        await json(
          await api.fetch(`/v1/studies/${id}/instances/${slice.sop}`, {
            method: 'PUT',
            headers: auth(clinician, { 'content-type': 'application/dicom' }),
            body: slice.bytes,
          }),
          201,
        );
      }
      await json(await api.fetch(`/v1/studies/${id}/submit`, { method: 'POST', headers: auth(clinician) }), 202);
      const c1 = await json(await api.fetch('/v1/runner/jobs/claim', { method: 'POST', headers: auth(runner) }), 200);
      const failed = await json(
        await api.fetch(`/v1/runner/jobs/${c1.job.id}/fail`, {
          method: 'POST',
          headers: auth(runner, { 'embolus-lease-token': c1.leaseToken, 'content-type': 'application/json' }),
          body: JSON.stringify({ error: { code: 'NO_CT_SERIES', message: 'no usable CT series' }, retryable: false }),
        }),
        200,
      );
      expect(failed).toMatchObject({ status: 'failed', lastError: { code: 'NO_CT_SERIES' } });
      expect((await json(await api.fetch(`/v1/studies/${id}`, { headers: auth(clinician) }), 200)).status).toBe('failed');
      expect((await api.fetch('/v1/runner/jobs/claim', { method: 'POST', headers: auth(runner) })).status).toBe(204);
      expect((await json(await api.fetch(`/v1/studies/${id}/submit`, { method: 'POST', headers: auth(clinician) }), 202)).created).toBe(
        true,
      );
      const c2 = await json(await api.fetch('/v1/runner/jobs/claim', { method: 'POST', headers: auth(runner) }), 200);
      expect(c2.job.id).not.toBe(c1.job.id);
      const stale = await api.fetch(`/v1/runner/jobs/${c1.job.id}/complete`, {
        method: 'POST',
        headers: auth(runner, { 'embolus-lease-token': c1.leaseToken, 'content-type': 'application/json' }),
        body: JSON.stringify({ result: analysisResult() }),
      });
      expect(stale.status).toBe(409);
      await json(
        await api.fetch(`/v1/runner/jobs/${c2.job.id}/complete`, {
          method: 'POST',
          headers: auth(runner, { 'embolus-lease-token': c2.leaseToken, 'content-type': 'application/json' }),
          body: JSON.stringify({ result: analysisResult({ pNegative: 0.9 }) }),
        }),
        200,
      );
      const study = await json(await api.fetch(`/v1/studies/${id}`, { headers: auth(clinician) }), 200);
      expect(study.status).toBe('complete');
      expect(study.result.labels.negative_exam_for_pe.probability).toBe(0.9);
    });
  });
}
