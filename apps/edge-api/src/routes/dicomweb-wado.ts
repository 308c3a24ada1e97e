/**
 * WADO-RS (PS3.18 §10.4): instances (multipart/related; type="application/dicom", streamed one
 * instance at a time), metadata (application/dicom+json, bulk data by BulkDataURI), frames
 * (multipart/related; type="application/octet-stream") and rendered single frames (PNG), all of
 * the caller's tenant: UIDs another tenant holds answer 404.
 */
import type { DicomInstanceRow, DicomSearchFilter } from '@embolus/db';
import { decodeDicom, frameBytes, readDicomInfo, toDicomJson, topLevelValue } from '@embolus/dicom';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { encode as encodePng } from 'fast-png';
import type { AppEnv } from '../deps';
import { multipartStream, negotiate, newBoundary, type Part } from '../dicomweb/wire';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { dicomwebBase } from './dicomweb-qido';
import { audit, errors, router } from './common';

export const dicomwebWado = router();

const Uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);
const StudyP = z.object({ study: Uid });
const SeriesP = z.object({ study: Uid, series: Uid });
const InstanceP = z.object({ study: Uid, series: Uid, instance: Uid });
const FramesP = InstanceP.extend({ frames: z.string().regex(/^\d{1,6}(,\d{1,6}){0,999}$/) });
const BulkP = InstanceP.extend({ tag: z.string().regex(/^[0-9A-Fa-f]{8}$/) });
const PAGE = 200;
const NO_STORE = { 'cache-control': 'private, no-store' };

/** The instances a retrieve covers, read page by page (never the whole list at once). */
function pager(c: Context<AppEnv>, filter: DicomSearchFilter): () => Promise<DicomInstanceRow | null> {
  const repo = c.get('deps').store.dicomweb;
  const tenantId = c.get('principal').tenantId;
  let buf: DicomInstanceRow[] = [];
  let offset = 0;
  let end = false;
  return async () => {
    if (!buf.length && !end) {
      buf = await repo.instances(tenantId, filter, { limit: PAGE, offset });
      offset += buf.length;
      end = buf.length < PAGE;
    }
    return buf.shift() ?? null;
  };
}

/**
 * Logs a failure after the answer has started (a blob gone mid-series): the status is already
 * sent, so the stream is cut and the client sees a truncated multipart body.
 */
function streamFailed(c: Context<AppEnv>): (e: unknown) => void {
  return (e) =>
    c
      .get('deps')
      .logger.log('error', 'dicomweb.stream_failed', { requestId: c.get('requestId'), code: (e as { code?: string }).code ?? 'INTERNAL' });
}

/** The first instance of the scope, or 404. */
async function firstOr404(c: Context<AppEnv>, filter: DicomSearchFilter, what: string): Promise<DicomInstanceRow> {
  const [row] = await c.get('deps').store.dicomweb.instances(c.get('principal').tenantId, filter, { limit: 1, offset: 0 });
  if (!row) throw new ApiError('NOT_FOUND', `no such ${what}`);
  return row;
}

async function bytesOf(c: Context<AppEnv>, row: DicomInstanceRow): Promise<Uint8Array> {
  const bytes = await c.get('deps').blobs.get(row.blobKey);
  if (!bytes) throw new ApiError('NOT_FOUND', 'the stored bytes are missing');
  return bytes;
}

function instanceUrl(c: Context<AppEnv>, r: DicomInstanceRow): string {
  return `${dicomwebBase(c)}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`;
}

function filterOf(p: { study: string; series?: string; instance?: string }): DicomSearchFilter {
  return {
    studyInstanceUid: [p.study],
    ...(p.series ? { seriesInstanceUid: [p.series] } : {}),
    ...(p.instance ? { sopInstanceUid: [p.instance] } : {}),
  };
}

async function retrieveInstances(c: Context<AppEnv>, p: { study: string; series?: string; instance?: string }): Promise<Response> {
  const want = negotiate(c.req.header('accept'), ['application/dicom']);
  const first = await firstOr404(c, filterOf(p), p.instance ? 'instance' : p.series ? 'series' : 'study');
  // Instances are served as stored: a named transfer syntax other than the stored one would
  // need transcoding, which is not offered.
  const ts = want.transferSyntax;
  const check = (r: DicomInstanceRow) => !ts || ts === '*' || ts === r.transferSyntaxUid;
  if (!check(first))
    throw new ApiError(
      'NOT_ACCEPTABLE',
      'instances are served in their stored transfer syntax; ask for transfer-syntax=* or the stored one',
      { details: { offered: ['*'] } },
    );
  await audit(c, 'instance.read', first.studyId, { via: 'wado-rs', level: p.instance ? 'instance' : p.series ? 'series' : 'study' });
  const next = pager(c, filterOf(p));
  const blobs = c.get('deps').blobs;
  const boundary = newBoundary();
  const body = multipartStream(
    boundary,
    async (): Promise<Part | null> => {
      const r = await next();
      if (!r) return null;
      if (!check(r)) throw new ApiError('NOT_ACCEPTABLE', 'an instance is stored in another transfer syntax');
      const blob = await blobs.getStream(r.blobKey);
      if (!blob) throw new ApiError('NOT_FOUND', 'the stored bytes are missing');
      return {
        contentType: `application/dicom; transfer-syntax=${r.transferSyntaxUid ?? '*'}`,
        headers: { 'Content-Location': instanceUrl(c, r) },
        body: blob.stream,
        length: blob.size,
      };
    },
    streamFailed(c),
  );
  return c.body(body, 200, { ...NO_STORE, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` });
}

async function retrieveMetadata(c: Context<AppEnv>, p: { study: string; series?: string; instance?: string }): Promise<Response> {
  negotiate(c.req.header('accept'), [], { singlePart: ['application/dicom+json', 'application/json'] });
  const first = await firstOr404(c, filterOf(p), p.instance ? 'instance' : p.series ? 'series' : 'study');
  await audit(c, 'instance.read', first.studyId, {
    via: 'wado-rs',
    level: p.instance ? 'instance' : p.series ? 'series' : 'study',
    metadata: true,
  });
  const next = pager(c, filterOf(p));
  const enc = new TextEncoder();
  let started = false;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await next();
          if (!r) {
            controller.enqueue(enc.encode(started ? ']' : '[]'));
            controller.close();
            return;
          }
          const { parsed } = readDicomInfo(await bytesOf(c, r), {
            source: 'instance',
            parseLimits: { maxInflatedBytes: c.get('deps').config.maxInstanceBytes, maxSequenceDepth: 64 },
          });
          const url = instanceUrl(c, r);
          const json = toDicomJson(parsed, { bulkDataUri: (tag) => `${url}/bulkdata/${tag}` });
          if (r.transferSyntaxUid) json['00083002'] = { vr: 'UI', Value: [r.transferSyntaxUid] };
          controller.enqueue(enc.encode(`${started ? ',' : '['}${JSON.stringify(json)}`));
          started = true;
        } catch (e) {
          streamFailed(c)(e);
          controller.error(e);
        }
      },
    },
    { highWaterMark: 0 },
  );
  return c.body(body, 200, { ...NO_STORE, 'content-type': 'application/dicom+json' });
}

const route = <P extends z.ZodObject>(path: string, summary: string, params: P, content: Record<string, { schema: object }>) =>
  createRoute({
    method: 'get',
    path,
    tags: ['dicomweb'],
    summary,
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params },
    responses: { 200: { description: 'OK', content }, ...errors(404, 406) },
  });
const binary = { schema: { type: 'string', format: 'binary' } };
const dicomParts = { 'multipart/related': binary };
const jsonMeta = { 'application/dicom+json': { schema: { type: 'array' } } };

dicomwebWado.openapi(
  route('/dicomweb/studies/{study}', 'WADO-RS: a study’s instances', StudyP, dicomParts),
  (c) => retrieveInstances(c, c.req.valid('param')) as never,
);
dicomwebWado.openapi(
  route('/dicomweb/studies/{study}/series/{series}', 'WADO-RS: a series’ instances', SeriesP, dicomParts),
  (c) => retrieveInstances(c, c.req.valid('param')) as never,
);
dicomwebWado.openapi(
  route('/dicomweb/studies/{study}/series/{series}/instances/{instance}', 'WADO-RS: one instance', InstanceP, dicomParts),
  (c) => retrieveInstances(c, c.req.valid('param')) as never,
);
dicomwebWado.openapi(
  route('/dicomweb/studies/{study}/metadata', 'WADO-RS: a study’s metadata', StudyP, jsonMeta),
  (c) => retrieveMetadata(c, c.req.valid('param')) as never,
);
dicomwebWado.openapi(
  route('/dicomweb/studies/{study}/series/{series}/metadata', 'WADO-RS: a series’ metadata', SeriesP, jsonMeta),
  (c) => retrieveMetadata(c, c.req.valid('param')) as never,
);
dicomwebWado.openapi(
  route('/dicomweb/studies/{study}/series/{series}/instances/{instance}/metadata', 'WADO-RS: an instance’s metadata', InstanceP, jsonMeta),
  (c) => retrieveMetadata(c, c.req.valid('param')) as never,
);

/** Parses an instance for frame access, mapping a pixel-data failure to 422 with its code. */
async function openInstance(c: Context<AppEnv>, p: { study: string; series: string; instance: string }) {
  const row = await firstOr404(c, filterOf(p), 'instance');
  const bytes = await bytesOf(c, row);
  const { parsed, info } = readDicomInfo(bytes, {
    source: 'instance',
    parseLimits: { maxInflatedBytes: c.get('deps').config.maxInstanceBytes, maxSequenceDepth: 64 },
  });
  return { row, bytes, parsed, info };
}

function frameNumbers(list: string, frames: number): number[] {
  const out = list.split(',').map(Number);
  const bad = out.find((f) => f < 1 || f > frames);
  if (bad !== undefined)
    throw new ApiError('NOT_FOUND', `frame ${bad} is not among the instance’s ${frames} frame(s)`, { details: { frames } });
  return out;
}

dicomwebWado.openapi(
  route(
    '/dicomweb/studies/{study}/series/{series}/instances/{instance}/frames/{frames}',
    'WADO-RS: frames (uncompressed, or as stored with transfer-syntax=*)',
    FramesP,
    {
      'multipart/related': binary,
    },
  ),
  async (c) => {
    const p = c.req.valid('param');
    const want = negotiate(c.req.header('accept'), ['application/octet-stream']);
    const { row, parsed, info } = await openInstance(c, p);
    const list = frameNumbers(p.frames, info.pixel?.frames ?? 1);
    const stored = want.transferSyntax === '*' || (want.transferSyntax !== '' && want.transferSyntax === parsed.transferSyntaxUid);
    if (want.transferSyntax && !stored && want.transferSyntax !== '1.2.840.10008.1.2.1') {
      throw new ApiError('NOT_ACCEPTABLE', 'frames are served uncompressed (1.2.840.10008.1.2.1) or as stored (transfer-syntax=*)', {
        details: { offered: ['1.2.840.10008.1.2.1', '*'] },
      });
    }
    await audit(c, 'instance.read', row.studyId, { via: 'wado-rs', level: 'frames', frames: list.length });
    // Frames of one instance are at most the instance's size: prepared before answering, so a
    // frame that cannot be read is a 422 rather than a broken stream.
    const url = instanceUrl(c, row);
    const parts: Part[] = [];
    for (const f of list) {
      const out = await frameBytes(parsed, info, f - 1, stored ? 'stored' : 'native');
      parts.push({
        contentType: `application/octet-stream; transfer-syntax=${out.transferSyntaxUid}`,
        headers: { 'Content-Location': `${url}/frames/${f}` },
        body: out.bytes,
      });
    }
    const boundary = newBoundary();
    const body = multipartStream(boundary, async () => parts.shift() ?? null);
    return c.body(body, 200, {
      ...NO_STORE,
      'content-type': `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
    }) as never;
  },
);

dicomwebWado.openapi(
  route(
    '/dicomweb/studies/{study}/series/{series}/instances/{instance}/bulkdata/{tag}',
    'WADO-RS: a top-level bulk data value (pixel data: every frame, uncompressed)',
    BulkP,
    {
      'multipart/related': binary,
    },
  ),
  async (c) => {
    const p = c.req.valid('param');
    negotiate(c.req.header('accept'), ['application/octet-stream']);
    const { row, parsed, info } = await openInstance(c, p);
    const tag = p.tag.toUpperCase();
    const parts: Uint8Array[] = [];
    if (tag === '7FE00010' && (parsed.transferSyntax?.codec !== 'native' || parsed.transferSyntax.bigEndian)) {
      for (let f = 0; f < (info.pixel?.frames ?? 1); f++) parts.push((await frameBytes(parsed, info, f, 'native')).bytes);
    } else {
      const value = topLevelValue(parsed, tag);
      if (!value) throw new ApiError('NOT_FOUND', 'the instance has no such bulk data attribute');
      parts.push(value);
    }
    await audit(c, 'instance.read', row.studyId, { via: 'wado-rs', level: 'bulkdata' });
    const boundary = newBoundary();
    const body = multipartStream(boundary, async () => {
      const b = parts.shift();
      return b ? { contentType: 'application/octet-stream', body: b } : null;
    });
    return c.body(body, 200, {
      ...NO_STORE,
      'content-type': `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
    }) as never;
  },
);

/** `window=center,width[,function]` of PS3.18 8.3.5.1.3 (linear only). */
function windowOf(q: string | undefined): { center: number; width: number } | null {
  if (!q) return null;
  const [c, w, fn] = q.split(',');
  const center = Number(c);
  const width = Number(w);
  if (!Number.isFinite(center) || !Number.isFinite(width) || width < 1 || (fn && fn.toLowerCase() !== 'linear')) {
    throw new ApiError('BAD_REQUEST', 'window must be center,width[,linear] with width ≥ 1', { details: { parameter: 'window' } });
  }
  return { center, width };
}

async function rendered(c: Context<AppEnv>, p: { study: string; series: string; instance: string }, frame: number): Promise<Response> {
  negotiate(c.req.header('accept'), [], { singlePart: ['image/png'] });
  const row = await firstOr404(c, filterOf(p), 'instance');
  const image = await decodeDicom(await bytesOf(c, row), {
    source: 'instance',
    parseLimits: { maxInflatedBytes: c.get('deps').config.maxInstanceBytes, maxSequenceDepth: 64 },
  });
  const pm = image.pixel;
  if (pm.samplesPerPixel !== 1)
    throw new ApiError('NOT_ACCEPTABLE', 'rendered images are offered for greyscale instances only', { details: { offered: [] } });
  if (frame < 1 || frame > pm.frames)
    throw new ApiError('NOT_FOUND', `frame ${frame} is not among the instance’s ${pm.frames} frame(s)`, {
      details: { frames: pm.frames },
    });
  const n = pm.rows * pm.cols;
  const hu = image.hu.subarray((frame - 1) * n, frame * n);
  let win = windowOf(c.req.query('window'));
  if (!win) {
    // No window asked: the frame's own value range.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of hu) if (v === v) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    win = Number.isFinite(lo) ? { center: (lo + hi) / 2, width: Math.max(hi - lo, 1) } : { center: 0, width: 1 };
  }
  // PS3.3 C.11.2.1.2.1 linear VOI function, to 8 bits; padding (NaN) is black.
  const out = new Uint8Array(n);
  const lo = win.center - 0.5 - (win.width - 1) / 2;
  const scale = 255 / Math.max(win.width - 1, 1);
  for (let i = 0; i < n; i++) {
    const v = hu[i]!;
    out[i] = v !== v || v <= lo ? 0 : Math.min(255, Math.round((v - lo) * scale));
  }
  await audit(c, 'instance.read', row.studyId, { via: 'wado-rs', level: 'rendered' });
  const png = encodePng({ width: pm.cols, height: pm.rows, data: out, channels: 1, depth: 8 });
  return c.body(png as Uint8Array<ArrayBuffer>, 200, { ...NO_STORE, 'content-type': 'image/png' });
}

const Rendered = z.object({ window: z.string().max(64).optional() });
dicomwebWado.openapi(
  {
    ...route(
      '/dicomweb/studies/{study}/series/{series}/instances/{instance}/rendered',
      'WADO-RS: the first frame rendered (PNG, optional window=center,width)',
      InstanceP,
      { 'image/png': binary },
    ),
    request: { params: InstanceP, query: Rendered },
  },
  (c) => rendered(c, c.req.valid('param'), 1) as never,
);
dicomwebWado.openapi(
  {
    ...route(
      '/dicomweb/studies/{study}/series/{series}/instances/{instance}/frames/{frames}/rendered',
      'WADO-RS: one frame rendered (PNG)',
      FramesP,
      { 'image/png': binary },
    ),
    request: { params: FramesP, query: Rendered },
  },
  (c) => {
    const p = c.req.valid('param');
    if (p.frames.includes(','))
      throw new ApiError('BAD_REQUEST', 'rendered frames are served one at a time', { details: { parameter: 'frames' } });
    return rendered(c, p, Number(p.frames)) as never;
  },
);
