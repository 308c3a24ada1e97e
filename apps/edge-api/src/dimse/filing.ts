/**
 * Pieces of the DICOM listener: the bounded buffer a C-STORE dataset is collected into, and
 * how an accepted instance finds its study (by Study Instance UID, created once).
 */
import { Writable } from 'node:stream';
import type { AppDeps } from '../deps';

/** Collects a C-STORE dataset up to `limit` bytes; past it, only counts. */
export class BoundedCollector extends Writable {
  chunks: Buffer[] = [];
  size = 0;
  constructor(
    private readonly limit: number,
    readonly transferSyntaxUid: string,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size <= this.limit) this.chunks.push(chunk);
    else this.chunks = [];
    cb();
  }
}

/** The tenant's receiving study for this Study Instance UID, created once even under concurrent associations. */
export function studyFor(deps: AppDeps, locks: Map<string, Promise<string>>, tenantId: string, studyInstanceUid: string): Promise<string> {
  const key = `${tenantId}\n${studyInstanceUid}`;
  const previous = locks.get(key) ?? Promise.resolve('');
  const next = previous
    .catch(() => '')
    .then(async (known) => {
      if (known) {
        const s = await deps.store.studies.get(tenantId, known);
        if (s?.status === 'receiving') return known;
      }
      const existing = studyInstanceUid ? await deps.store.studies.receivingByUid(tenantId, studyInstanceUid) : null;
      return (existing ?? (await deps.store.studies.create(tenantId, { studyInstanceUid: studyInstanceUid || null }))).id;
    });
  locks.set(key, next);
  // Only in-flight creations are kept: the map does not grow with every study ever received.
  void next
    .finally(() => {
      if (locks.get(key) === next) locks.delete(key);
    })
    .catch(() => undefined);
  return next;
}
