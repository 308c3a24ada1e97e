'use client';
/**
 * Quality over time: per label, AUROC with its DeLong 95% band by week or month (n and positives
 * per period; a period with too little data drawn as such), and label coverage. One API call
 * (GET /v1/metrics/cohort) for all nine labels; the selectors only re-draw.
 */
import { useId } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { AurocOverTime } from '@/components/quality/AurocOverTime';
import { DataFigure } from '@/components/quality/DataFigure';
import { QualityFrame, Selectors, useSelection } from '@/components/quality/QualityFrame';
import { ShareBars } from '@/components/quality/ShareBars';
import type { Column } from '@/lib/csv';
import { LABEL_NAMES } from '@/lib/labels';
import { fixed, type CohortSummary, type CohortWindow } from '@/lib/quality';
import { useApi } from '@/lib/useApi';

function OverTime() {
  const { label, period } = useSelection();
  const patternId = `hatch-${useId().replace(/:/g, '')}`;
  const cohort = useApi<CohortSummary>(`/v1/metrics/cohort?window=${period}`);
  const name = LABEL_NAMES[label];
  const windows = cohort.data?.windows ?? [];

  const aurocColumns: Column<CohortWindow>[] = [
    { key: 'period', header: 'Period', value: (w) => w.key },
    { key: 'start', header: 'From', value: (w) => w.start },
    { key: 'n', header: 'n', numeric: true, value: (w) => w.labels[label]?.n ?? 0 },
    { key: 'positives', header: 'Positives', numeric: true, value: (w) => w.labels[label]?.positives ?? 0 },
    {
      key: 'auroc',
      header: 'AUROC',
      numeric: true,
      value: (w) => (w.labels[label]?.kind === 'auroc' ? fixed(w.labels[label].auroc) : 'insufficient data'),
    },
    {
      key: 'ci_low',
      header: 'CI low',
      numeric: true,
      value: (w) => {
        const c = w.labels[label];
        return c?.kind === 'auroc' ? fixed(c.ci[0]) : null;
      },
    },
    {
      key: 'ci_high',
      header: 'CI high',
      numeric: true,
      value: (w) => {
        const c = w.labels[label];
        return c?.kind === 'auroc' ? fixed(c.ci[1]) : null;
      },
    },
  ];
  const coverage = windows.map((w) => ({
    key: w.key,
    studies: w.studies,
    labelled: w.labels[label]?.n ?? 0,
    share: w.studies > 0 ? (w.labels[label]?.n ?? 0) / w.studies : null,
  }));
  type Cov = (typeof coverage)[number];
  const coverageColumns: Column<Cov>[] = [
    { key: 'period', header: 'Period', value: (r) => r.key },
    { key: 'studies', header: 'Analysed studies', numeric: true, value: (r) => r.studies },
    { key: 'labelled', header: 'With ground truth', numeric: true, value: (r) => r.labelled },
    { key: 'coverage', header: 'Coverage', numeric: true, value: (r) => (r.share === null ? null : fixed(r.share, 3)) },
  ];
  const usable = windows.filter((w) => w.labels[label]?.kind === 'auroc');
  const last = usable[usable.length - 1]?.labels[label];
  const lastLow = last?.kind === 'auroc' ? last : null;
  const totalLabelled = coverage.reduce((s, r) => s + r.labelled, 0);
  const totalStudies = coverage.reduce((s, r) => s + r.studies, 0);

  return (
    <>
      <Selectors />
      <ErrorNotice>{cohort.error}</ErrorNotice>
      {cohort.loading && !cohort.data && <p role="status">Loading the cohort…</p>}
      {cohort.data && (
        <>
          <div className="tiles" role="group" aria-label="Summary">
            <div className="tile">
              <span className="tile__label">Analysed studies</span>
              <span className="tile__value">{cohort.data.studies.toLocaleString('en')}</span>
            </div>
            <div className="tile">
              <span className="tile__label">With any ground truth</span>
              <span className="tile__value">{cohort.data.labelled.toLocaleString('en')}</span>
            </div>
            <div className="tile">
              <span className="tile__label">{name}: coverage</span>
              <span className="tile__value">{totalStudies ? `${((totalLabelled / totalStudies) * 100).toFixed(1)} %` : '—'}</span>
            </div>
            <div className="tile">
              <span className="tile__label">Latest AUROC ({usable[usable.length - 1]?.key ?? '—'})</span>
              <span className="tile__value">
                {lastLow ? `${fixed(lastLow.auroc)} (${fixed(lastLow.ci[0])}–${fixed(lastLow.ci[1])})` : '—'}
              </span>
            </div>
          </div>
          <div className="qgrid">
            <DataFigure
              wide
              title={`AUROC over time: ${name}`}
              description={
                `Line: AUROC per ${period}; band: DeLong 95% confidence interval; hatched: too few positives or negatives for an AUROC. ` +
                'Under each period: studies with ground truth (n) and positives.'
              }
              rows={windows}
              columns={aurocColumns}
              csvName={`auroc-${label}-${period}`}
            >
              <AurocOverTime points={windows.map((w) => ({ key: w.key, cell: w.labels[label] }))} label={name} patternId={patternId} />
            </DataFigure>
            <DataFigure
              wide
              title={`Label coverage: ${name}`}
              description="Share of the period’s analysed studies that have ground truth for this label."
              rows={coverage}
              columns={coverageColumns}
              csvName={`coverage-${label}-${period}`}
            >
              <ShareBars
                bars={coverage}
                name="coverage"
                ariaLabel={`Ground-truth coverage of ${name} per ${period}: ${totalLabelled} of ${totalStudies} studies`}
              />
            </DataFigure>
          </div>
        </>
      )}
    </>
  );
}

export default function QualityPage() {
  return (
    <QualityFrame title="Quality over time">
      <OverTime />
    </QualityFrame>
  );
}
