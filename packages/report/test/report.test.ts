/**
 * The report over a real phantom study: content order and escaping in the model and the HTML,
 * and the PDF read back with independent tools (pdftotext, pdfimages from poppler-utils). The
 * result is synthetic (built from the phantom's slices); the slices and the readers are real.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { contrastCheck, coverageCheck, DISPLAY_NAMES, STUDY_LABELS, summarizeQuality, type AnalysisResult } from '@embolus/shared';
import { dicomFiles } from '@embolus/testkit/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABSENCE_SENTENCES,
  buildReport,
  DISCLAIMER,
  escapeHtml,
  renderReportHtml,
  renderReportPdf,
  ReportError,
  type ReportKeyImage,
} from '../src';
import { collectKeyImages, loadReportFonts } from '../src/node';
import { pdfImages, pdfText, syntheticCam, syntheticResult } from './helpers';

const tmp = mkdtempSync(path.join(tmpdir(), 'embolus-report-'));
const generatedAt = new Date('2026-12-04T12:00:00Z');
let files: string[];
let result: AnalysisResult;
let input: Parameters<typeof collectKeyImages>[0];

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp, 'ph'), studies: 1, seed: 5, positiveRate: 1, study: { preset: 'demo' } });
  const study = ds.studies[0]!;
  files = dicomFiles(path.join(ds.out, study.studyInstanceUid)).sort();
  const seriesUid = path.basename(path.dirname(files[0]!));
  const sops = files.map((f) => path.basename(f, '.dcm'));
  result = syntheticResult(study.studyInstanceUid, seriesUid, sops);
  input = {
    result,
    instances: sops.map((s) => ({ sopInstanceUid: s, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', seriesInstanceUid: seriesUid })),
    loadInstance: async (uid) => new Uint8Array(readFileSync(files[sops.indexOf(uid)]!)),
    cam: syntheticCam(result.windows.length),
  };
}, 60_000);

afterAll(() => (process.env['KEEP_TMP'] ? console.log(tmp) : rmSync(tmp, { recursive: true, force: true })));

const nonDiagnostic = (r: AnalysisResult): AnalysisResult => {
  const quality = summarizeQuality([contrastCheck(140, 250), coverageCheck({ first: 0, last: 0.01 }, 0.1)]);
  return {
    ...r,
    quality,
    labels: Object.fromEntries(Object.entries(r.labels).map(([l, v]) => [l, { ...v, decision: false }])) as AnalysisResult['labels'],
    exam: { ...r.exam!, decision: 'withheld', reason: quality.reason!, overrides: [] },
  };
};

describe('report content', () => {
  it('lists every label in catalogue order with probability, threshold and the reported decision', () => {
    const m = buildReport({ study: { id: 'st-1' }, result, keyImages: [], keyImageAbsence: 'no-cam', generatedAt });
    expect(m.labels.map((l) => l.label)).toEqual([...STUDY_LABELS]);
    expect(m.labels.map((l) => l.name)).toEqual(STUDY_LABELS.map((l) => DISPLAY_NAMES[l]));
    expect(m.labels.map((l) => l.decision)).toEqual(STUDY_LABELS.map((l) => (result.labels[l]!.decision ? 'Yes' : 'No')));
    expect(m.exam).toEqual({ decision: 'PE positive', reason: result.exam!.reason });
    expect(m.nonDiagnostic).toBeNull();
    const html = renderReportHtml(m);
    const order = [...html.matchAll(/data-label="([a-z_0-9]+)"/g)].map((x) => x[1]);
    expect(order).toEqual([...STUDY_LABELS]);
    expect(m.model.thresholdSet).toMatch(/set for this model version/);
    const site = buildReport({
      study: { id: 'st-1' },
      result: { ...result, thresholdSet: { id: 'ts-1', version: 3 } },
      keyImages: [],
      keyImageAbsence: 'no-cam',
      generatedAt,
    });
    expect(site.model.thresholdSet).toBe('this site’s threshold set, version 3');
  });

  it('puts "Non-diagnostic: …" before anything else and shows no decision and no key image', () => {
    const nd = nonDiagnostic(result);
    const fake: ReportKeyImage = {
      rgb: new Uint8Array(4 * 4 * 3),
      rows: 4,
      cols: 4,
      windowIndex: 3,
      probability: 0.9,
      reported: true,
      placement: 'patient',
    };
    const m = buildReport({ study: { id: 'st-2' }, result: nd, keyImages: [fake], generatedAt });
    expect(m.nonDiagnostic?.reason).toMatch(/^Non-diagnostic: /);
    expect(m.exam).toBeNull();
    expect(m.labels.every((l) => l.decision === 'Withheld')).toBe(true);
    expect(m.keyImages).toEqual([]);
    expect(m.keyImageNote).toBe(ABSENCE_SENTENCES['non-diagnostic']);
    const html = renderReportHtml(m);
    const body = html.slice(html.indexOf('<body>'));
    // Only the disclaimer banner may come before it.
    const reasonAt = body.indexOf(escapeHtml(m.nonDiagnostic!.reason));
    expect(reasonAt).toBeGreaterThan(0);
    expect(reasonAt).toBeLessThan(body.indexOf('<h1>'));
    expect(
      body
        .slice(0, reasonAt)
        .replace(/<[^>]+>/g, '')
        .trim(),
    ).toBe(escapeHtml(DISCLAIMER));
    expect(html).not.toMatch(/<td class="yes">Yes<\/td>|>No<\/td>/);
    expect(html).not.toContain('Exam decision');
    expect(html).not.toContain('<img');
  });

  it('escapes every string it prints in the HTML', () => {
    const evil = '<script>alert("x")</script>&\'';
    const r: AnalysisResult = {
      ...result,
      model: { ...result.model, version: evil, trainedOn: `<img src=x onerror=alert(1)>` },
      exam: { ...result.exam!, reason: evil },
    };
    const html = renderReportHtml(
      buildReport({
        study: { id: '"><b>id</b>', studyInstanceUid: '<i>acc</i>' },
        result: r,
        keyImages: [],
        keyImageAbsence: 'no-cam',
        generatedAt,
      }),
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>id</b>');
    expect(html).not.toContain('<i>acc</i>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('refuses a key image whose bytes do not match its size', () => {
    const bad: ReportKeyImage = {
      rgb: new Uint8Array(10),
      rows: 4,
      cols: 4,
      windowIndex: 0,
      probability: 0.5,
      reported: false,
      placement: 'patient',
    };
    expect(() => buildReport({ study: { id: 's' }, result, keyImages: [bad], generatedAt })).toThrow(ReportError);
  });
});

describe('key images for the report', () => {
  it('renders the key windows from the stored slices through dicom-out, one per window', async () => {
    const { keyImages, absence } = await collectKeyImages(input);
    expect(absence).toBeUndefined();
    // Only window 3 is reported, so it is the one key image (keyWindows).
    expect(keyImages.map((k) => [k.windowIndex, k.reported, k.placement])).toEqual([[3, true, 'stretched']]);
    const k = keyImages[0]!;
    expect(k.rgb.length).toBe(k.rows * k.cols * 3);
    // The overlay is in the pixels: some pixel is far from grey.
    let coloured = 0;
    for (let i = 0; i < k.rgb.length; i += 3) if (Math.abs(k.rgb[i]! - k.rgb[i + 2]!) > 60) coloured++;
    expect(coloured).toBeGreaterThan(100);
  });

  it('says why there are no overlays when the CAM is missing or does not fit the result', async () => {
    expect(await collectKeyImages({ ...input, cam: null })).toEqual({ keyImages: [], absence: 'no-cam' });
    expect(await collectKeyImages({ ...input, cam: syntheticCam(result.windows.length + 1).subarray(0, 200) })).toEqual({
      keyImages: [],
      absence: 'cam-mismatch',
    });
    // 7 frames do not divide into the windows.
    const { encodeNpyFloat32 } = await import('./helpers');
    expect(await collectKeyImages({ ...input, cam: encodeNpyFloat32(new Float32Array(7 * 4), [7, 2, 2]) })).toEqual({
      keyImages: [],
      absence: 'cam-mismatch',
    });
    // A geometry of another shape than the artifact.
    const geometry = {
      shape: [result.windows.length * 10, 32, 32] as [number, number, number],
      validFrames: 10,
      affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0],
    };
    expect(await collectKeyImages({ ...input, result: { ...result, camGeometry: geometry } })).toEqual({
      keyImages: [],
      absence: 'cam-mismatch',
    });
    const m = buildReport({ study: { id: 's' }, result, keyImages: [], keyImageAbsence: 'cam-mismatch', generatedAt });
    expect(renderReportHtml(m)).toContain(escapeHtml(ABSENCE_SENTENCES['cam-mismatch']));
    expect(await collectKeyImages({ ...input, result: nonDiagnostic(result) })).toEqual({ keyImages: [], absence: 'non-diagnostic' });
  });
});

describe('the PDF, read back with poppler', () => {
  it('has every label name, the decisions, the model, the disclaimer as text and the key images as images', async () => {
    // Three reported windows, so three key images.
    const r3: AnalysisResult = {
      ...result,
      windows: result.windows.map((w) => (w.index >= 1 && w.index <= 3 ? { ...w, decision: true, probability: 0.6 + w.index / 10 } : w)),
    };
    const { keyImages } = await collectKeyImages({ ...input, result: r3 });
    expect(keyImages).toHaveLength(3);
    const m = buildReport({ study: { id: 'study-abc' }, result: r3, keyImages, generatedAt });
    const pdf = await renderReportPdf(m, await loadReportFonts());
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-');
    const text = await pdfText(pdf, tmp);
    const flat = text.replace(/\s+/g, ' ');
    for (const l of STUDY_LABELS) expect(flat, DISPLAY_NAMES[l]).toContain(DISPLAY_NAMES[l]);
    expect(flat).toContain(DISCLAIMER);
    expect(flat).toContain('PE positive');
    expect(flat).toContain('demo-1.0.0');
    expect(flat).toContain('study-abc');
    expect(flat).toContain(m.generatedAt);
    // One decision per label, in catalogue order after the names.
    const decisions = [...flat.matchAll(/ (\d+\.\d) % (\d+\.\d) % (Yes|No) /g)].map((x) => x[3]);
    expect(decisions).toEqual(m.labels.map((l) => l.decision));
    const names = STUDY_LABELS.map((l) => flat.indexOf(DISPLAY_NAMES[l]));
    expect([...names].sort((a, b) => a - b)).toEqual(names);
    for (const k of m.keyImages) expect(flat).toContain(k.caption);
    const images = await pdfImages(pdf, tmp);
    expect(images.filter((i) => i.type === 'image')).toEqual(
      keyImages.map((k) => ({ type: 'image', width: k.cols, height: k.rows, color: 'rgb', bpc: 8 })),
    );
  });

  it('leads a non-diagnostic PDF with the reason and prints no decision and no image', async () => {
    const m = buildReport({ study: { id: 'study-nd' }, result: nonDiagnostic(result), keyImages: [], generatedAt });
    const pdf = await renderReportPdf(m, await loadReportFonts());
    const flat = (await pdfText(pdf, tmp, 'nd.pdf')).replace(/\s+/g, ' ').trim();
    expect(flat.startsWith(`${DISCLAIMER} Non-diagnostic: `)).toBe(true);
    expect(flat).not.toMatch(/ % (Yes|No) /);
    expect(flat.match(/ % Withheld/g)).toHaveLength(STUDY_LABELS.length);
    expect(flat).toContain(ABSENCE_SENTENCES['non-diagnostic']);
    expect(await pdfImages(pdf, tmp, 'nd-images.pdf')).toEqual([]);
  });
});
