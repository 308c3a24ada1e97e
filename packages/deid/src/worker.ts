/**
 * The Web Worker entry: parses and de-identifies the files the page's {@link workerProcessor}
 * sends, so that a 10,000-file folder never blocks the page. Import it from a worker file:
 * `import '@embolus/deid/worker';`. De-identified bytes are transferred back, not copied.
 */
import { DeidError } from './errors';
import type { DeidentifiedInstance } from './deidentify';
import type { WorkerRequest, WorkerResponse } from './processor';
import { deidentifyFile, scanFile } from './read-file';

interface WorkerScope {
  addEventListener(type: 'message', listener: (event: { data: WorkerRequest }) => void): void;
  postMessage(message: WorkerResponse, transfer?: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.addEventListener('message', (event) => {
  const { id, op, file, options } = event.data;
  const work = op === 'scan' ? scanFile(file, options) : deidentifyFile(file, options);
  work.then(
    (result) => scope.postMessage({ id, ok: true, result }, op === 'deidentify' ? [(result as DeidentifiedInstance).bytes] : []),
    (e: unknown) => {
      const error =
        e instanceof DeidError
          ? { code: e.code, message: e.message, details: e.details }
          : // Unexpected failures name the file only: dcmjs messages may quote file content.
            { code: 'NOT_DICOM' as const, message: `${file.name}: could not be read as DICOM`, details: {} };
      scope.postMessage({ id, ok: false, error });
    },
  );
});
