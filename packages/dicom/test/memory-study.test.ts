/**
 * A study held in memory (the runner's path): the same scan, choice and volume as the folder
 * load, decoded on worker threads from the shared buffer, and an oversized series refused before
 * its volume is allocated.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyVolume, loadStudyVolumeFromMemory, StudyBuffer } from '../src/node';
import { CHEST_CT } from './corpus-paths';

/** The chest CT's files in one StudyBuffer, named by index as the runner names them. */
async function chestInMemory() {
  const files = (await readdir(CHEST_CT)).sort();
  const bytes = await Promise.all(files.map((f) => readFile(path.join(CHEST_CT, f))));
  const buf = new StudyBuffer(bytes.map((b) => b.length));
  bytes.forEach((b, i) => buf.put(i, String(i).padStart(6, '0'), b));
  return buf;
}

describe('loadStudyVolumeFromMemory', () => {
  it('gives the folder load’s volume, on one thread and on worker threads', async () => {
    const disk = await loadStudyVolume(CHEST_CT, { workers: 1 });
    const study = (await chestInMemory()).study();
    for (const workers of [1, 3]) {
      const mem = await loadStudyVolumeFromMemory(study, { workers });
      expect(mem.volume.shape).toEqual(disk.volume.shape);
      expect(Buffer.compare(Buffer.from(mem.volume.data.buffer), Buffer.from(disk.volume.data.buffer))).toBe(0);
      expect(mem.volume.sopInstanceUids).toEqual(disk.volume.sopInstanceUids);
      expect(mem.volume.spacing).toEqual(disk.volume.spacing);
      expect(mem.choice.reason).toEqual(disk.choice.reason);
    }
  });

  it('refuses a series over the volume limit before decoding, with a typed error naming sizes only', async () => {
    const study = (await chestInMemory()).study();
    const { volume } = await loadStudyVolumeFromMemory(study, { workers: 1 });
    const need = volume.data.byteLength;
    await expect(loadStudyVolumeFromMemory(study, { workers: 1, maxVolumeBytes: need - 1 })).rejects.toMatchObject({
      code: 'VOLUME_TOO_LARGE',
      details: { slices: volume.shape[0], rows: volume.shape[1], cols: volume.shape[2], limitBytes: need - 1 },
    });
    await expect(loadStudyVolumeFromMemory(study, { workers: 1, maxVolumeBytes: need })).resolves.toBeDefined();
    // The folder load takes the same limit.
    await expect(loadStudyVolume(CHEST_CT, { workers: 1, maxVolumeBytes: need - 1 })).rejects.toMatchObject({ code: 'VOLUME_TOO_LARGE' });
  });

  it('keeps each instance in its listed slot and refuses bytes longer than listed', () => {
    const buf = new StudyBuffer([3, 2]);
    buf.put(1, 'b', new Uint8Array([7, 8]));
    buf.put(0, 'a', new Uint8Array([1, 2, 3]));
    expect([...new Uint8Array(buf.buffer)]).toEqual([1, 2, 3, 7, 8]);
    expect(() => buf.put(1, 'b', new Uint8Array([1, 2, 3]))).toThrow(RangeError);
    expect([...buf.study().at.keys()].sort()).toEqual(['a', 'b']);
  });
});
