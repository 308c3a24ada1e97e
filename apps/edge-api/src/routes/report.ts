/**
 * The printable report of a study's current result: `GET /v1/studies/{id}/report.pdf` (a
 * download) and `GET /v1/studies/{id}/report.html` (a self-contained page to print). Tenant-scoped
 * and audited like every study read. A study without a result is 409 STUDY_NOT_ANALYSED; a
 * missing or mismatched CAM still gives a report, which says why it has no overlays. Made by the
 * platform's ReportMaker (Node); without one (Workers) the answer is 501 REPORT_UNAVAILABLE.
 */
import { AnalysisResultSchema } from '@embolus/shared';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { IdParam } from '../schemas';
import { audit, errors, router, studyOr404 } from './common';

export const report = router();

/** The page's policy: inline styles and data: images, nothing else (the API's default denies both). */
const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The download's file name: from the study id, restricted to characters every browser keeps. */
export function reportFileName(studyId: string): string {
  return `embolus-report-${studyId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}.pdf`;
}

async function make(c: Context<AppEnv>, id: string, format: 'pdf' | 'html') {
  const deps = c.get('deps');
  const tenantId = c.get('principal').tenantId;
  const study = await studyOr404(c, id);
  const row = study.resultId ? await deps.store.results.get(tenantId, study.resultId) : null;
  if (!row)
    throw new ApiError('STUDY_NOT_ANALYSED', 'the study has no analysis result yet, so there is nothing to report', {
      details: { status: study.status },
    });
  if (!deps.reports) {
    throw new ApiError(
      'REPORT_UNAVAILABLE',
      'reports are made on the Node server only: key images decode the stored slices, which this platform (Cloudflare Workers) does not do',
      { details: { format } },
    );
  }
  const result = AnalysisResultSchema.parse(JSON.parse(row.body));
  const made = await deps.reports.make(deps, {
    tenantId,
    study,
    result,
    jobId: row.jobId,
    format,
    generatedAt: new Date(deps.clock.now()),
  });
  await audit(c, 'report.read', study.id, {
    format,
    keyImages: made.keyImages,
    ...(made.keyImageAbsence ? { keyImageAbsence: made.keyImageAbsence } : {}),
  });
  return made;
}

const responses = (type: string, description: string) => ({
  200: { description, content: { [type]: { schema: { type: 'string' as const, format: 'binary' } } } },
  ...errors(404, 409, 501),
});

report.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/report.pdf',
    tags: ['studies'],
    summary: 'The study report as PDF: labels and decisions, quality gates, key images with the Grad-CAM overlay, model, disclaimer',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam },
    responses: responses('application/pdf', 'The report (attachment)'),
  }),
  async (c) => {
    const made = await make(c, c.req.valid('param').id, 'pdf');
    const bytes = made.body as Uint8Array;
    return c.body(bytes as unknown as ArrayBuffer, 200, {
      'content-type': 'application/pdf',
      'content-length': String(bytes.length),
      'content-disposition': `attachment; filename="${reportFileName(c.req.valid('param').id)}"`,
      'cache-control': 'private, no-store',
    }) as never;
  },
);

report.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/report.html',
    tags: ['studies'],
    summary: 'The study report as one self-contained HTML page (print it from the browser)',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam },
    responses: responses('text/html', 'The report page'),
  }),
  async (c) => {
    const made = await make(c, c.req.valid('param').id, 'html');
    c.header('content-security-policy', HTML_CSP);
    return c.body(made.body as string, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store' }) as never;
  },
);
