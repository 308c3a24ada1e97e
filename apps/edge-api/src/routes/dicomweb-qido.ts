/**
 * QIDO-RS (PS3.18 §10.6): search for studies, series and instances of the caller's tenant,
 * answered as application/dicom+json. No match answers 204 with no body (PS3.18 8.3.4.4.1); a
 * study or series named in the path that the tenant does not hold answers 404 (also when
 * another tenant holds it).
 */
import type { DicomSearchFilter } from '@embolus/db';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { instanceJson, parseQido, qidoWarning, seriesJson, studyJson } from '../dicomweb/qido';
import { negotiate } from '../dicomweb/wire';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { audit, errors, router } from './common';

export const dicomwebQido = router();

const Uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);
const DicomJson = z
  .array(z.record(z.string(), z.object({ vr: z.string(), Value: z.array(z.unknown()).optional() })))
  .openapi('DicomJsonList');
const ok = {
  200: { description: 'Matches (DICOM JSON)', content: { 'application/dicom+json': { schema: DicomJson } } },
  204: { description: 'No match' },
  ...errors(404, 406),
};

/** The DICOMweb root that URLs in answers start with (configured, never from the Host header). */
export function dicomwebBase(c: Context<AppEnv>): string {
  return `${c.get('deps').config.publicBaseUrl ?? ''}/dicomweb`;
}

type Level = 'study' | 'series' | 'instance';

async function answer(c: Context<AppEnv>, level: Level, fixed: DicomSearchFilter, scope: 'study' | 'series' | null): Promise<Response> {
  negotiate(c.req.header('accept'), [], { singlePart: ['application/dicom+json', 'application/json'] });
  const deps = c.get('deps');
  const tenantId = c.get('principal').tenantId;
  const q = parseQido(new URL(c.req.url).searchParams, fixed);
  if (scope) {
    // The path's study (or series) must be the tenant's: otherwise 404, never an empty answer
    // that would tell a caller the UID exists elsewhere differently from not at all.
    const held = await deps.store.dicomweb.instances(
      tenantId,
      scope === 'study'
        ? { studyInstanceUid: fixed.studyInstanceUid! }
        : { studyInstanceUid: fixed.studyInstanceUid!, seriesInstanceUid: fixed.seriesInstanceUid! },
      { limit: 1, offset: 0 },
    );
    if (!held.length) throw new ApiError('NOT_FOUND', scope === 'study' ? 'no such study' : 'no such series');
  }
  const base = dicomwebBase(c);
  const page = { limit: q.limit, offset: q.offset };
  const items =
    level === 'study'
      ? (await deps.store.dicomweb.studies(tenantId, q.filter, page)).map((r) => studyJson(r, base))
      : level === 'series'
        ? (await deps.store.dicomweb.series(tenantId, q.filter, page)).map((r) => seriesJson(r, base))
        : (await deps.store.dicomweb.instances(tenantId, q.filter, page)).map((r) => instanceJson(r, base));
  await audit(c, 'dicomweb.search', null, { level, results: items.length });
  const warning = qidoWarning(q.ignored);
  const headers: Record<string, string> = warning ? { warning } : {};
  if (items.length === 0) return c.body(null, 204, headers);
  return c.body(JSON.stringify(items), 200, { ...headers, 'content-type': 'application/dicom+json' });
}

const DESCRIPTION =
  'Match keys by keyword or tag (StudyInstanceUID or 0020000D): UIDs (comma lists), Modality, StudyDate (ranges), AccessionNumber, ' +
  'StudyDescription/SeriesDescription (wildcards * ?), SeriesNumber, InstanceNumber; limit (≤1000), offset, includefield.';
const route = (path: string, summary: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['dicomweb'],
    summary,
    description: DESCRIPTION,
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    responses: ok,
  });
const scoped = <P extends z.ZodObject>(path: string, summary: string, params: P) =>
  createRoute({
    method: 'get',
    path,
    tags: ['dicomweb'],
    summary,
    description: DESCRIPTION,
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params },
    responses: ok,
  });

dicomwebQido.openapi(route('/dicomweb/studies', 'QIDO-RS: search for studies'), (c) => answer(c, 'study', {}, null) as never);
dicomwebQido.openapi(route('/dicomweb/series', 'QIDO-RS: search for series'), (c) => answer(c, 'series', {}, null) as never);
dicomwebQido.openapi(route('/dicomweb/instances', 'QIDO-RS: search for instances'), (c) => answer(c, 'instance', {}, null) as never);
dicomwebQido.openapi(scoped('/dicomweb/studies/{study}/series', 'QIDO-RS: search for a study’s series', z.object({ study: Uid })), (c) => {
  const { study } = c.req.valid('param');
  return answer(c, 'series', { studyInstanceUid: [study] }, 'study') as never;
});
dicomwebQido.openapi(
  scoped('/dicomweb/studies/{study}/instances', 'QIDO-RS: search for a study’s instances', z.object({ study: Uid })),
  (c) => {
    const { study } = c.req.valid('param');
    return answer(c, 'instance', { studyInstanceUid: [study] }, 'study') as never;
  },
);
dicomwebQido.openapi(
  scoped(
    '/dicomweb/studies/{study}/series/{series}/instances',
    'QIDO-RS: search for a series’ instances',
    z.object({ study: Uid, series: Uid }),
  ),
  (c) => {
    const { study, series } = c.req.valid('param');
    return answer(c, 'instance', { studyInstanceUid: [study], seriesInstanceUid: [series] }, 'series') as never;
  },
);
