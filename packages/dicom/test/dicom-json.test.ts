/**
 * The DICOM JSON Model (PS3.18 F.2) of parsed datasets: value types per VR, person names,
 * sequences, bulk data by URI (never inline pixel data), small binaries inline, implicit VR.
 */
import { describe, expect, it } from 'vitest';
import { ctImage, part10 } from '@embolus/testkit';
import { frameBytes, readDicomInfo, toDicomJson, topLevelValue } from '../src/index';

const pixels = new Uint16Array(4 * 4).map((_, i) => 1000 + i);
const extra = [
  { tag: 0x00080020, vr: 'DA', value: '20260115' },
  { tag: 0x00100010, vr: 'PN', value: 'Phantom^Test=Ideo' },
  { tag: 0x00081030, vr: 'LO', value: 'CTPA' },
  { tag: 0x00091010, vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
  { tag: 0x00082112, vr: 'SQ', value: [[{ tag: 0x00081150, vr: 'UI', value: '1.2.3' }]] },
];

describe('toDicomJson', () => {
  const bulk = (tag: string) => `/bulk/${tag}`;

  it('answers each VR in its JSON form, pixel data as a BulkDataURI', () => {
    const bytes = part10(ctImage({ rows: 4, cols: 4, pixels, sop: '1.2.840.99', extra }));
    const json = toDicomJson(readDicomInfo(bytes).parsed, { bulkDataUri: bulk });
    expect(json['00080018']).toEqual({ vr: 'UI', Value: ['1.2.840.99'] });
    expect(json['00080020']).toEqual({ vr: 'DA', Value: ['20260115'] });
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Phantom^Test', Ideographic: 'Ideo' }] });
    expect(json['00280010']).toEqual({ vr: 'US', Value: [4] });
    expect(json['00280030']).toEqual({ vr: 'DS', Value: [0.5, 0.5] });
    expect(json['00200013']).toEqual({ vr: 'IS', Value: [1] });
    expect(json['00091010']).toEqual({ vr: 'OB', InlineBinary: 'AQIDBA==' });
    expect(json['00082112']).toEqual({ vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2.3'] } }] });
    expect(json['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: '/bulk/7FE00010' });
    expect(Object.keys(json).some((k) => k.startsWith('0002'))).toBe(false);
  });

  it('reads implicit VR Little Endian with the VRs of common CT attributes', () => {
    const bytes = part10(
      ctImage({ rows: 4, cols: 4, pixels, extra: [{ tag: 0x00091011, vr: 'LO', value: 'AB' }] }),
      '1.2.840.10008.1.2',
      'implicit-le',
    );
    const json = toDicomJson(readDicomInfo(bytes).parsed, { bulkDataUri: bulk });
    expect(json['00280011']).toEqual({ vr: 'US', Value: [4] });
    expect(json['00200037']).toEqual({ vr: 'DS', Value: [1, 0, 0, 0, 1, 0] });
    expect(json['00091011']).toEqual({ vr: 'UN', InlineBinary: 'QUI=' });
    expect(json['7FE00010']!.BulkDataURI).toBe('/bulk/7FE00010');
  });

  it('serves the pixel data value and frames as stored', async () => {
    const bytes = part10(ctImage({ rows: 4, cols: 4, pixels }));
    const { parsed, info } = readDicomInfo(bytes);
    expect([...new Uint16Array(topLevelValue(parsed, '7FE00010')!.slice().buffer)]).toEqual([...pixels]);
    const f = await frameBytes(parsed, info, 0, 'native');
    expect(f.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect([...new Uint16Array(f.bytes.slice().buffer)]).toEqual([...pixels]);
    await expect(frameBytes(parsed, info, 1, 'native')).rejects.toThrow(/frame 2/);
  });

  it('swaps big-endian frames to little-endian', async () => {
    const bytes = part10(ctImage({ rows: 4, cols: 4, pixels }), '1.2.840.10008.1.2.2', 'explicit-be');
    const { parsed, info } = readDicomInfo(bytes);
    const f = await frameBytes(parsed, info, 0, 'stored');
    expect([...new Uint16Array(f.bytes.slice().buffer)]).toEqual([...pixels]);
  });
});
