/**
 * @embolus/metrics: evaluation statistics for the PE detector. Pure TypeScript on typed arrays,
 * no Node-only dependencies (runs in Node, Cloudflare Workers and browsers).
 *
 * Conventions: truths are 0/1 (1 = positive); higher scores mean "more likely positive"; a
 * subject is called positive when its score is ≥ the threshold. Failures throw
 * {@link MetricsError} with a stable `code`.
 */
export { MetricsError, type MetricsErrorCode } from './errors';
export { normalCdf, normalSurvival, normalQuantile } from './normal-distribution';
export { seededRandom, type SeededRandom } from './seeded-random';
export { auroc, rocCurve, type RocCurve } from './auroc';
export {
  delongVariance,
  delongCi,
  delongTest,
  type DelongEstimate,
  type DelongTestResult,
  type AurocWithCi,
} from './delong';
export { aurocCi, type AurocCiOptions } from './auroc-ci';
export type { BootstrapOptions } from './bootstrap-ci';
export {
  operatingPoint,
  operatingPointAt,
  thresholdCurve,
  type OperatingPoint,
  type ThresholdCurve,
} from './threshold-metrics';
export { selectThreshold, type ThresholdRule, type SelectedThreshold } from './threshold-selection';
export {
  PROBABILITY_CLIP,
  binaryCrossEntropy,
  logLoss,
  perLabelLogLoss,
  weightedLogLoss,
  type LabelPredictions,
  type StudyLogLossInput,
  type WeightedLogLoss,
} from './log-loss';
export {
  reliabilityBins,
  expectedCalibrationError,
  brierScore,
  type ReliabilityBin,
  type ReliabilityOptions,
} from './calibration';
export {
  cohortSummary,
  type CohortInput,
  type CohortOptions,
  type CohortCell,
  type CohortWindow,
  type TimeWindow,
} from './cohort-summary';
export { cbpe, type CbpeOptions, type CbpeEstimate } from './cbpe';
export {
  populationStabilityIndex,
  categoricalStabilityIndex,
  ksTwoSample,
  kolmogorovSurvival,
  type PsiOptions,
  type PsiResult,
  type KsResult,
} from './drift-statistics';
export { driftReport, type DriftSample, type DescriptorValues, type FeatureDrift } from './drift-report';
export { parseEvalCsv, type EvalCsv, type EvalCsvKind, type EvalRow } from './eval-csv';
export { joinEvalCsvs, type EvalDataset, type LabelColumn } from './eval-dataset';
export { rocChartSvg, thresholdChartSvg, escapeXml, type RocChartInput, type ThresholdChartInput } from './svg-charts';
export { scoreLabel, type LabelScore, type ScoreLabelOptions } from './label-score';
export { compareVersions, type LabelComparison, type StudyPrediction } from './model-compare';
export { wilsonInterval } from './wilson';
export {
  labelReport,
  rateOf,
  type Rate,
  type CbpeCell,
  type LabelPeriod,
  type LabelOverall,
  type LabelReportInput,
  type LabelReportOptions,
} from './label-report';
export { previewThreshold, type SiteThresholdRule, type ThresholdPreview } from './threshold-preview';
export { evaluateAlertRule, type AlertRuleSpec, type AlertEvaluation } from './alert-rules';
