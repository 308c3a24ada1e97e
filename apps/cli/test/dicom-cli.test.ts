/**
 * `embolus dicom …` and `embolus series …` as a user runs them: a child process, exit codes,
 * stdout JSON, one-line errors on stderr, files written.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDicom } from '@embolus/dicom';
import { SHARED_DATA, embolus, readNpy } from './cli-helpers';

const CT = path.join(SHARED_DATA, 'dicom-corpus/cornerstone_CTImage_all_transfer_syntaxes');
const J2K = path.join(CT, 'CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm');
const CHEST = path.join(SHARED_DATA, 'chest-ct');

describe('embolus dicom info', () => {
  it('prints key tags and the transfer syntax as JSON', async () => {
    const r = await embolus(['dicom', 'info', J2K]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.transferSyntax).toEqual({ uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', lossy: false, supported: true });
    expect(info.modality).toBe('CT');
    expect(info.pixel).toMatchObject({ rows: 512, cols: 512, bitsStored: 16, pixelRepresentation: 1 });
    expect(info.modalityLut).toEqual({ kind: 'rescale', slope: 1, intercept: -1024 });
    expect(info.plane.pixelSpacing).toHaveLength(2);
  });
});

describe('embolus dicom hu', () => {
  it('writes HU as float32 .npy [frames, rows, cols] equal to the library decode', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'embolus-hu-'));
    const out = path.join(dir, 'hu.npy');
    const r = await embolus(['dicom', 'hu', J2K, '--out', out]);
    expect(r.code).toBe(0);
    const npy = readNpy(await readFile(out));
    expect(npy.shape).toEqual([1, 512, 512]);
    const ref = await decodeDicom(new Uint8Array(await readFile(J2K)));
    expect(Buffer.compare(Buffer.from(npy.data.buffer), Buffer.from(ref.hu.buffer))).toBe(0);
  });

  it('fails with exit code 2 and one line `error CODE: message`, no stack trace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'embolus-hu-'));
    const bad = path.join(dir, 'notes.dcm');
    await writeFile(bad, 'this is a text file, not DICOM\n');
    const r = await embolus(['dicom', 'hu', bad, '--out', path.join(dir, 'x.npy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error NOT_DICOM: .+\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const colour = await embolus(['dicom', 'hu', path.join(CT, 'no-pixel-spacing.dcm'), '--out', path.join(dir, 'y.npy')]);
    expect(colour.code).toBe(2);
    expect(colour.stderr).toMatch(/^error UNSUPPORTED_PHOTOMETRIC: /);
  });

  it('decodes many files in one process and writes a manifest in input order', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'embolus-many-'));
    const bad = path.join(dir, 'bad.dcm');
    await writeFile(bad, new Uint8Array(300));
    const inputs = [J2K, bad, path.join(CT, 'CTImage.dcm')];
    const r = await embolus(['dicom', 'hu', ...inputs, '--out-dir', path.join(dir, 'out')]);
    expect(r.code).toBe(0);
    const lines = (await readFile(path.join(dir, 'out', 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(inputs);
    expect(lines[1].error.code).toBe('NOT_DICOM');
    expect(lines[0].npy).toMatch(/\.npy$/);
    // The same image in two encodings gives the same HU.
    const a = readNpy(await readFile(lines[0].npy));
    const b = readNpy(await readFile(lines[2].npy));
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
  });

  it('rejects bad arguments with exit code 1', async () => {
    const r = await embolus(['dicom', 'hu', J2K]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error USAGE: /);
  });
});

describe('embolus series', () => {
  it('finds the chest CT series, chooses it and says why', async () => {
    const r = await embolus(['series', CHEST, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.series).toHaveLength(1);
    expect(out.chosen).toMatchObject({ slices: 30, axial: true, spacing: { slice: 8 } });
    expect(out.chosen.reason).toMatch(/only axial CT series/);
  });

  it('decodes the chosen series into a HU volume with --volume', async () => {
    const r = await embolus(['series', CHEST, '--json', '--volume']);
    expect(r.code).toBe(0);
    const { volume } = JSON.parse(r.stdout);
    expect(volume.shape).toEqual([30, 512, 512]);
    expect(volume.extentMm[0]).toBe(240);
    expect(volume.hu.min).toBe(-1024);
    expect(volume.hu.airFraction).toBeGreaterThan(0.3);
    expect(volume.hu.mean).toBeGreaterThan(-800);
    expect(volume.hu.mean).toBeLessThan(-300);
  });

  it('exits 2 with NO_CT_SERIES when a folder has no usable series', async () => {
    const r = await embolus(['series', path.join(SHARED_DATA, 'dicom-corpus/debian_octave_dicom'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error NO_CT_SERIES: /m);
  });
});
