/**
 * STOW-RS (DICOM PS3.18 §10.5): `POST /dicomweb/studies` with a multipart/related body of
 * application/dicom parts. Instances are grouped into Embolus studies by Study Instance UID
 * (joining a study of the tenant still receiving that UID, or creating one). The response is the
 * standard DICOM JSON Store Instances Response; each failed item also carries the Embolus
 * refusal code and message in private elements (creator "EMBOLUS 1.0", (0009,1001) and
 * (0009,1002)), because FailureReason alone cannot say *which* attributes were not anonymized.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { mediaType, readBody } from '../middleware/body';
import { ingestInstance, tenantPseudonym, type IngestOutcome } from '../upload/ingest';
import { inspectInstance, maxInflatedBytes } from '../upload/inspect';
import { headerParams, MultipartError, parseMultipart } from '../upload/multipart';
import { audit, errors, router } from './common';

export const dicomweb = router();

/** PS3.18 / PS3.4 failure reasons used here. */
export const FAILURE = {
  processingFailure: 0x0110,
  duplicateSopInstance: 0x0111,
  sopClassNotSupported: 0x0122,
  outOfResources: 0xa700,
  dataSetDoesNotMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
} as const;

/** The FailureReason (0008,1197) for an Embolus refusal code. */
export function failureReason(code: string): number {
  switch (code) {
    case 'NOT_DICOM':
    case 'MISSING_SOP_UID':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return FAILURE.cannotUnderstand;
    case 'NOT_CT':
      return FAILURE.sopClassNotSupported;
    case 'NO_PIXEL_DATA':
      return FAILURE.dataSetDoesNotMatchSopClass;
    case 'CONFLICT':
      return FAILURE.duplicateSopInstance;
    case 'INSTANCE_TOO_LARGE':
    case 'STUDY_TOO_LARGE':
    case 'TOO_MANY_INSTANCES':
      return FAILURE.outOfResources;
    default:
      return FAILURE.processingFailure;
  }
}

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;
const ui = (v: string) => ({ vr: 'UI', Value: [v] });

const StowResponse = z.record(z.string(), z.object({ vr: z.string(), Value: z.array(z.unknown()).optional() })).openapi('StowResponse', {
  description: 'DICOM JSON: ReferencedSOPSequence (0008,1199), FailedSOPSequence (0008,1198) with FailureReason (0008,1197)',
});

dicomweb.openapi(
  createRoute({
    method: 'post',
    path: '/dicomweb/studies',
    tags: ['dicomweb'],
    summary: 'STOW-RS: store instances (multipart/related; type="application/dicom")',
    middleware: [requireRole(...ROLES_FOR.upload)] as const,
    request: { body: { required: true, content: { 'multipart/related': { schema: { type: 'string', format: 'binary' } } } } },
    responses: {
      200: { description: 'All instances stored', content: { 'application/dicom+json': { schema: StowResponse } } },
      202: { description: 'Some instances stored, some failed', content: { 'application/dicom+json': { schema: StowResponse } } },
      409: { description: 'No instance stored', content: { 'application/dicom+json': { schema: StowResponse } } },
      ...errors(413, 415),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const header = c.req.header('content-type') ?? '';
    const params = headerParams(header);
    const type = (params['type'] ?? 'application/dicom').toLowerCase();
    if (mediaType(c) !== 'multipart/related' || type !== 'application/dicom') {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        'STOW-RS here takes multipart/related; type="application/dicom" (no JSON or XML metadata)',
      );
    }
    const body = await readBody(c, deps.config.maxRequestBytes);
    let parts;
    try {
      parts = parseMultipart(body, params['boundary'] ?? '', deps.config.maxZipEntries);
    } catch (e) {
      if (!(e instanceof MultipartError)) throw e;
      throw new ApiError('BAD_REQUEST', `the multipart body cannot be read: ${e.message}`);
    }
    if (parts.length === 0)
      throw new ApiError('BAD_REQUEST', 'the STOW-RS request has no parts: send at least one application/dicom part', {
        details: { parts: 0 },
      });
    const pseudonym = await tenantPseudonym(deps, principal.tenantId);
    const studyByUid = new Map<string, string>();
    const referenced: DicomJson[] = [];
    const failed: DicomJson[] = [];
    // RetrieveURLs come from configuration, never from the request's Host header (which a client
    // or a proxy sets to anything); without a configured base they are paths.
    const origin = deps.config.publicBaseUrl ?? '';
    for (const part of parts) {
      let out: IngestOutcome & { studyId?: string };
      if (part.contentType && part.contentType !== 'application/dicom') {
        out = { status: 'refused', code: 'UNSUPPORTED_MEDIA_TYPE', message: `part ${part.index} is not application/dicom`, details: {} };
      } else {
        const inspected = inspectInstance(part.body, {
          pseudonym,
          maxInflatedBytes: maxInflatedBytes(deps.config),
          source: `part ${part.index}`,
        });
        if (!inspected.ok) {
          out = { status: 'refused', ...inspected.refusal };
        } else {
          const uid = inspected.facts.studyInstanceUid ?? '';
          let studyId = studyByUid.get(uid);
          if (!studyId) {
            const existing = uid ? await deps.store.studies.receivingByUid(principal.tenantId, uid) : null;
            studyId = (existing ?? (await deps.store.studies.create(principal.tenantId, { studyInstanceUid: uid || null }))).id;
            studyByUid.set(uid, studyId);
          }
          out = { ...(await ingestInstance(deps, { principal, studyId, pseudonym, source: `part ${part.index}` }, part.body)), studyId };
        }
      }
      const ids: DicomJson = {};
      if (out.sopClassUid) ids['00081150'] = ui(out.sopClassUid);
      if (out.sopInstanceUid) ids['00081155'] = ui(out.sopInstanceUid);
      if (out.status === 'refused') {
        failed.push({
          ...ids,
          '00081197': { vr: 'US', Value: [failureReason(out.code)] },
          '00090010': { vr: 'LO', Value: ['EMBOLUS 1.0'] },
          '00091001': { vr: 'LO', Value: [out.code] },
          '00091002': { vr: 'LT', Value: [out.message] },
        });
      } else {
        referenced.push({
          ...ids,
          '00081190': { vr: 'UR', Value: [`${origin}/v1/studies/${out.studyId}/instances/${out.sopInstanceUid}`] },
          '00090010': { vr: 'LO', Value: ['EMBOLUS 1.0'] },
          '00091010': { vr: 'LO', Value: [out.studyId] },
        });
      }
    }
    const response: DicomJson = {};
    const studyIds = [...new Set(studyByUid.values())];
    if (studyIds.length === 1) response['00081190'] = { vr: 'UR', Value: [`${origin}/v1/studies/${studyIds[0]}`] };
    if (failed.length) response['00081198'] = { vr: 'SQ', Value: failed };
    if (referenced.length) response['00081199'] = { vr: 'SQ', Value: referenced };
    for (const id of studyIds) await audit(c, 'instance.write', id, { via: 'stow-rs' });
    const status = failed.length === 0 ? 200 : referenced.length === 0 ? 409 : 202;
    // DICOM JSON is not `application/json`, so the typed c.json() does not apply.
    return c.body(JSON.stringify(response), status, { 'content-type': 'application/dicom+json' }) as never;
  },
);
