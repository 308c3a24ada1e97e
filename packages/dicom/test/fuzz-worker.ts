/**
 * Worker side of the fuzz test: decodes each mutated file it is sent and reports the outcome.
 * Runs in a worker so the test can stop it when a case hangs and watch its memory.
 */
import { parentPort } from 'node:worker_threads';
import { DicomError, decodeDicom } from '../src/index';

parentPort!.on('message', async (msg: { id: number; bytes: Uint8Array }) => {
  let outcome: { id: number; kind: 'ok' | 'typed' | 'untyped'; code?: string; message?: string };
  try {
    await decodeDicom(msg.bytes, { source: `fuzz-${msg.id}` });
    outcome = { id: msg.id, kind: 'ok' };
  } catch (e) {
    outcome =
      e instanceof DicomError
        ? { id: msg.id, kind: 'typed', code: e.code }
        : { id: msg.id, kind: 'untyped', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  parentPort!.postMessage({ ...outcome, arrayBuffers: process.memoryUsage().arrayBuffers });
});
