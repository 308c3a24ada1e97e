/**
 * Contract suite: DICOMweb search. Attributes are stored with the instance (and only when it is
 * stored), searches group by study and series, match keys and date ranges work, one SOP
 * Instance UID stored twice (two Embolus studies) is one object, and another tenant matches
 * nothing. Run against every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId, type DicomSearchAttributes, type Store } from '../../src/index';
import { instance, LIMITS, tenant, type StoreUnderTest } from './fixtures';

const attrs = (over: Partial<DicomSearchAttributes> = {}): DicomSearchAttributes => ({
  studyDate: '20260301',
  studyTime: '101500',
  accessionNumber: null,
  studyDescription: 'CTPA chest',
  seriesDescription: 'Axial',
  seriesNumber: 2,
  instanceNumber: 1,
  rows: 512,
  columns: 512,
  numberOfFrames: 1,
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  ...over,
});
const PAGE = { limit: 100, offset: 0 };

/** Registers the suite under `name`; `open` is called once. */
export function storeDicomwebContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (dicomweb): ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      ({ store } = await open());
    });

    async function seed() {
      const t = await tenant(store);
      const studyUid = `2.25.${Date.now()}.${newId().replace(/\D/g, '').slice(0, 8) || '1'}`;
      const s = await store.studies.create(t);
      const sops: string[] = [];
      for (let i = 0; i < 3; i++) {
        const sop = `${studyUid}.1.${i}`;
        sops.push(sop);
        const series = i < 2 ? `${studyUid}.7` : `${studyUid}.8`;
        const out = await store.studies.addInstance(
          instance(t, s.id, {
            sopInstanceUid: sop,
            studyInstanceUid: studyUid,
            seriesInstanceUid: series,
            dicomAttributes: attrs({ instanceNumber: 3 - i, seriesNumber: i < 2 ? 2 : 1, seriesDescription: i < 2 ? 'Axial' : 'Scout' }),
          }),
          LIMITS,
        );
        expect(out.kind).toBe('created');
      }
      return { t, s, studyUid, sops };
    }

    it('groups studies and series and orders instances by series then instance number', async () => {
      const { t, studyUid, sops } = await seed();
      const [study, ...none] = await store.dicomweb.studies(t, {}, PAGE);
      expect(none).toEqual([]);
      expect(study).toMatchObject({
        studyInstanceUid: studyUid,
        studyDate: '20260301',
        modalities: ['CT'],
        seriesCount: 2,
        instanceCount: 3,
      });
      const series = await store.dicomweb.series(t, { studyInstanceUid: [studyUid] }, PAGE);
      expect(series.map((r) => [r.seriesNumber, r.instanceCount, r.seriesDescription])).toEqual([
        [1, 1, 'Scout'],
        [2, 2, 'Axial'],
      ]);
      const inst = await store.dicomweb.instances(t, { studyInstanceUid: [studyUid] }, PAGE);
      expect(inst.map((r) => r.sopInstanceUid)).toEqual([sops[2], sops[1], sops[0]]);
      expect(inst[0]).toMatchObject({ rows: 512, transferSyntaxUid: '1.2.840.10008.1.2.1' });
      expect(
        (await store.dicomweb.instances(t, { studyInstanceUid: [studyUid] }, { limit: 1, offset: 1 })).map((r) => r.sopInstanceUid),
      ).toEqual([sops[1]]);
    });

    it('matches dates, ranges, wildcards and numbers', async () => {
      const { t } = await seed();
      const n = async (f: Parameters<Store['dicomweb']['instances']>[1]) => (await store.dicomweb.instances(t, f, PAGE)).length;
      expect(await n({ studyDate: { from: '20260301', to: '20260301' } })).toBe(3);
      expect(await n({ studyDate: { from: '20260302' } })).toBe(0);
      expect(await n({ studyDate: { to: '20260228' } })).toBe(0);
      expect(await n({ seriesDescription: 'Sc*' })).toBe(1);
      expect(await n({ seriesDescription: 'sc*' })).toBe(0);
      expect(await n({ studyDescription: 'CTPA?chest' })).toBe(3);
      expect(await n({ seriesDescription: '[Axial]' })).toBe(0);
      expect(await n({ instanceNumber: 3 })).toBe(1);
      expect(await n({ modality: 'MR' })).toBe(0);
    });

    it('answers one object for a SOP Instance UID stored in two studies, and nothing to another tenant', async () => {
      const { t, studyUid, sops } = await seed();
      const again = await store.studies.create(t);
      const out = await store.studies.addInstance(
        instance(t, again.id, {
          sopInstanceUid: sops[0]!,
          studyInstanceUid: studyUid,
          seriesInstanceUid: `${studyUid}.7`,
          dicomAttributes: attrs(),
        }),
        LIMITS,
      );
      expect(out.kind).toBe('created');
      expect(await store.dicomweb.instances(t, { sopInstanceUid: [sops[0]!] }, PAGE)).toHaveLength(1);
      expect((await store.dicomweb.studies(t, {}, PAGE))[0]!.instanceCount).toBe(3);
      const other = await tenant(store);
      expect(await store.dicomweb.studies(other, { studyInstanceUid: [studyUid] }, PAGE)).toEqual([]);
      expect(await store.dicomweb.instances(other, { sopInstanceUid: sops }, PAGE)).toEqual([]);
    });

    it('stores no attributes for an instance that was not stored', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      const uid = `2.25.${Date.now()}.99`;
      const tooBig = await store.studies.addInstance(
        instance(t, s.id, { studyInstanceUid: uid, size: LIMITS.maxStudyBytes + 1, dicomAttributes: attrs() }),
        LIMITS,
      );
      expect(tooBig.kind).toBe('study_too_large');
      expect(await store.dicomweb.studies(t, {}, PAGE)).toEqual([]);
    });
    /** The tenant's unindexed instances, paging with the cursor (other suites share the database). */
    async function unindexedOf(t: string) {
      const out = [];
      for (let after = ''; ; ) {
        const page = await store.dicomweb.unindexed(500, after);
        if (!page.length) return out;
        out.push(...page.filter((r) => r.tenantId === t));
        after = page[page.length - 1]!.instanceId;
      }
    }

    it('lists instances without attributes and indexes them once, only within their tenant', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      const uid = `2.25.${Date.now()}.77`;
      await store.studies.addInstance(instance(t, s.id, { sopInstanceUid: `${uid}.1`, studyInstanceUid: uid }), LIMITS);
      const mine = await unindexedOf(t);
      expect(mine.map((r) => r.sopInstanceUid)).toEqual([`${uid}.1`]);
      const other = await tenant(store);
      await store.dicomweb.index({ ...mine[0]!, tenantId: other }, { studyInstanceUid: uid, seriesInstanceUid: `${uid}.2` }, attrs());
      expect(await store.dicomweb.studies(other, {}, PAGE)).toEqual([]);
      await store.dicomweb.index(mine[0]!, { studyInstanceUid: uid, seriesInstanceUid: `${uid}.2` }, attrs());
      await store.dicomweb.index(mine[0]!, { studyInstanceUid: uid, seriesInstanceUid: `${uid}.2` }, attrs({ instanceNumber: 9 }));
      const found = await store.dicomweb.instances(t, { studyInstanceUid: [uid] }, PAGE);
      expect(found.map((r) => [r.sopInstanceUid, r.instanceNumber])).toEqual([[`${uid}.1`, 1]]);
      expect(await unindexedOf(t)).toEqual([]);
    });
  });
}
