import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { expandArchives, localProcessor, UploadController } from '../src/index';
import { phantomFiles } from '@embolus/local-stack/identified-files';

describe('zip archives', () => {
  it('are expanded entry by entry: DICOM entries scanned, others refused per entry, directories skipped', async () => {
    const { bytes, study } = phantomFiles({ seed: 51, slices: 8 });
    const entries: Record<string, Uint8Array> = {
      'README.txt': new TextEncoder().encode('not an image\n'.repeat(40)),
      '__MACOSX/._IM0000': new Uint8Array(300),
    };
    bytes.forEach((b, i) => (entries[`study/series/IM${i}`] = b));
    // One entry stored, the others deflated: both methods are read.
    const zip = zipSync(entries, { level: 6 });
    const stored = zipSync({ 'IM-stored': bytes[0]! }, { level: 0 });
    const c = new UploadController({ processor: localProcessor() });
    const plan = await c.scan([new File([zip], 'upload.zip'), new File([stored], 'one.zip')]);
    expect(plan.studies).toHaveLength(1);
    expect(plan.studies[0]!.studyInstanceUid).toBe(study.studyInstanceUid);
    // The stored copy is the same SOP Instance UID as IM0: 9 files, 8 slices.
    expect(plan.studies[0]!.instances).toBe(9);
    expect(plan.studies[0]!.series[0]!.slices).toBe(8);
    expect(plan.refused).toEqual([expect.objectContaining({ name: 'upload.zip/README.txt', code: 'NOT_DICOM' })]);
  });

  it('refuses an entry over the per-instance limit, a damaged archive and an archive over its limit, by name', async () => {
    const { bytes } = phantomFiles({ seed: 52, slices: 8 });
    const zip = zipSync({ small: bytes[0]!, big: new Uint8Array(200_000) });
    const out = await expandArchives([new File([zip], 'a.zip')], { maxInstanceBytes: 100_000 });
    expect(out.files.map((f) => f.name)).toEqual(['a.zip/small']);
    expect(out.refused).toEqual([expect.objectContaining({ name: 'a.zip/big', code: 'TOO_LARGE' })]);
    const damaged = zip.slice(0, 3000);
    damaged.fill(0xff, 60, 2000);
    const bad = await expandArchives([new File([damaged], 'bad.zip')]);
    expect(bad.refused.map((r) => r.name)).toContain('bad.zip');
    const huge = await expandArchives([new File([zip], 'h.zip')], { maxZipBytes: 1000 });
    expect(huge.refused).toEqual([expect.objectContaining({ name: 'h.zip', code: 'TOO_LARGE' })]);
  });
});
