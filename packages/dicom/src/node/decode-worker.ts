/**
 * Worker side of parallel series decoding: decodes the instances it is given and writes their
 * HU straight into the shared volume buffer.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeDicom } from '../decode';
import { DicomError } from '../errors';

export interface DecodeTask {
  source: string;
  /** z index in the volume of each frame, and the frame it comes from. */
  zs: number[];
  frames: number[];
}

const { buffer, rows, cols, tasks } = workerData as { buffer: SharedArrayBuffer; rows: number; cols: number; tasks: DecodeTask[] };
const volume = new Float32Array(buffer);
const sliceLen = rows * cols;
let paddingCount = 0;
try {
  for (const t of tasks) {
    const b = await readFile(t.source);
    const img = await decodeDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), { source: t.source });
    if (img.pixel.rows !== rows || img.pixel.cols !== cols) {
      throw new DicomError('INCONSISTENT_SERIES', `${t.source} is ${img.pixel.cols}x${img.pixel.rows}, the series is ${cols}x${rows}`, { details: { source: t.source } });
    }
    paddingCount += img.paddingCount;
    t.zs.forEach((z, i) => volume.set(img.hu.subarray(t.frames[i]! * sliceLen, (t.frames[i]! + 1) * sliceLen), z * sliceLen));
  }
  parentPort!.postMessage({ ok: true, paddingCount });
} catch (e) {
  const err = e instanceof DicomError ? e : new DicomError('DECODE_FAILED', e instanceof Error ? e.message : String(e));
  parentPort!.postMessage({ ok: false, code: err.code, message: err.message, details: err.details });
}
