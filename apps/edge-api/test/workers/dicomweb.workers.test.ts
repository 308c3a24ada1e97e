/**
 * DICOMweb inside workerd (D1 + R2): STOW-RS in, QIDO-RS finds the instances, WADO-RS streams
 * the series back from R2 byte for byte, and frames and a rendered PNG come out.
 */
import { applyD1Migrations, env, SELF } from 'cloudflare:test';
import { createStore, d1Driver } from '@embolus/db';
import { ctStudy, multipart } from '@embolus/testkit';
import { describe, expect, it } from 'vitest';
import { headerParams, parseMultipart } from '../../src/upload/multipart';

const ORIGIN = 'https://embolus.test';

describe('DICOMweb on workerd', () => {
  it('searches and retrieves what STOW-RS stored', async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const store = createStore(d1Driver(env.DB));
    const t = await store.tenants.ensure('workers-dicomweb');
    const { key } = await store.keys.create({ tenantId: t.id, role: 'clinician' });
    const auth = { authorization: `Bearer ${key}` };
    const s = ctStudy(3);
    const m = multipart(
      s.slices.map((x) => ({ bytes: x.bytes })),
      'related',
    );
    const stow = await SELF.fetch(`${ORIGIN}/dicomweb/studies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': m.contentType },
      body: m.body,
    });
    expect(stow.status).toBe(200);

    const q = await SELF.fetch(`${ORIGIN}/dicomweb/studies/${s.study}/series/${s.series}/instances`, { headers: auth });
    expect(q.status).toBe(200);
    const found = (await q.json()) as Record<string, { Value?: unknown[] }>[];
    expect(found.map((i) => i['00080018']?.Value?.[0])).toEqual(s.slices.map((x) => x.sop));

    const series = await SELF.fetch(`${ORIGIN}/dicomweb/studies/${s.study}/series/${s.series}`, { headers: auth });
    expect(series.status).toBe(200);
    const type = series.headers.get('content-type') ?? '';
    const parts = parseMultipart(new Uint8Array(await series.arrayBuffer()), headerParams(type)['boundary'] ?? '', 100);
    expect(parts.map((p) => [...p.body].join())).toEqual(s.slices.map((x) => [...x.bytes].join()));

    const base = `${ORIGIN}/dicomweb/studies/${s.study}/series/${s.series}/instances/${s.slices[0]!.sop}`;
    const frames = await SELF.fetch(`${base}/frames/1`, { headers: auth });
    expect(frames.status).toBe(200);
    const [frame] = parseMultipart(
      new Uint8Array(await frames.arrayBuffer()),
      headerParams(frames.headers.get('content-type') ?? '')['boundary'] ?? '',
      10,
    );
    expect(frame!.body.length).toBe(16 * 16 * 2);
    const png = await SELF.fetch(`${base}/rendered?window=1200,400`, { headers: { ...auth, accept: 'image/png' } });
    expect(png.status).toBe(200);
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});
