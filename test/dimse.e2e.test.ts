/**
 * The DICOM listener against real DCMTK peers: echoscu, storescu of a phantom study (stored,
 * submitted after the quiet period and analysed by a runner), an unknown calling AE rejected at
 * association, refused instances (non-CT, PHI, malformed) answered with a failure status while
 * the association goes on, and a peer that drops mid-instance leaving nothing half-stored.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { startDicomListener, type DicomListener } from '@embolus/edge-api/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cuttingRelay, dcmtk, freePort, modifiedCopy, storeResponses } from '@embolus/testkit/dcmtk';
import { dicomFiles, startApi, startRunner, stopRunner, tempDir, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-dimse');
let api: Api;
let runner: RunnerProcess;
let listener: DicomListener;
let clinician: string;
let files: string[];
let secondStudy: string[];
const submitted: { studyId: string; jobId: string | null }[] = [];
let pacsPort: number;
let analysedStudy: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 2, seed: 21, positiveRate: 1, study: { preset: 'demo' } });
  files = dicomFiles(path.join(ds.out, ds.studies[0]!.studyInstanceUid));
  secondStudy = dicomFiles(path.join(ds.out, ds.studies[1]!.studyInstanceUid));
  api = await startApi(path.join(tmp.dir, 'api'), {
    EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS: '300',
    EMBOLUS_DICOM_DELIVERY_BACKOFF_MAX_MS: '1000',
    EMBOLUS_DICOM_DELIVERY_TIMEOUT_MS: '5000',
  });
  clinician = await api.key('clinician');
  const deps = api.server.runtime.deps;
  const tenant = await deps.store.tenants.ensure('hospital');
  await deps.store.dicom.setAeTitles(tenant.id, ['MODALITY1', 'PACS1']);
  // The hospital PACS (storescp) is down at first: nothing listens on this port yet.
  pacsPort = await freePort();
  await deps.store.dicom.createDestination(tenant.id, {
    name: 'pacs',
    kind: 'dimse',
    host: '127.0.0.1',
    port: pacsPort,
    calledAe: 'STORESCP',
    callingAe: 'EMBOLUS',
  });
  api.server.runtime.startDicomOutput(200);
  listener = await startDicomListener({ deps, port: 0, aeTitle: 'EMBOLUS', quietMs: 1500, onSubmitted: (e) => submitted.push(e) });
  runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--lease-seconds', '30']);
  await runner.waitForLog((l) => l.event === 'runner.started');
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await listener?.close();
  await api?.close();
  tmp.cleanup();
});

const port = () => String(listener.port);

describe('DICOM listener with DCMTK', () => {
  it('answers C-ECHO from an allowed AE and rejects unknown calling and called AE titles at association', async () => {
    const ok = await dcmtk('echoscu', ['-v', '-aet', 'MODALITY1', '-aec', 'EMBOLUS', '127.0.0.1', port()]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('Received Echo Response (Success)');
    const unknown = await dcmtk('echoscu', ['-aet', 'STRANGER', '-aec', 'EMBOLUS', '127.0.0.1', port()]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('Calling AE Title Not Recognized');
    const wrongCalled = await dcmtk('echoscu', ['-aet', 'MODALITY1', '-aec', 'OTHER', '127.0.0.1', port()]);
    expect(wrongCalled.code).not.toBe(0);
    expect(wrongCalled.out).toContain('Called AE Title Not Recognized');
  });

  it('rejects associations past the connection limit with a transient rejection', async () => {
    const small = await startDicomListener({ deps: api.server.runtime.deps, port: 0, aeTitle: 'EMBOLUS', maxAssociations: 1 });
    const { connect } = await import('node:net');
    const idle = connect(small.port, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    try {
      const r = await dcmtk('echoscu', ['-aet', 'MODALITY1', '-aec', 'EMBOLUS', '127.0.0.1', String(small.port)]);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/Rejected Transient/);
      expect(r.out).toMatch(/Local Limit Exceeded/i);
      idle.destroy();
      await waitFor(
        async () =>
          (await dcmtk('echoscu', ['-aet', 'MODALITY1', '-aec', 'EMBOLUS', '127.0.0.1', String(small.port)])).code === 0 ? true : undefined,
        5_000,
      );
    } finally {
      idle.destroy();
      await small.close();
    }
  });

  it('stores a storescu phantom study, refuses non-CT, PHI and malformed instances in one association, analyses the study', async () => {
    const src = files[0]!;
    const mr = await modifiedCopy(src, path.join(tmp.dir, 'mr.dcm'), [
      '-m',
      '(0008,0016)=1.2.840.10008.5.1.4.1.1.4',
      '-m',
      '(0008,0060)=MR',
      '-m',
      '(0008,0018)=2.25.1001',
    ]);
    const phi = await modifiedCopy(src, path.join(tmp.dir, 'phi.dcm'), ['-i', '(0010,0010)=DOE^JOHN', '-m', '(0008,0018)=2.25.1002']);
    // 70 nested sequences: past the parser's 64-level limit, so refused as malformed (DCMTK reads it).
    const deep = await modifiedCopy(src, path.join(tmp.dir, 'deep.dcm'), [
      '-i',
      `${'(0040,0275)[0].'.repeat(70)}(0040,0007)=x`,
      '-m',
      '(0008,0018)=2.25.1003',
    ]);
    const sent = await dcmtk('storescu', [
      '-v',
      '-nh',
      '-aet',
      'MODALITY1',
      '-aec',
      'EMBOLUS',
      '127.0.0.1',
      port(),
      mr,
      ...files.slice(0, 10),
      phi,
      deep,
      ...files.slice(10),
    ]);
    const responses = storeResponses(sent.out);
    expect(responses).toHaveLength(files.length + 3);
    expect(responses[0]).toBe('Refused: SOPClassNotSupported');
    expect(responses[11]).toBe('Error: CannotUnderstand');
    expect(responses[12]).toBe('Error: CannotUnderstand');
    expect(responses.filter((r) => r === 'Success')).toHaveLength(files.length);
    // Error Comment carries the reason code (PHI: the tag name, never the value).
    const detail = await dcmtk('storescu', ['-d', '-aet', 'MODALITY1', '-aec', 'EMBOLUS', '127.0.0.1', port(), phi]);
    const comment = /\(0000,0902\) LO \[([^\]]*)\]/.exec(detail.out)?.[1];
    expect(comment).toMatch(/^NOT_ANONYMIZED: .*PatientName/);
    expect(comment).not.toContain('DOE');
    const deepDetail = await dcmtk('storescu', ['-d', '-aet', 'MODALITY1', '-aec', 'EMBOLUS', '127.0.0.1', port(), deep]);
    expect(/\(0000,0902\) LO \[([^\]]*)\]/.exec(deepDetail.out)?.[1]).toMatch(/^NOT_DICOM: /);

    const sub = await waitFor(async () => submitted.find((s) => s.jobId !== null), 30_000);
    const study = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${sub.studyId}`, clinician)).json()) as {
        status: string;
        series: { instanceCount: number }[];
      };
      return d.status === 'complete' || d.status === 'failed' ? d : undefined;
    });
    expect(study.status).toBe('complete');
    const list = (await (await api.call('GET', `/v1/studies/${sub.studyId}/instances`, clinician)).json()) as {
      items: { sopInstanceUid: string }[];
    };
    expect(list.items).toHaveLength(files.length);
    expect(list.items.map((i) => i.sopInstanceUid).filter((u) => u.startsWith('2.25.100'))).toEqual([]);
    analysedStudy = sub.studyId;
    // Writes over DIMSE are audited like STOW-RS: who (calling AE), how many, and the submit.
    const auditRepo = api.server.runtime.deps.store.audit;
    const tenantId = (await api.server.runtime.deps.store.tenants.byName('hospital'))!.id;
    const writes = await auditRepo.list(tenantId, { studyId: sub.studyId, action: 'instance.write', limit: 10 });
    expect(writes.map((w) => w.detail)).toEqual([{ via: 'dimse', callingAe: 'MODALITY1', stored: files.length, duplicate: 0, refused: 3 }]);
    expect(await auditRepo.list(tenantId, { studyId: sub.studyId, action: 'study.submit', limit: 10 })).toHaveLength(1);
  });

  it('retries delivery to a down PACS (backoff, log), then delivers SR and key images to the study once storescp listens', async () => {
    const deps = api.server.runtime.deps;
    const tenant = (await deps.store.tenants.byName('hospital'))!;
    const failing = await waitFor(async () => {
      const [d] = await deps.store.dicom.deliveriesForStudy(tenant.id, analysedStudy);
      return d && d.attempts >= 2 ? d : undefined;
    }, 30_000);
    expect(failing.status).toBe('pending');
    expect(failing.lastError).toMatch(/network error/);
    const log = JSON.parse(failing.log) as { at: number; ok: boolean }[];
    expect(log.every((a) => !a.ok)).toBe(true);
    expect(log[1]!.at - log[0]!.at).toBeGreaterThanOrEqual(250);

    const inbox = path.join(tmp.dir, 'pacs');
    mkdirSync(inbox);
    const scp = spawn('storescp', ['-aet', 'STORESCP', '-od', inbox, String(pacsPort)], { stdio: 'ignore' });
    try {
      const done = await waitFor(async () => {
        const [d] = await deps.store.dicom.deliveriesForStudy(tenant.id, analysedStudy);
        return d?.status === 'delivered' ? d : undefined;
      }, 30_000);
      expect(done.attempts).toBeGreaterThanOrEqual(3);
      const received = readdirSync(inbox).map((f) => path.join(inbox, f));
      const srFile = received.find((f) => path.basename(f).startsWith('SR'));
      expect(srFile, received.join(',')).toBeDefined();
      const dump = await dcmtk('dsrdump', ['+Pl', srFile!]);
      expect(dump.code, dump.out).toBe(0);
      expect(dump.out).toContain('NOT FOR CLINICAL USE');
      const studyUid = (await studyUidOf(files[0]!)).dicomInfoUid;
      expect(received.length).toBeGreaterThanOrEqual(2);
      for (const f of received) {
        expect((await studyUidOf(f)).dicomInfoUid).toBe(studyUid);
        // As received by the PACS (after the DIMSE leg), still valid objects.
        const v = await dcmtk('dciodvfy', [f]);
        expect(
          v.out.split('\n').filter((l) => l.startsWith('Error')),
          v.out,
        ).toEqual([]);
      }
      // The same SR is downloadable from the API.
      const res = await api.call('GET', `/v1/studies/${analysedStudy}/artifacts/dicom-sr.dcm`, clinician);
      expect(res.status).toBe(200);
      const sopOf = async (f: string) => /\[([0-9.]+)\]/.exec((await dcmtk('dcmdump', ['+P', '0008,0018', f])).out)?.[1];
      const downloaded = path.join(tmp.dir, 'downloaded-sr.dcm');
      writeFileSync(downloaded, new Uint8Array(await res.arrayBuffer()));
      expect(await sopOf(downloaded)).toBe(await sopOf(srFile!));
    } finally {
      scp.kill('SIGTERM');
    }
  });

  it('accepts the common transfer syntaxes and stores each instance as negotiated', async () => {
    const listener2 = await startDicomListener({ deps: api.server.runtime.deps, port: 0, aeTitle: 'EMBOLUS', quietMs: 600_000 });
    try {
      const src = secondStudy[5]!;
      // name, DCMTK encoder, storescu option proposing that syntax, expected stored syntax.
      const variants: [string, string | null, string, string][] = [
        ['implicit', null, '-xi', '1.2.840.10008.1.2'],
        ['rle', 'dcmcrle', '-xr', '1.2.840.10008.1.2.5'],
        ['jpeg-lossless', 'dcmcjpeg', '-xs', '1.2.840.10008.1.2.4.70'],
        ['jpeg-ls', 'dcmcjpls', '-xt', '1.2.840.10008.1.2.4.80'],
      ];
      const store = api.server.runtime.deps.store;
      const tenant = (await store.tenants.byName('hospital'))!;
      for (const [i, [name, tool, propose, ts]] of variants.entries()) {
        const uid = `2.25.2000${i}`;
        // Its own study, so the other tests' studies are untouched.
        const f = await modifiedCopy(src, path.join(tmp.dir, `${name}-base.dcm`), [
          '-m',
          `(0008,0018)=${uid}`,
          '-m',
          '(0020,000d)=2.25.3000',
        ]);
        const out = path.join(tmp.dir, `${name}.dcm`);
        if (tool) expect((await dcmtk(tool, [f, out])).code).toBe(0);
        const sent = await dcmtk('storescu', [
          '-v',
          propose,
          '-aet',
          'PACS1',
          '-aec',
          'EMBOLUS',
          '127.0.0.1',
          String(listener2.port),
          tool ? out : f,
        ]);
        expect(storeResponses(sent.out), sent.out).toEqual(['Success']);
        const study = (await store.studies.receivingByUid(tenant.id, '2.25.3000'))!;
        const row = (await store.studies.instance(tenant.id, study.id, uid))!;
        const stored = path.join(tmp.dir, `${name}-stored.dcm`);
        writeFileSync(stored, (await api.server.runtime.deps.blobs.get(row.blobKey))!);
        const meta = await dcmtk('dcmdump', ['-Un', '+P', '0002,0010', stored]);
        expect(meta.out, name).toContain(ts);
      }
    } finally {
      await listener2.close();
    }
  });

  it('keeps the instances received before a peer drops mid-instance, stores nothing of the cut one, and takes the rest later', async () => {
    const slow = await startDicomListener({ deps: api.server.runtime.deps, port: 0, aeTitle: 'EMBOLUS', quietMs: 600_000 });
    try {
      const { statSync } = await import('node:fs');
      const size = statSync(secondStudy[0]!).size;
      // Association (a few hundred bytes) + 3 whole instances + half of the 4th, then the socket closes.
      const relay = await cuttingRelay(slow.port, Math.round(3.5 * size) + 2000);
      const cut = await dcmtk('storescu', ['-v', '-aet', 'PACS1', '-aec', 'EMBOLUS', '127.0.0.1', String(relay.port), ...secondStudy]);
      await relay.close();
      expect(cut.code).not.toBe(0);
      const ok = storeResponses(cut.out).filter((r) => r === 'Success').length;
      expect(ok).toBeGreaterThanOrEqual(2);
      expect(ok).toBeLessThan(secondStudy.length);
      const store = api.server.runtime.deps.store;
      const tenant = (await store.tenants.byName('hospital'))!;
      const { dicomInfoUid } = await studyUidOf(secondStudy[0]!);
      const study = await waitFor(async () => (await store.studies.receivingByUid(tenant.id, dicomInfoUid)) ?? undefined, 10_000);
      // Let the listener notice the closed socket; then only whole instances are there.
      await new Promise((r) => setTimeout(r, 500));
      const stored = await store.studies.instances(tenant.id, study.id);
      expect(stored).toHaveLength(ok);
      const blobDir = path.join(tmp.dir, 'api', 'blobs', 'tenants', tenant.id, 'studies', study.id, 'instances');
      const blobs = existsSync(blobDir) ? readdirSync(blobDir) : [];
      expect(blobs.filter((b) => b.endsWith('.dcm'))).toHaveLength(ok);
      expect(blobs.filter((b) => !b.endsWith('.dcm'))).toEqual([]);

      const again = await dcmtk('storescu', ['-v', '-aet', 'PACS1', '-aec', 'EMBOLUS', '127.0.0.1', String(slow.port), ...secondStudy]);
      expect(again.code, again.out).toBe(0);
      expect(await store.studies.instances(tenant.id, study.id)).toHaveLength(secondStudy.length);
    } finally {
      await slow.close();
    }
  });
});

async function studyUidOf(file: string): Promise<{ dicomInfoUid: string }> {
  const r = await dcmtk('dcmdump', ['+P', '0020,000d', file]);
  const m = /\[([0-9.]+)\]/.exec(r.out);
  if (!m) throw new Error('no Study Instance UID');
  return { dicomInfoUid: m[1]! };
}
