/**
 * The result's optional `quality` section (study-quality gates, added by another change) read
 * tolerantly: the SR shows whether the study was diagnostic, each check and each reason, and
 * works the same before that section exists (then no quality container is written).
 */
import { z } from 'zod';

/** What the SR shows of the quality gates. */
export interface QualitySummary {
  /** null: the section exists but this reader could not make sense of it (the SR says so). */
  diagnostic: boolean | null;
  /** One line per check, `name: pass|fail[ - message]`. */
  checks: string[];
  /** Non-diagnostic reasons. */
  reasons: string[];
}

const Check = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    code: z.string().optional(),
    passed: z.boolean().optional(),
    ok: z.boolean().optional(),
    pass: z.boolean().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
    reason: z.string().optional(),
  })
  .passthrough();

const Reason = z.union([z.string(), z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough()]);

const Quality = z
  .object({
    diagnostic: z.boolean(),
    checks: z.union([z.array(Check), z.record(z.string(), Check)]).optional(),
    reasons: z.array(Reason).optional(),
    nonDiagnosticReasons: z.array(Reason).optional(),
  })
  .passthrough();

function checkLine(key: string | undefined, c: z.infer<typeof Check>): string {
  const name = c.id ?? c.name ?? c.code ?? key ?? 'check';
  const passed = c.passed ?? c.ok ?? c.pass ?? (c.status ? c.status === 'pass' || c.status === 'passed' : undefined);
  const verdict = passed === undefined ? (c.status ?? 'reported') : passed ? 'pass' : 'fail';
  const msg = c.message ?? c.reason;
  return `${name}: ${verdict}${msg ? ` - ${msg}` : ''}`;
}

const reasonText = (r: z.infer<typeof Reason>) => (typeof r === 'string' ? r : [r.code, r.message].filter(Boolean).join(': ') || 'reason');

/**
 * The quality summary, or null when the result has none. A section in a shape this reader does
 * not know is not dropped silently: it comes back with `diagnostic: null` and a reason saying so.
 */
export function readQuality(quality: unknown): QualitySummary | null {
  if (quality === undefined || quality === null) return null;
  const q = Quality.safeParse(quality);
  if (!q.success) return { diagnostic: null, checks: [], reasons: ['the result has a quality section this SR writer cannot read; see the JSON result'] };
  const checks = q.data.checks === undefined ? [] : Array.isArray(q.data.checks) ? q.data.checks.map((c) => checkLine(undefined, c)) : Object.entries(q.data.checks).map(([k, c]) => checkLine(k, c));
  const reasons = [...(q.data.reasons ?? []), ...(q.data.nonDiagnosticReasons ?? [])].map(reasonText);
  return { diagnostic: q.data.diagnostic, checks, reasons };
}
