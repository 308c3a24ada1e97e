/**
 * Ground-truth import from CSV (issue 18, quality role): every row is checked (study reference,
 * label names, 0/1 values) and reported with its line; a file with errors applies nothing unless
 * `partial=true` (then its valid rows are applied); `dryRun=true` only reports. Labels recorded
 * here keep who imported them, when, and that they came from a CSV.
 */
import { parseLabelCsv, GROUND_TRUTH_SOURCES, type LabelCsvIssue } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { readBody } from '../middleware/body';
import { audit, errors, json, router } from './common';

export const labels = router();

/** Largest CSV accepted (about 20,000 rows of nine labels). */
export const MAX_LABEL_CSV_BYTES = 2 * 1024 * 1024;
/** Most issues listed in a report; the count is always complete. */
const MAX_LISTED = 500;

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const Issue = z.object({ line: z.number().int(), column: z.string().optional(), code: z.string(), message: z.string() });

/** The import report. */
export const LabelImportReport = z
  .object({
    dryRun: z.boolean(),
    partial: z.boolean(),
    /** Whether anything was recorded. */
    applied: z.boolean(),
    reference: z.enum(['studyId', 'studyInstanceUid']).nullable(),
    /** Data rows read. */
    rows: z.number().int(),
    /** Rows without issues (recorded when applied). */
    valid: z.number().int(),
    /** Rows (or the header) with issues. */
    invalid: z.number().int(),
    /** Label values in the valid rows. */
    labels: z.number().int(),
    errors: z.array(Issue),
    errorsTruncated: z.boolean(),
  })
  .openapi('LabelImportReport');

labels.openapi(
  createRoute({
    method: 'post',
    path: '/v1/labels/import',
    tags: ['quality'],
    summary: 'Import ground truth from CSV (studyId or studyInstanceUid, then one column per label, 0/1/empty; optional source column)',
    middleware: [requireRole(...ROLES_FOR.labels)] as const,
    request: {
      query: z.object({ dryRun: flag, partial: flag, source: z.enum(GROUND_TRUTH_SOURCES).default('radiologist') }),
      body: { required: true, content: { 'text/csv': { schema: z.string() } } },
    },
    responses: {
      200: { description: 'The report: applied, or a dry run', content: json(LabelImportReport) },
      ...errors(413, 415),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('text/csv'))
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the file as text/csv');
    const bytes = await readBody(c, MAX_LABEL_CSV_BYTES, 'CSV file');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ApiError('VALIDATION_FAILED', 'the CSV file is not UTF-8 text');
    }
    const { store } = c.get('deps');
    const p = c.get('principal');
    const csv = parseLabelCsv(text);
    const issues: LabelCsvIssue[] = [...csv.issues];
    // Resolve references to this tenant's studies: an unknown or ambiguous one is a row error.
    const refs = csv.rows.map((r) => r.ref);
    const found = await store.labels.resolveStudies(
      p.tenantId,
      csv.reference === 'studyId' ? { ids: refs, uids: [] } : { ids: [], uids: refs },
    );
    const valid: { studyId: string; labels: Record<string, 0 | 1>; source: string }[] = [];
    for (const r of csv.rows) {
      const ids = csv.reference === 'studyId' ? (found.ids.has(r.ref) ? [r.ref] : []) : (found.byUid.get(r.ref) ?? []);
      if (ids.length === 0)
        issues.push({
          line: r.line,
          column: csv.reference ?? undefined,
          code: 'UNKNOWN_STUDY',
          message: 'no such study in this tenant',
        } as LabelCsvIssue);
      else if (ids.length > 1)
        issues.push({
          line: r.line,
          column: csv.reference ?? undefined,
          code: 'AMBIGUOUS_STUDY',
          message: `${ids.length} studies have this StudyInstanceUID; use studyId`,
        } as LabelCsvIssue);
      else valid.push({ studyId: ids[0] as string, labels: r.labels as Record<string, 0 | 1>, source: r.source ?? q.source });
    }
    issues.sort((a, b) => a.line - b.line);
    const invalid = new Set(issues.map((i) => i.line)).size;
    const apply = !q.dryRun && valid.length > 0 && (issues.length === 0 || q.partial);
    if (apply) {
      // One write per source, so every row keeps its own reference standard.
      for (const source of new Set(valid.map((v) => v.source))) {
        await store.labels.recordMany(
          p.tenantId,
          valid.filter((v) => v.source === source),
          { source, recordedBy: p.keyId, enteredVia: 'csv' },
        );
      }
    }
    const report = {
      dryRun: q.dryRun,
      partial: q.partial,
      applied: apply,
      reference: csv.reference,
      rows: csv.dataLines,
      valid: valid.length,
      invalid,
      labels: valid.reduce((n, v) => n + Object.keys(v.labels).length, 0),
      errors: issues
        .slice(0, MAX_LISTED)
        .map((i) => ({ line: i.line, code: i.code, message: i.message, ...(i.column !== undefined ? { column: i.column } : {}) })),
      errorsTruncated: issues.length > MAX_LISTED,
    };
    await audit(c, 'labels.import', null, {
      rows: report.rows,
      valid: report.valid,
      invalid,
      applied: apply,
      dryRun: q.dryRun,
      partial: q.partial,
    });
    if (issues.length > 0 && !q.dryRun && !q.partial) {
      throw new ApiError('VALIDATION_FAILED', 'the file has errors, so nothing was applied (partial=true applies the valid rows)', {
        details: { report },
      });
    }
    return c.json(report, 200);
  },
);
