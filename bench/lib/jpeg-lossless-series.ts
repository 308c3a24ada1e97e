/**
 * The preprocessing benchmark's input: a 256-slice 512² contrast CTPA phantom at 1.25 mm
 * (the shape of a real diagnostic series), re-encoded JPEG-lossless (process 14, SV1; transfer
 * syntax 1.2.840.10008.1.2.4.70, what scanners commonly store) with DCMTK's `dcmcjpeg`. Like
 * most scanners' images, everything outside the reconstruction circle is padding
 * (PixelPaddingValue 0, i.e. −1024 HU, which the reference reads as air and we fill with air), so
 * the pipeline's padding step does real work.
 * Cached in the system temp folder; a `<dir>.complete` file beside it says the series is whole (a
 * marker inside would be read as an instance by the reference, which takes every file but `.md`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Stored value written outside the reconstruction circle and declared as PixelPaddingValue. */
const PADDING = 0;

/** Overwrites the native 16-bit pixels of `file` outside the inscribed circle with PADDING. */
async function padOutsideCircle(file: string): Promise<void> {
  const { readDicomInfo } = await import('@embolus/dicom');
  const bytes = new Uint8Array(await readFile(file));
  const { parsed, info } = readDicomInfo(bytes, { source: path.basename(file) });
  const pm = info.pixel;
  if (pm?.bitsAllocated !== 16 || parsed.transferSyntax?.codec !== 'native') throw new Error(`${file}: expected native 16-bit pixels`);
  const at = parsed.dataSet.elements.x7fe00010!.dataOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, pm.rows * pm.cols * 2);
  const cy = (pm.rows - 1) / 2;
  const cx = (pm.cols - 1) / 2;
  const r2 = (Math.min(pm.rows, pm.cols) / 2) ** 2;
  for (let y = 0; y < pm.rows; y++)
    for (let x = 0; x < pm.cols; x++) if ((y - cy) ** 2 + (x - cx) ** 2 > r2) view.setUint16((y * pm.cols + x) * 2, PADDING, true);
  await writeFile(file, bytes);
}

/** Where the series lives; the name carries every parameter, so a change never reuses a stale copy. */
export const SERIES_DIR = path.join(os.tmpdir(), 'embolus-bench-ctpa-256x512-1.25mm-jpegls-sv1');

/** Returns the folder of the JPEG-lossless series, making it first if needed (about a minute). */
export async function jpegLosslessSeries(log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<string> {
  const done = SERIES_DIR + '.complete';
  if (existsSync(done)) return SERIES_DIR;
  await run('dcmcjpeg', ['--version']).catch(() => {
    throw new Error("DCMTK's dcmcjpeg is needed to make the benchmark series: apt-get install -y dcmtk");
  });
  log('making a 256-slice 512² JPEG-lossless series (phantom + dcmcjpeg), once…');
  const raw = SERIES_DIR + '.raw';
  await rm(done, { force: true });
  await rm(raw, { recursive: true, force: true });
  await rm(SERIES_DIR, { recursive: true, force: true });
  const { writeDataset } = await import('@embolus/phantom');
  await writeDataset({
    out: raw,
    studies: 1,
    seed: 256,
    positiveRate: 1,
    study: { preset: 'full', matrix: 512, slices: 256, sliceThicknessMm: 1.25 },
  });
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.dcm')) files.push(p);
    }
  };
  await walk(raw);
  await mkdir(SERIES_DIR, { recursive: true });
  // Two encoders at a time: the machine is shared.
  for (let i = 0; i < files.length; i += 2) {
    await Promise.all(
      files.slice(i, i + 2).map(async (f) => {
        await padOutsideCircle(f);
        await run('dcmodify', ['-nb', '-i', `(0028,0120)=${PADDING}`, f]);
        await run('dcmcjpeg', ['+e1', f, path.join(SERIES_DIR, path.basename(f))]);
      }),
    );
  }
  await rm(raw, { recursive: true, force: true });
  await writeFile(done, `${files.length} slices\n`);
  return SERIES_DIR;
}
