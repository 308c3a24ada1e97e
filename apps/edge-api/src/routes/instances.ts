/**
 * Instances of a study: single PUT (idempotent by SOP UID and sha256), batch POST (zip or
 * multipart), listing and download.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, UploadRefusedError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { mediaType, readBody } from '../middleware/body';
import { BatchResponse, IdParam, InstanceOutcome, isoOf, SopParams } from '../schemas';
import { ingestMultipart, ingestZip } from '../upload/batch';
import { ingestInstance, tenantPseudonym } from '../upload/ingest';
import { headerParams } from '../upload/multipart';
import { looksLikeZip } from '../upload/zip';
import { audit, errors, router, sendBlob, studyOr404 } from './common';

export const instances = router();

const binary = { type: 'string', format: 'binary' } as const;

instances.openapi(
  createRoute({
    method: 'put',
    path: '/v1/studies/{id}/instances/{sopUid}',
    tags: ['uploads'],
    summary: 'Upload one DICOM instance (idempotent by SOP Instance UID and sha256)',
    description:
      'The body is one application/dicom instance. It is parsed, must be a CT image and anonymized ' +
      '(PS3.15 Basic Profile attributes without values; PatientID may match the tenant’s pseudonym pattern). ' +
      'Repeating the same bytes answers 200; different bytes for a stored SOP Instance UID answer 409.',
    middleware: [requireRole(...ROLES_FOR.upload)] as const,
    request: { params: SopParams, body: { required: true, content: { 'application/dicom': { schema: binary } } } },
    responses: {
      201: { description: 'Stored', content: { 'application/json': { schema: InstanceOutcome } } },
      200: { description: 'Already stored with the same bytes', content: { 'application/json': { schema: InstanceOutcome } } },
      ...errors(404, 409, 413, 415, 422),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const { id, sopUid } = c.req.valid('param');
    if (mediaType(c) !== 'application/dicom') throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/dicom');
    await studyOr404(c, id);
    const bytes = await readBody(c, deps.config.maxInstanceBytes, 'instance');
    const principal = c.get('principal');
    const out = await ingestInstance(
      deps,
      { principal, studyId: id, expectedSopUid: sopUid, pseudonym: await tenantPseudonym(deps, principal.tenantId), source: 'instance' },
      bytes,
    );
    if (out.status === 'refused') {
      deps.logger.log('info', 'upload.refused', { studyId: id, code: out.code, requestId: c.get('requestId') });
      throw new UploadRefusedError(out.code, out.message, out.details);
    }
    if (out.status === 'stored') await audit(c, 'instance.write', id, { sha256: out.sha256 });
    return c.json(out, out.status === 'stored' ? 201 : 200);
  },
);

instances.openapi(
  createRoute({
    method: 'post',
    path: '/v1/studies/{id}/instances',
    tags: ['uploads'],
    summary: 'Upload many instances: a zip archive or a multipart (form-data or related) batch',
    description:
      'Each file gets its own outcome (stored, duplicate, refused with a reason, or skipped). ' +
      'The request body is limited (EMBOLUS_MAX_REQUEST_BYTES, ' +
      'by default the 100 MB Cloudflare Workers limit of the Free and Pro plans); ' +
      'larger studies are uploaded in several batches or instance by instance.',
    middleware: [requireRole(...ROLES_FOR.upload)] as const,
    request: {
      params: IdParam,
      body: {
        required: true,
        content: {
          'application/zip': { schema: binary },
          'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'array', items: binary } } } },
          'multipart/related': { schema: binary },
        },
      },
    },
    responses: {
      200: { description: 'Per-file outcomes', content: { 'application/json': { schema: BatchResponse } } },
      ...errors(404, 413, 415),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const type = mediaType(c);
    const isZip = type === 'application/zip' || type === 'application/x-zip-compressed';
    if (!isZip && type !== 'multipart/form-data' && type !== 'multipart/related') {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/zip, multipart/form-data or multipart/related');
    }
    await studyOr404(c, id);
    const body = await readBody(c, deps.config.maxRequestBytes);
    const principal = c.get('principal');
    const target = { principal, studyId: id, pseudonym: await tenantPseudonym(deps, principal.tenantId) };
    let result;
    if (isZip) {
      if (!looksLikeZip(body)) throw new ApiError('BAD_REQUEST', 'the body is not a zip archive');
      result = await ingestZip(deps, target, body);
    } else {
      result = await ingestMultipart(deps, target, body, headerParams(c.req.header('content-type') ?? '')['boundary'] ?? '');
    }
    await audit(c, 'instance.write', id, { stored: result.stored, refused: result.refused });
    return c.json({ studyId: id, ...result }, 200);
  },
);

const InstanceRow = z
  .object({
    sopInstanceUid: z.string(),
    seriesInstanceUid: z.string().nullable(),
    sopClassUid: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
    createdAt: z.string(),
  })
  .openapi('Instance');

instances.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/instances',
    tags: ['studies'],
    summary: 'The study’s stored instances',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam },
    responses: {
      200: { description: 'Instances', content: { 'application/json': { schema: z.object({ items: z.array(InstanceRow) }) } } },
      ...errors(404),
    },
  }),
  async (c) => {
    const study = await studyOr404(c, c.req.valid('param').id);
    const rows = await c.get('deps').store.studies.instances(c.get('principal').tenantId, study.id);
    await audit(c, 'instance.list', study.id, { count: rows.length });
    return c.json(
      {
        items: rows.map((r) => ({
          sopInstanceUid: r.sopInstanceUid,
          seriesInstanceUid: r.seriesInstanceUid,
          sopClassUid: r.sopClassUid,
          size: r.size,
          sha256: r.sha256,
          createdAt: isoOf(r.createdAt),
        })),
      },
      200,
    );
  },
);

instances.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/instances/{sopUid}',
    tags: ['studies'],
    summary: 'Download one stored instance',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: SopParams },
    responses: { 200: { description: 'The instance', content: { 'application/dicom': { schema: binary } } }, ...errors(404) },
  }),
  async (c) => {
    const { id, sopUid } = c.req.valid('param');
    const study = await studyOr404(c, id);
    const row = await c.get('deps').store.studies.instance(c.get('principal').tenantId, study.id, sopUid);
    if (!row) throw new ApiError('NOT_FOUND', 'no such instance');
    await audit(c, 'instance.read', study.id, { sha256: row.sha256 });
    return sendBlob(c, row.blobKey, 'application/dicom');
  },
);
