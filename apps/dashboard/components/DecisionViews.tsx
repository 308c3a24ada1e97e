/**
 * What a reader meets first on a results page: "Non-diagnostic: <reason>" with the quality checks
 * (measured against limit) when a gate failed, otherwise the exam decision and why. Decisions
 * come from `decisionsOf` (@embolus/shared), never from thresholds re-applied here.
 */
import type { ResultDecisions } from '@embolus/shared/decisions';
import type { AnalysisResult } from '@/lib/types';

const CHECK_NAMES: Record<string, string> = {
  contrast_opacification: 'Contrast in the pulmonary arteries',
  slice_thickness: 'Slice thickness',
  slice_spacing: 'Slice spacing',
  lung_coverage: 'Lung coverage',
  slice_count: 'Number of slices',
  series_type: 'Series type',
  orientation: 'Slice orientation',
};

/** Units of the numeric measurements (limits given as text carry their own). */
const UNITS: Record<string, (v: number, limit: boolean) => string> = {
  contrast_opacification: (v, limit) => `${limit ? '≥ ' : ''}${v} HU`,
  slice_thickness: (v) => `${v} mm`,
  slice_spacing: (v) => `${v} mm`,
  lung_coverage: (v, limit) => `${limit ? '≤ ' : ''}${Math.round(v * 100)} % cut`,
  slice_count: (v, limit) => `${limit ? '≥ ' : ''}${v}`,
  orientation: (v, limit) => `${limit ? '≤ ' : ''}${v}°`,
};

function value(code: string, v: number | string | null, limit: boolean): string {
  if (v === null) return limit ? 'not required' : 'not measured';
  if (typeof v === 'string') return v;
  return UNITS[code]?.(v, limit) ?? String(v);
}

export function QualityChecks({ checks }: { checks: NonNullable<AnalysisResult['quality']>['checks'] }) {
  return (
    <table className="data-table quality">
      <caption className="sr-only">Study-quality checks: measured value, limit and outcome</caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col" className="num">
            Measured
          </th>
          <th scope="col" className="num">
            Limit
          </th>
          <th scope="col">Outcome</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.code} data-check={c.code}>
            <th scope="row">{CHECK_NAMES[c.code] ?? c.code}</th>
            <td className="num mono">{value(c.code, c.measured, false)}</td>
            <td className="num mono">{value(c.code, c.limit, true)}</td>
            <td>{c.passed ? <span className="pass">✓ Pass</span> : <span className="fail">✗ Fail</span>}</td>
            <td className="small">{c.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The banner of a study that failed a quality gate: first on the page, before any label. */
export function NonDiagnosticBanner({ reason, checks }: { reason: string; checks: NonNullable<AnalysisResult['quality']>['checks'] }) {
  const detail = reason.replace(/^Non-diagnostic:?\s*/, '');
  return (
    <section className="nondiag" aria-labelledby="nondiag-h">
      <h2 id="nondiag-h">
        <span className="nondiag__label">Non-diagnostic:</span> <span className="nondiag__reason">{detail}</span>
      </h2>
      <p>
        This study is outside what the model was made for. No label decision is reported; the probabilities below are kept for research
        only.
      </p>
      {checks.length > 0 && <QualityChecks checks={checks} />}
    </section>
  );
}

const EXAM_NAMES = { positive: 'PE positive', negative: 'PE negative', indeterminate: 'Indeterminate' } as const;

/** The exam-level decision and the rule behind it. */
export function ExamDecision({ decisions }: { decisions: ResultDecisions }) {
  if (decisions.exam === 'withheld') return null;
  return (
    <section className={`exam exam--${decisions.exam}`} aria-labelledby="exam-h">
      <h2 id="exam-h" className="exam__decision">
        {EXAM_NAMES[decisions.exam]}
      </h2>
      <p className="exam__reason">{decisions.reason}</p>
    </section>
  );
}
