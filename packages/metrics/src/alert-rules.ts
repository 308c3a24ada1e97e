/**
 * Drift alert rules (issue 18), evaluated purely on one label's cohort: the API stores rules and
 * events and runs this on a schedule. A rule looks at the latest calendar window that has data.
 */
import { cbpe } from './cbpe';
import type { TimeWindow } from './cohort-summary';
import { MetricsError } from './errors';
import { labelReport, type LabelReportInput } from './label-report';

/** The kinds of rule and their parameters. */
export type AlertRuleSpec =
  | {
      readonly kind: 'auroc_lower_ci_below';
      readonly params: {
        readonly below: number;
        readonly window: TimeWindow;
        readonly minPositives?: number;
        readonly minNegatives?: number;
      };
    }
  | {
      readonly kind: 'cbpe_drop';
      /**
       * Fires when the CBPE AUROC estimate of the latest window is more than `drop` below that of
       * [referenceFrom, referenceTo) (epoch ms).
       */
      readonly params: { readonly drop: number; readonly window: TimeWindow; readonly referenceFrom: number; readonly referenceTo: number };
    }
  | { readonly kind: 'coverage_below'; readonly params: { readonly below: number; readonly window: TimeWindow } };

/** The outcome of one evaluation. */
export interface AlertEvaluation {
  /** `breached`: fire; `ok`: resolve any active event; `no_data`: leave events as they are. */
  readonly state: 'breached' | 'ok' | 'no_data';
  /** The window evaluated (`YYYY-MM` / `YYYY-Www`), null without data. */
  readonly period: string | null;
  readonly value: number | null;
  /** What was compared, in words (counts and values, no patient data). */
  readonly message: string;
}

const f3 = (x: number) => x.toFixed(3);

/**
 * Evaluates `spec` on one label's cohort (`threshold`: the decision threshold in force, which
 * the CBPE estimate needs). Windows with too few labelled studies are skipped for AUROC rules, so
 * the latest window with a value is what counts.
 */
export function evaluateAlertRule(spec: AlertRuleSpec, input: LabelReportInput, threshold: number): AlertEvaluation {
  const min =
    spec.kind === 'auroc_lower_ci_below'
      ? { minPositives: spec.params.minPositives ?? 10, minNegatives: spec.params.minNegatives ?? 10 }
      : {};
  const { periods } = labelReport(input, { window: spec.params.window, threshold, rocPoints: 2, ...min });
  const noData = (why: string): AlertEvaluation => ({ state: 'no_data', period: null, value: null, message: why });
  if (spec.kind === 'auroc_lower_ci_below') {
    const latest = [...periods].reverse().find((p) => p.auroc.kind === 'auroc');
    if (latest?.auroc.kind !== 'auroc') return noData('no window has enough labelled studies for an AUROC');
    const lower = latest.auroc.ci[0];
    const breached = lower < spec.params.below;
    return {
      state: breached ? 'breached' : 'ok',
      period: latest.key,
      value: lower,
      message:
        `AUROC ${f3(latest.auroc.auroc)} (95% CI lower bound ${f3(lower)}) in ${latest.key} over ${latest.auroc.n} labelled studies ` +
        `${breached ? 'is below' : 'is not below'} ${spec.params.below}`,
    };
  }
  if (spec.kind === 'coverage_below') {
    const latest = [...periods].reverse().find((p) => p.coverage !== null);
    if (!latest || latest.coverage === null) return noData('no analysed studies');
    const breached = latest.coverage < spec.params.below;
    return {
      state: breached ? 'breached' : 'ok',
      period: latest.key,
      value: latest.coverage,
      message:
        `label coverage ${f3(latest.coverage)} (${latest.labelled} of ${latest.studies}) in ${latest.key} ` +
        `${breached ? 'is below' : 'is not below'} ${spec.params.below}`,
    };
  }
  // CBPE drop against the reference period.
  const { referenceFrom, referenceTo } = spec.params;
  if (!(referenceFrom < referenceTo)) throw new MetricsError('INVALID_INPUT', 'the reference period needs from < to');
  const ref: number[] = [];
  for (let i = 0; i < input.time.length; i++) {
    const t = input.time[i] as number;
    const p = input.probability[i] as number;
    if (t >= referenceFrom && t < referenceTo && p === p) ref.push(p);
  }
  const latest = [...periods].reverse().find((p) => p.cbpe.kind === 'estimate');
  if (latest?.cbpe.kind !== 'estimate') return noData('no window has a CBPE estimate');
  let reference: number;
  try {
    reference = cbpe(ref, { threshold }).expectedAuroc;
  } catch (e) {
    if (e instanceof MetricsError && e.code === 'INSUFFICIENT_DATA') return noData('the reference period has no CBPE estimate');
    throw e;
  }
  const fall = reference - latest.cbpe.auroc;
  const breached = fall > spec.params.drop;
  return {
    state: breached ? 'breached' : 'ok',
    period: latest.key,
    value: latest.cbpe.auroc,
    message:
      `CBPE AUROC estimate ${f3(latest.cbpe.auroc)} in ${latest.key} is ${f3(fall)} below the reference ${f3(reference)} ` +
      `(${ref.length} studies); limit ${spec.params.drop}`,
  };
}
