/**
 * Sending DICOM objects to a destination: DIMSE C-STORE to a PACS (dcmjs-dimse client) or a
 * STOW-RS POST to a DICOMweb endpoint. Each returns a short error text (codes and DIMSE status
 * words only, never values) or null on success.
 */
import dimse from 'dcmjs-dimse';

const { Client, Dataset } = dimse;
const { CStoreRequest } = dimse.requests;
const { Status } = dimse.constants;

/** A PACS reached over DIMSE. */
export interface DimsePeer {
  host: string;
  port: number;
  calledAe: string;
  callingAe: string;
}

/**
 * dcmjs-dimse builds a request from a Dataset; a Part 10 buffer is read by its (internal)
 * `_fromP10Buffer`, which `Dataset.fromFile` uses too. Pinned to dcmjs-dimse 0.3.3, where it exists.
 */
function datasetOf(bytes: Uint8Array): InstanceType<typeof Dataset> {
  const fromP10 = (Dataset as unknown as { _fromP10Buffer?: (b: Buffer) => InstanceType<typeof Dataset> })._fromP10Buffer;
  if (typeof fromP10 !== 'function') throw new Error('dcmjs-dimse cannot read Part 10 buffers');
  return fromP10.call(Dataset, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** C-STOREs every object in one association. */
export function sendDimse(peer: DimsePeer, objects: Uint8Array[], timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const client = new Client();
    const statuses: number[] = [];
    let settled = false;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    try {
      for (const o of objects) {
        const req = new CStoreRequest(datasetOf(o));
        req.on('response', (r: { getStatus(): number }) => statuses.push(r.getStatus()));
        client.addRequest(req);
      }
    } catch {
      return finish('unreadable object');
    }
    client.on('associationRejected', () => finish('association rejected'));
    client.on('networkError', (e: Error & { code?: string }) => finish(`network error${e.code ? ` ${e.code}` : ''}`));
    client.on('closed', () => {
      const failed = statuses.filter((s) => s !== Status.Success);
      if (statuses.length < objects.length) finish(`association closed after ${statuses.length} of ${objects.length} responses`);
      else if (failed.length > 0) finish(`C-STORE status 0x${failed[0]!.toString(16).padStart(4, '0')}`);
      else finish(null);
    });
    client.send(peer.host, peer.port, peer.callingAe, peer.calledAe, {
      connectTimeout: Math.min(timeoutMs, 10_000),
      associationTimeout: timeoutMs,
      pduTimeout: timeoutMs,
    });
  });
}

/** POSTs every object as one multipart/related STOW-RS request. */
export async function sendStow(url: string, objects: Uint8Array[], timeoutMs: number, f: typeof fetch): Promise<string | null> {
  const boundary = `embolus-${crypto.randomUUID()}`;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const o of objects) {
    parts.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), o, enc.encode('\r\n'));
  }
  parts.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    body.set(p, off);
    off += p.length;
  }
  try {
    const res = await f(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
      body,
    });
    await res.body?.cancel().catch(() => undefined);
    return res.status === 200 ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error && e.name === 'TimeoutError' ? 'timeout' : 'network error';
  }
}
