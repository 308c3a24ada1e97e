'use client';
/**
 * One label at the threshold in force: the ROC curve with the operating point, the calibration
 * plot, and sensitivity and specificity over time with Wilson 95% CIs (one API call: the label
 * report). Each chart has its table and CSV.
 */
import { useId } from 'react';
import { DataFigure } from '@/components/quality/DataFigure';
import { QualityFrame, Selectors, useSelection } from '@/components/quality/QualityFrame';
import { SeriesChart } from '@/components/quality/SeriesChart';
import { XYChart } from '@/components/quality/XYChart';
import type { Column } from '@/lib/csv';
import { LABEL_NAMES } from '@/lib/labels';
import { fixed, labelReportPath, rateText, type LabelPeriod, type LabelReport, type Rate, type ReliabilityBin } from '@/lib/quality';
import { useApi } from '@/lib/useApi';

const val = (r: Rate) => (r.kind === 'rate' ? r.value : null);

function AtThreshold() {
  const { label, period } = useSelection();
  const patternId = `hatch-${useId().replace(/:/g, '')}`;
  const report = useApi<LabelReport>(labelReportPath(label, period));
  const name = LABEL_NAMES[label];
  const r = report.data;
  if (report.error) {
    return (
      <>
        <Selectors />
        <p className="alert alert--error" role="alert">
          {report.error}
        </p>
      </>
    );
  }
  if (!r) {
    return (
      <>
        <Selectors />
        <p role="status">Loading…</p>
      </>
    );
  }
  const op = r.overall.operatingPoint;
  const roc = r.overall.roc
    ? r.overall.roc.fpr.map((x, i) => ({ x, y: r.overall.roc!.tpr[i] ?? 0, threshold: r.overall.roc!.thresholds[i] ?? null }))
    : [];
  const opPoint =
    op.sensitivity.kind === 'rate' && op.specificity.kind === 'rate' ? { x: 1 - op.specificity.value, y: op.sensitivity.value } : null;
  type RocRow = (typeof roc)[number];
  const rocColumns: Column<RocRow>[] = [
    { key: 'threshold', header: 'Threshold', value: (p) => (p.threshold === null ? null : fixed(p.threshold, 4)) },
    { key: 'fpr', header: 'False-positive rate (1 − specificity)', numeric: true, value: (p) => fixed(p.x, 4) },
    { key: 'tpr', header: 'Sensitivity', numeric: true, value: (p) => fixed(p.y, 4) },
  ];
  const calColumns: Column<ReliabilityBin>[] = [
    { key: 'bin', header: 'Predicted probability bin', value: (b) => `${fixed(b.lower, 1)}–${fixed(b.upper, 1)}` },
    { key: 'count', header: 'Studies', numeric: true, value: (b) => b.count },
    {
      key: 'mean_probability',
      header: 'Mean predicted',
      numeric: true,
      value: (b) => (b.meanProbability === null ? null : fixed(b.meanProbability)),
    },
    {
      key: 'observed_rate',
      header: 'Observed rate',
      numeric: true,
      value: (b) => (b.observedRate === null ? null : fixed(b.observedRate)),
    },
  ];
  const ssColumns: Column<LabelPeriod>[] = [
    { key: 'period', header: 'Period', value: (p) => p.key },
    { key: 'labelled', header: 'With ground truth', numeric: true, value: (p) => p.labelled },
    {
      key: 'sensitivity',
      header: 'Sensitivity',
      numeric: true,
      value: (p) => (p.sensitivity.kind === 'rate' ? fixed(p.sensitivity.value) : 'insufficient data'),
    },
    {
      key: 'sensitivity_ci',
      header: 'Sensitivity 95% CI',
      numeric: true,
      value: (p) => (p.sensitivity.kind === 'rate' ? `${fixed(p.sensitivity.ci[0])}–${fixed(p.sensitivity.ci[1])}` : null),
    },
    {
      key: 'specificity',
      header: 'Specificity',
      numeric: true,
      value: (p) => (p.specificity.kind === 'rate' ? fixed(p.specificity.value) : 'insufficient data'),
    },
    {
      key: 'specificity_ci',
      header: 'Specificity 95% CI',
      numeric: true,
      value: (p) => (p.specificity.kind === 'rate' ? `${fixed(p.specificity.ci[0])}–${fixed(p.specificity.ci[1])}` : null),
    },
  ];
  const cal = r.overall.calibration.filter((b) => b.meanProbability !== null && b.observedRate !== null);
  return (
    <>
      <Selectors />
      <div className="tiles">
        <div className="tile">
          <span className="tile__label">Threshold in force</span>
          <span className="tile__value">{fixed(r.threshold.value)}</span>
          <span className="muted small">{r.threshold.source === 'site' ? `site set v${r.threshold.setVersion}` : 'the model’s own'}</span>
        </div>
        <div className="tile">
          <span className="tile__label">Sensitivity (95% CI)</span>
          <span className="tile__value">{rateText(op.sensitivity)}</span>
        </div>
        <div className="tile">
          <span className="tile__label">Specificity (95% CI)</span>
          <span className="tile__value">{rateText(op.specificity)}</span>
        </div>
        <div className="tile">
          <span className="tile__label">Labelled studies</span>
          <span className="tile__value">
            {r.overall.labelled.toLocaleString('en')} / {r.overall.studies.toLocaleString('en')}
          </span>
        </div>
      </div>
      <div className="qgrid">
        <DataFigure
          title={`ROC curve: ${name}`}
          description="All labelled studies; dot: the operating point at the threshold in force; dashed: chance."
          rows={roc}
          columns={rocColumns}
          csvName={`roc-${label}`}
        >
          {roc.length ? (
            <XYChart
              name="roc"
              line={roc}
              marker={opPoint}
              markerLabel={`threshold ${fixed(op.threshold)}`}
              xLabel="1 − specificity"
              yLabel="Sensitivity"
              ariaLabel={
                `ROC curve of ${name}${r.overall.auroc.kind === 'auroc' ? `, AUROC ${fixed(r.overall.auroc.auroc)}` : ''}; ` +
                `operating point sensitivity ${rateText(op.sensitivity)}, specificity ${rateText(op.specificity)}`
              }
            />
          ) : (
            <p className="muted">Too little data: the labelled studies need positives and negatives for a ROC curve.</p>
          )}
        </DataFigure>
        <DataFigure
          title={`Calibration: ${name}`}
          description="Mean predicted probability against the observed rate per bin (dot size: studies). On the diagonal: calibrated."
          rows={r.overall.calibration}
          columns={calColumns}
          csvName={`calibration-${label}`}
        >
          <XYChart
            name="calibration"
            points={cal.map((b) => ({ x: b.meanProbability!, y: b.observedRate!, weight: b.count }))}
            xLabel="Mean predicted probability"
            yLabel="Observed rate"
            ariaLabel={`Calibration of ${name} in ${cal.length} bins`}
          />
        </DataFigure>
        <DataFigure
          wide
          title={`Sensitivity and specificity over time: ${name}`}
          description={`At the threshold in force, per ${period}, with Wilson 95% bands; hatched: no labelled studies.`}
          rows={r.periods}
          columns={ssColumns}
          csvName={`sens-spec-${label}-${period}`}
        >
          <SeriesChart
            name="sens-spec"
            patternId={patternId}
            keys={r.periods.map((p) => p.key)}
            yLabel="Rate"
            domain={[0, 1]}
            ariaLabel={`Sensitivity and specificity of ${name} per ${period}`}
            series={[
              {
                name: 'Sensitivity',
                tone: '',
                values: r.periods.map((p) => val(p.sensitivity)),
                lower: r.periods.map((p) => (p.sensitivity.kind === 'rate' ? p.sensitivity.ci[0] : null)),
                upper: r.periods.map((p) => (p.sensitivity.kind === 'rate' ? p.sensitivity.ci[1] : null)),
              },
              {
                name: 'Specificity',
                tone: 'b',
                values: r.periods.map((p) => val(p.specificity)),
                lower: r.periods.map((p) => (p.specificity.kind === 'rate' ? p.specificity.ci[0] : null)),
                upper: r.periods.map((p) => (p.specificity.kind === 'rate' ? p.specificity.ci[1] : null)),
              },
            ]}
          />
        </DataFigure>
      </div>
    </>
  );
}

export default function LabelPage() {
  return (
    <QualityFrame title="At the threshold">
      <AtThreshold />
    </QualityFrame>
  );
}
