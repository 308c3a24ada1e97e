/**
 * Orthanc as the hospital PACS, end to end: Orthanc sends a phantom study to the Embolus DICOM
 * listener through its REST API (`/modalities/{id}/store`), a runner analyses it, and the SR and
 * key images come back into Orthanc, in the same study, over both legs: DIMSE C-STORE and
 * DICOMweb STOW-RS (orthanc-dicomweb). Orthanc then lists them under the study.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { startDicomListener, type DicomListener } from '@embolus/edge-api/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type Orthanc } from './helpers/orthanc';
import { dicomFiles, startApi, startRunner, stopRunner, tempDir, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-orthanc');
let api: Api;
let runner: RunnerProcess;
let listener: DicomListener;
let orthanc: Orthanc;
let files: string[];
let studyInstanceUid: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 31, positiveRate: 1, study: { preset: 'demo' } });
  studyInstanceUid = ds.studies[0]!.studyInstanceUid;
  files = dicomFiles(path.join(ds.out, studyInstanceUid));
  api = await startApi(path.join(tmp.dir, 'api'), { EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS: '500' });
  const deps = api.server.runtime.deps;
  listener = await startDicomListener({ deps, port: 0, aeTitle: 'EMBOLUS', quietMs: 1500 });
  orthanc = await startOrthanc(path.join(tmp.dir, 'orthanc'), { embolus: ['EMBOLUS', '127.0.0.1', listener.port] });
  const tenant = await deps.store.tenants.ensure('hospital');
  await deps.store.dicom.setAeTitles(tenant.id, [orthanc.aet]);
  await deps.store.dicom.createDestination(tenant.id, {
    name: 'orthanc-dimse',
    kind: 'dimse',
    host: '127.0.0.1',
    port: orthanc.dicomPort,
    calledAe: orthanc.aet,
    callingAe: 'EMBOLUS',
  });
  await deps.store.dicom.createDestination(tenant.id, { name: 'orthanc-stow', kind: 'stow-rs', url: `${orthanc.url}/dicom-web/studies` });
  api.server.runtime.startDicomOutput(200);
  runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--lease-seconds', '30']);
  await runner.waitForLog((l) => l.event === 'runner.started');
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await orthanc?.stop();
  await listener?.close();
  await api?.close();
  tmp.cleanup();
});

describe('Orthanc as the PACS', () => {
  it('sends a study to Embolus and gets the SR and key images back into the same study, over DIMSE and STOW-RS', async () => {
    for (const f of files) await orthanc.post('/instances', new Uint8Array(readFileSync(f)), 'application/dicom');
    const studies = await orthanc.get<string[]>('/studies');
    expect(studies).toHaveLength(1);
    const orthancStudy = studies[0]!;
    const job = await orthanc.post<{ Description?: string; FailedInstancesCount?: number; InstancesCount?: number }>(
      '/modalities/embolus/store',
      { Resources: [orthancStudy], Synchronous: true },
    );
    expect(job.FailedInstancesCount ?? 0).toBe(0);

    const deps = api.server.runtime.deps;
    const tenant = (await deps.store.tenants.byName('hospital'))!;
    const study = await waitFor(async () => (await deps.store.studies.worklist(tenant.id, { limit: 10, offset: 0 }))[0], 30_000);
    expect(study.studyInstanceUid).toBe(studyInstanceUid);
    expect(study.instanceCount).toBe(files.length);
    const deliveries = await waitFor(async () => {
      const d = await deps.store.dicom.deliveriesForStudy(tenant.id, study.id);
      return d.length === 2 && d.every((x) => x.status === 'delivered' || x.status === 'failed') ? d : undefined;
    }, 150_000);
    expect(deliveries.map((d) => [d.status, d.lastError])).toEqual([
      ['delivered', null],
      ['delivered', null],
    ]);

    // Orthanc files the objects into the study it sent: one SR series and one key image series more.
    const series = await orthanc.get<{ MainDicomTags: { Modality: string; SeriesInstanceUID: string }; Instances: string[] }[]>(
      `/studies/${orthancStudy}/series?expand`,
    );
    const modalities = series.map((s) => s.MainDicomTags.Modality).sort();
    expect(modalities).toEqual(['CT', 'OT', 'SR']);
    expect(await orthanc.get<string[]>('/studies')).toHaveLength(1);
    const sr = series.find((s) => s.MainDicomTags.Modality === 'SR')!;
    expect(sr.Instances).toHaveLength(1);
    const tags = await orthanc.get<Record<string, { Value?: unknown }>>(`/instances/${sr.Instances[0]}/simplified-tags`);
    expect(tags['StudyInstanceUID']).toBe(studyInstanceUid);
    expect(tags['SOPClassUID']).toBe('1.2.840.10008.5.1.4.1.1.88.33');
    // DICOMweb lists them too (QIDO-RS of the plugin).
    const qido = (await (await fetch(`${orthanc.url}/dicom-web/studies/${studyInstanceUid}/series`)).json()) as Record<
      string,
      { Value: string[] }
    >[];
    expect(qido.map((s) => s['00080060']!.Value[0]).sort()).toEqual(['CT', 'OT', 'SR']);
  });
});
