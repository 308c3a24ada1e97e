/**
 * The study report of a phantom analysed by a real runner with the demo model: the API on Node
 * (local stack), the report routes called through `app.request` on the API's own dependencies,
 * and the PDF read back with poppler-utils (pdftotext: every label display name, the decisions,
 * the disclaimer; pdfimages: the key images, one per key window, at the slices' matrix).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '@embolus/edge-api';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, decisionsOf, DISPLAY_NAMES, keyWindows, STUDY_LABELS, type AnalysisResult } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const exec = promisify(execFile);
const tmp = tempDir('e2e-report');
let api: Api;
let runner: RunnerProcess;
let clinician: string;
let studyId: string;
let result: AnalysisResult;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 11, positiveRate: 1, study: { preset: 'demo' } });
  api = await startApi(path.join(tmp.dir, 'api'));
  clinician = await api.key('clinician');
  runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--health-port', '0']);
  ({ studyId } = await uploadStudy(api, clinician, path.join(ds.out, ds.studies[0]!.studyInstanceUid)));
  const detail = await waitFor(async () => {
    const d = (await (await api.call('GET', `/v1/studies/${studyId}`, clinician)).json()) as {
      status: string;
      result: AnalysisResult | null;
    };
    return d.status === 'complete' || d.status === 'failed' ? d : undefined;
  });
  expect(detail.status).toBe('complete');
  result = AnalysisResultSchema.parse(detail.result);
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

describe('the report of an analysed phantom', () => {
  it('is a PDF with every label, the decisions, the disclaimer as text and the key images with their overlays', async () => {
    const app = createApp(api.server.runtime.deps);
    const res = await app.request(`/v1/studies/${studyId}/report.pdf`, { headers: { authorization: `Bearer ${clinician}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = path.join(tmp.dir, 'report.pdf');
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    const text = (await exec('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout.replace(/\s+/g, ' ');
    for (const l of STUDY_LABELS) expect(text, DISPLAY_NAMES[l]).toContain(DISPLAY_NAMES[l]);
    const d = decisionsOf(result);
    const expected = STUDY_LABELS.map((l) => (d.exam === 'withheld' ? 'Withheld' : d.labels[l] ? 'Yes' : 'No'));
    expect([...text.matchAll(/ \d+\.\d % \d+\.\d % (Yes|No|Withheld) /g)].map((m) => m[1])).toEqual(expected);
    expect(text).toContain('Research software — not for clinical use. Results must not inform diagnosis or treatment.');
    expect(text).toContain(result.model.version);
    // The runner writes camGeometry, so overlays are placed by patient coordinates (no approximation note).
    expect(result.camGeometry).toBeDefined();
    expect(text).not.toContain('Overlay placement approximate');
    const windows = d.exam === 'withheld' ? [] : keyWindows(result, 3);
    for (const w of windows) expect(text).toContain(`Window ${w.index}, source slice`);
    const list = (await exec('pdfimages', ['-list', file])).stdout
      .split('\n')
      .slice(2)
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/));
    expect(list.map((c) => [c[2], c[5], c[7]])).toEqual(windows.map(() => ['image', 'rgb', '8']));
    expect(windows.length).toBeGreaterThan(0);
  });

  it('is the same content as a self-contained HTML page', async () => {
    const res = await api.call('GET', `/v1/studies/${studyId}/report.html`, clinician);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(keyWindows(result, 3).length);
    for (const l of STUDY_LABELS) expect(html).toContain(DISPLAY_NAMES[l].replace('<', '&lt;'));
  });
});
