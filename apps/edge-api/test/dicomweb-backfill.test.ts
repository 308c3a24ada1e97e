/**
 * `embolus-api dicomweb index`: instances stored before DICOMweb search (no search attributes)
 * become searchable after one backfill, which parses each of their blobs once; a second run
 * does nothing; a lost blob is counted, not fatal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '@embolus/db';
import { FolderBlobStore, openSqlite } from '@embolus/db/node';
import { ctStudy } from '@embolus/testkit';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'embolus-api.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'embolus-dw-backfill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: root, env: { ...process.env, EMBOLUS_LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('dicomweb index', () => {
  it('indexes instances stored without search attributes, once', async () => {
    const s = ctStudy(3);
    const h = openSqlite(path.join(dir, 'embolus.sqlite'));
    const store = createStore(h.driver);
    const blobs = new FolderBlobStore(path.join(dir, 'blobs'));
    const tenant = await store.tenants.create({ name: 'old' });
    const study = await store.studies.create(tenant.id, { studyInstanceUid: s.study });
    for (const [i, x] of s.slices.entries()) {
      const blobKey = `tenants/${tenant.id}/studies/${study.id}/instances/${i}.dcm`;
      // The last blob is never written: a row whose blob was lost.
      if (i < 2) await blobs.put(blobKey, x.bytes);
      // As stored before migration 0007: no dicomAttributes.
      const out = await store.studies.addInstance(
        {
          tenantId: tenant.id,
          studyId: study.id,
          sopInstanceUid: x.sop,
          studyInstanceUid: s.study,
          seriesInstanceUid: s.series,
          sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
          modality: 'CT',
          size: x.bytes.length,
          sha256: String(i).repeat(64),
          blobKey,
          identityRemoved: false,
          descriptors: null,
        },
        { maxStudyBytes: 1e9, maxStudyInstances: 10 },
      );
      expect(out.kind).toBe('created');
    }
    const page = { limit: 10, offset: 0 };
    expect(await store.dicomweb.instances(tenant.id, { studyInstanceUid: [s.study] }, page)).toEqual([]);
    h.close();

    const first = await cli(['dicomweb', 'index', '--data', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ indexed: 2, skipped: { BLOB_MISSING: 1 } });
    const again = await cli(['dicomweb', 'index', '--data', dir]);
    expect(JSON.parse(again.stdout)).toEqual({ indexed: 0, skipped: { BLOB_MISSING: 1 } });

    const h2 = openSqlite(path.join(dir, 'embolus.sqlite'));
    const found = await createStore(h2.driver).dicomweb.instances(tenant.id, { studyInstanceUid: [s.study] }, page);
    h2.close();
    expect(found.map((r) => [r.sopInstanceUid, r.instanceNumber, r.rows])).toEqual([
      [s.slices[0]!.sop, 1, 16],
      [s.slices[1]!.sop, 2, 16],
    ]);
  });
});
