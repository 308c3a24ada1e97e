/**
 * Worker side of parallel series decoding: decodes the instances it is given and writes their
 * HU straight into the shared volume buffer.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DicomError } from '../errors';
import { decodeInstanceSlices } from '../volume';

export interface DecodeTask {
  source: string;
  /** z index in the volume of each frame, and the frame it comes from. */
  zs: number[];
  frames: number[];
}

const { buffer, rows, cols, tasks } = workerData as { buffer: SharedArrayBuffer; rows: number; cols: number; tasks: DecodeTask[] };
const volume = new Float32Array(buffer);
let paddingCount = 0;
try {
  for (const t of tasks) {
    // Synchronous: this thread has nothing else to do, and it saves an event-loop turn per file.
    const b = readFileSync(t.source);
    paddingCount += await decodeInstanceSlices(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), t.source, t.frames, t.zs, rows, cols, volume);
  }
  parentPort!.postMessage({ ok: true, paddingCount });
} catch (e) {
  const err = e instanceof DicomError ? e : new DicomError('DECODE_FAILED', e instanceof Error ? e.message : String(e));
  parentPort!.postMessage({ ok: false, code: err.code, message: err.message, details: err.details });
}
