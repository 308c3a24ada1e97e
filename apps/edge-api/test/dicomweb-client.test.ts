/**
 * A real DICOMweb client (the `dicomweb-client` npm package, as OHIF uses it, over the `xhr2`
 * XMLHttpRequest for Node) against a real listening API: it stores a phantom series with
 * STOW-RS, searches studies, series and instances, and retrieves instances (byte-identical to
 * the upload), metadata and frames (equal to the phantom's stored pixels).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDicom, readDicomInfo } from '@embolus/dicom';
import { generateStudy, type PhantomStudy } from '@embolus/phantom';
import { modifiedCopy } from '@embolus/testkit/dcmtk';
import { api } from 'dicomweb-client';
import XHR from 'xhr2';
import { startServer, type RunningServer } from '../src/node/serve';

type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;
type Ids = { studyInstanceUID: string; seriesInstanceUID?: string; sopInstanceUID?: string };

/** The calls used here, as documented (the package's generated typings mark every option required). */
interface Client {
  storeInstances(o: { datasets: ArrayBuffer[] }): Promise<unknown>;
  searchForStudies(o: { queryParams?: Record<string, string> }): Promise<unknown>;
  searchForSeries(o: Ids & { queryParams?: Record<string, string> }): Promise<unknown>;
  searchForInstances(o: Ids & { queryParams?: Record<string, string> }): Promise<unknown>;
  retrieveInstance(o: Ids): Promise<unknown>;
  retrieveInstanceMetadata(o: Ids): Promise<unknown>;
  retrieveInstanceFrames(o: Ids & { frameNumbers: number[] }): Promise<unknown>;
  retrieveSeries(o: Ids): Promise<unknown>;
}
const connect = (url: string, key: string) =>
  new api.DICOMwebClient({ url, headers: { Authorization: `Bearer ${key}` }, verbose: false } as never) as unknown as Client;

let server: RunningServer;
let dir: string;
let client: Client;
let outsider: Client;
let study: PhantomStudy;

beforeAll(async () => {
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XHR;
  dir = mkdtempSync(path.join(tmpdir(), 'embolus-dicomweb-'));
  server = await startServer({ dataDir: dir, port: 0, dispatcher: false, cleanLeftovers: false, env: { EMBOLUS_LOG_LEVEL: 'silent' } });
  const store = server.runtime.deps.store;
  const key = (await store.keys.create({ tenantId: (await store.tenants.ensure('dicomweb-a')).id, role: 'clinician' })).key;
  const other = (await store.keys.create({ tenantId: (await store.tenants.ensure('dicomweb-b')).id, role: 'clinician' })).key;
  const url = `http://127.0.0.1:${server.port}/dicomweb`;
  client = connect(url, key);
  outsider = connect(url, other);
  study = generateStudy({ seed: 11, preset: 'demo', kind: 'negative', matrix: 64, slices: 12 });
  await client.storeInstances({ datasets: study.files.map((f) => f.bytes.slice().buffer) });
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (): Ids => ({ studyInstanceUID: study.studyInstanceUid, seriesInstanceUID: study.seriesInstanceUid });

describe('dicomweb-client against the listening API', () => {
  it('searches studies, series and instances', async () => {
    const studies = (await client.searchForStudies({ queryParams: { StudyInstanceUID: study.studyInstanceUid } })) as Json[];
    expect(studies).toHaveLength(1);
    expect(studies[0]!['00201208']!.Value).toEqual([study.files.length]);
    const series = (await client.searchForSeries({ studyInstanceUID: study.studyInstanceUid })) as Json[];
    expect(series.map((s) => s['0020000E']!.Value![0])).toEqual([study.seriesInstanceUid]);
    const instances = (await client.searchForInstances(ids())) as Json[];
    expect(instances.map((i) => i['00080018']!.Value![0]).sort()).toEqual(study.files.map((f) => f.sopInstanceUid).sort());
    const page = (await client.searchForInstances({ ...ids(), queryParams: { limit: '5', offset: '10' } })) as Json[];
    expect(page).toHaveLength(2);
  });

  it('retrieves an instance byte for byte, its metadata and its frame as the stored pixels', async () => {
    const f = study.files[3]!;
    const sop = { ...ids(), sopInstanceUID: f.sopInstanceUid };
    const bytes = new Uint8Array((await client.retrieveInstance(sop)) as ArrayBuffer);
    expect(Buffer.from(bytes).equals(Buffer.from(f.bytes))).toBe(true);
    const [meta] = (await client.retrieveInstanceMetadata(sop)) as Json[];
    expect(meta!['00080018']!.Value).toEqual([f.sopInstanceUid]);
    expect(meta!['00200013']!.Value).toEqual([f.instanceNumber]);
    expect(meta!['7FE00010']!.BulkDataURI).toMatch(/\/bulkdata\/7FE00010$/);
    const [frame] = (await client.retrieveInstanceFrames({ ...sop, frameNumbers: [1] })) as ArrayBuffer[];
    const decoded = await decodeDicom(f.bytes);
    const pm = decoded.pixel;
    const samples =
      pm.bitsAllocated === 16 ? (pm.pixelRepresentation ? new Int16Array(frame!) : new Uint16Array(frame!)) : new Uint8Array(frame!);
    expect(samples.length).toBe(pm.rows * pm.cols);
    expect([...samples]).toEqual([...decoded.stored]);
  });

  it('retrieves the whole series as the uploaded files', async () => {
    const all = (await client.retrieveSeries(ids())) as ArrayBuffer[];
    const got = all.map((b) => Buffer.from(b).toString('base64')).sort();
    expect(got).toEqual(study.files.map((f) => Buffer.from(f.bytes).toString('base64')).sort());
  });

  it('retrieves a compressed (RLE Lossless, shared corpus) instance as stored and its frame decoded', async () => {
    const src = path.resolve(
      __dirname,
      '../../../../shared/data/dicom-corpus/cornerstone_CTImage_all_transfer_syntaxes',
      'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm',
    );
    // The corpus file names a (made-up) patient and accession: blanked, as an upload must be.
    const rle = new Uint8Array(
      readFileSync(
        await modifiedCopy(
          src,
          path.join(dir, 'rle.dcm'),
          ['0008,0050', '0010,0010', '0010,0020', '0020,0010'].flatMap((t) => ['-m', `(${t})=`]),
        ),
      ),
    );
    await client.storeInstances({ datasets: [rle.slice().buffer] });
    const info = readDicomInfo(rle).info;
    const sop = {
      studyInstanceUID: info.studyInstanceUid!,
      seriesInstanceUID: info.seriesInstanceUid!,
      sopInstanceUID: info.sopInstanceUid!,
    };
    const [meta] = (await client.retrieveInstanceMetadata(sop)) as Json[];
    expect(meta!['00083002']!.Value).toEqual(['1.2.840.10008.1.2.5']);
    expect(Buffer.from(new Uint8Array((await client.retrieveInstance(sop)) as ArrayBuffer)).equals(Buffer.from(rle))).toBe(true);
    const [frame] = (await client.retrieveInstanceFrames({ ...sop, frameNumbers: [1] })) as ArrayBuffer[];
    expect([...new Int16Array(frame!)]).toEqual([...(await decodeDicom(rle)).stored]);
  });

  it('finds nothing as another tenant, and is refused its UIDs', async () => {
    expect(await outsider.searchForStudies({ queryParams: { StudyInstanceUID: study.studyInstanceUid } })).toEqual([]);
    await expect(outsider.retrieveInstance({ ...ids(), sopInstanceUID: study.files[0]!.sopInstanceUid })).rejects.toMatchObject({
      status: 404,
    });
  });
});
