'use client';
/**
 * Drift: the CBPE estimate of AUROC (from calibrated probabilities, every analysed study) beside
 * the realized AUROC (labelled studies only), the prediction distribution of a current period
 * against a reference period (PSI, KS) with the input descriptors, and the shadow model against
 * the active one (paired DeLong) when a shadow runs.
 */
import { useId, useState } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { ComparisonFigure } from '@/components/quality/ComparisonFigure';
import { DataFigure } from '@/components/quality/DataFigure';
import { QualityFrame, Selectors, useSelection } from '@/components/quality/QualityFrame';
import { SeriesChart } from '@/components/quality/SeriesChart';
import { ShareHistogram } from '@/components/quality/ShareHistogram';
import type { Column } from '@/lib/csv';
import { LABEL_NAMES } from '@/lib/labels';
import {
  fixed,
  labelReportPath,
  type DriftReport,
  type LabelPeriod,
  type LabelReport,
  type ModelComparison,
  type ModelInfo,
  type PsiDrift,
} from '@/lib/quality';
import { useApi } from '@/lib/useApi';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** PSI in words: the usual rule of thumb (< 0.1 stable, 0.1–0.25 moderate, > 0.25 large). */
function psiWord(psi: number): string {
  return psi < 0.1 ? 'stable' : psi < 0.25 ? 'moderate shift' : 'large shift';
}

/** A PSI bin's name with its edges rounded (`≤ 0.0151292` → `≤ 0.015`). */
function binName(b: string): string {
  return b.replace(/-?\d+\.\d{4,}/g, (x) => Number(x).toFixed(3));
}

function Cbpe() {
  const { label, period } = useSelection();
  const patternId = `hatch-${useId().replace(/:/g, '')}`;
  const report = useApi<LabelReport>(labelReportPath(label, period));
  const name = LABEL_NAMES[label];
  const periods = report.data?.periods ?? [];
  const columns: Column<LabelPeriod>[] = [
    { key: 'period', header: 'Period', value: (p) => p.key },
    { key: 'studies', header: 'Analysed', numeric: true, value: (p) => p.studies },
    { key: 'labelled', header: 'With ground truth', numeric: true, value: (p) => p.labelled },
    {
      key: 'cbpe_auroc',
      header: 'CBPE estimated AUROC',
      numeric: true,
      value: (p) => (p.cbpe.kind === 'estimate' ? fixed(p.cbpe.auroc) : 'insufficient data'),
    },
    {
      key: 'realized_auroc',
      header: 'Realized AUROC',
      numeric: true,
      value: (p) => (p.auroc.kind === 'auroc' ? fixed(p.auroc.auroc) : 'insufficient data'),
    },
    {
      key: 'realized_ci',
      header: 'Realized 95% CI',
      numeric: true,
      value: (p) => (p.auroc.kind === 'auroc' ? `${fixed(p.auroc.ci[0])}–${fixed(p.auroc.ci[1])}` : null),
    },
  ];
  return (
    <>
      <ErrorNotice>{report.error}</ErrorNotice>
      <DataFigure
        wide
        title={`Estimated and realized performance: ${name}`}
        description={
          'CBPE estimates AUROC from the model’s calibrated probabilities for every analysed study, so it covers periods without ' +
          'ground truth; realized AUROC (with its DeLong band) needs labels. A gap between them: calibration drift.'
        }
        rows={periods}
        columns={columns}
        csvName={`cbpe-${label}-${period}`}
      >
        {report.data ? (
          <SeriesChart
            name="cbpe"
            patternId={patternId}
            keys={periods.map((p) => p.key)}
            yLabel="AUROC"
            ariaLabel={`CBPE-estimated and realized AUROC of ${name} per ${period}`}
            series={[
              {
                name: 'Realized AUROC (labelled)',
                tone: '',
                values: periods.map((p) => (p.auroc.kind === 'auroc' ? p.auroc.auroc : null)),
                lower: periods.map((p) => (p.auroc.kind === 'auroc' ? p.auroc.ci[0] : null)),
                upper: periods.map((p) => (p.auroc.kind === 'auroc' ? p.auroc.ci[1] : null)),
              },
              {
                name: 'CBPE estimate (all analysed)',
                tone: 'b',
                values: periods.map((p) => (p.cbpe.kind === 'estimate' ? p.cbpe.auroc : null)),
              },
            ]}
          />
        ) : (
          <p role="status">Loading…</p>
        )}
      </DataFigure>
    </>
  );
}

function Distribution() {
  const now = Date.now();
  const [ref, setRef] = useState({ from: isoDay(now - 365 * DAY), to: isoDay(now - 270 * DAY) });
  const [cur, setCur] = useState({ from: isoDay(now - 30 * DAY), to: isoDay(now + DAY) });
  const ms = (d: string) => new Date(`${d}T00:00:00Z`).toISOString();
  const valid = ref.from < ref.to && cur.from < cur.to;
  const drift = useApi<DriftReport>(
    valid
      ? `/v1/metrics/drift?referenceFrom=${ms(ref.from)}&referenceTo=${ms(ref.to)}&currentFrom=${ms(cur.from)}&currentTo=${ms(cur.to)}`
      : null,
  );
  const prob = drift.data?.features['probability'];
  type Bin = { bin: string; reference: number; current: number };
  const bins: Bin[] = prob
    ? prob.bins.map((b, i) => ({ bin: binName(b), reference: prob.referenceShares[i] ?? 0, current: prob.currentShares[i] ?? 0 }))
    : [];
  const binColumns: Column<Bin>[] = [
    { key: 'bin', header: 'PE probability bin', value: (b) => b.bin },
    { key: 'reference_share', header: 'Reference share', numeric: true, value: (b) => fixed(b.reference) },
    { key: 'current_share', header: 'Current share', numeric: true, value: (b) => fixed(b.current) },
  ];
  type Feat = { name: string; d: PsiDrift };
  const feats: Feat[] = Object.entries(drift.data?.features ?? {}).map(([n, d]) => ({ name: n, d }));
  const featColumns: Column<Feat>[] = [
    { key: 'variable', header: 'Variable', value: (f) => f.name },
    { key: 'kind', header: 'Kind', value: (f) => f.d.kind },
    { key: 'psi', header: 'PSI', numeric: true, value: (f) => fixed(f.d.psi) },
    { key: 'reading', header: 'Reading', value: (f) => psiWord(f.d.psi) },
    { key: 'ks', header: 'KS D', numeric: true, value: (f) => (f.d.ks ? fixed(f.d.ks.statistic) : null) },
    {
      key: 'ks_p',
      header: 'KS p',
      numeric: true,
      value: (f) => (f.d.ks ? (f.d.ks.pValue < 0.001 ? '<0.001' : fixed(f.d.ks.pValue)) : null),
    },
  ];
  return (
    <>
      <section className="card" aria-labelledby="periods-h">
        <h2 id="periods-h">Periods compared</h2>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="ref-from">Reference from</label>
            <input id="ref-from" type="date" value={ref.from} onChange={(e) => setRef({ ...ref, from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="ref-to">Reference to (exclusive)</label>
            <input id="ref-to" type="date" value={ref.to} onChange={(e) => setRef({ ...ref, to: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="cur-from">Current from</label>
            <input id="cur-from" type="date" value={cur.from} onChange={(e) => setCur({ ...cur, from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="cur-to">Current to (exclusive)</label>
            <input id="cur-to" type="date" value={cur.to} onChange={(e) => setCur({ ...cur, to: e.target.value })} />
          </div>
        </div>
        {!valid && (
          <p className="alert alert--error" role="alert">
            Each period needs its start before its end.
          </p>
        )}
        <ErrorNotice>{drift.error}</ErrorNotice>
        {drift.data && (
          <p className="small muted">
            Reference: {drift.data.reference.studies.toLocaleString('en')} studies; current:{' '}
            {drift.data.current.studies.toLocaleString('en')} studies.
            {Object.keys(drift.data.skipped).length > 0 &&
              ` Not compared (no data in a period): ${Object.keys(drift.data.skipped).join(', ')}.`}
          </p>
        )}
      </section>
      <div className="stack">
        <DataFigure
          title="Prediction distribution"
          description={
            prob
              ? `PE probability, share of studies per bin. PSI ${fixed(prob.psi)} (${psiWord(prob.psi)})` +
                `${prob.ks ? `, KS D ${fixed(prob.ks.statistic)}` : ''}.`
              : 'PE probability, share of studies per bin.'
          }
          rows={bins}
          columns={binColumns}
          csvName="prediction-distribution"
        >
          {prob ? (
            <ShareHistogram
              bins={prob.bins.map(binName)}
              reference={prob.referenceShares}
              current={prob.currentShares}
              ariaLabel={`PE probability distribution, reference against current: PSI ${fixed(prob.psi)}, ${psiWord(prob.psi)}`}
            />
          ) : (
            <p className="muted">{drift.loading ? 'Loading…' : 'Too little data: a period has no analysed studies.'}</p>
          )}
        </DataFigure>
        <DataFigure
          title="Input and output drift"
          description={
            'Population stability index per variable (< 0.1 stable, 0.1–0.25 moderate, > 0.25 large) and the KS test for numbers.'
          }
          rows={feats}
          columns={featColumns}
          csvName="drift-variables"
          tableOpen
        >
          <span className="sr-only">The table below lists each variable’s drift.</span>
        </DataFigure>
      </div>
    </>
  );
}

function Shadow() {
  const models = useApi<{ items: ModelInfo[] }>('/v1/models');
  const active = models.data?.items.find((m) => m.status === 'active');
  const shadow = models.data?.items.find((m) => m.status === 'shadow');
  const cmp = useApi<ModelComparison>(
    active && shadow ? `/v1/models/compare?a=${encodeURIComponent(active.version)}&b=${encodeURIComponent(shadow.version)}` : null,
  );
  if (!models.data) return null;
  if (!active || !shadow)
    return (
      <section className="card" aria-labelledby="sh-h">
        <h2 id="sh-h">Shadow against active</h2>
        <p className="muted">
          No model runs in shadow. An administrator can start one on the Models page; it then analyses new studies beside the active model
          and is compared here.
        </p>
      </section>
    );
  if (cmp.error)
    return (
      <p className="alert alert--error" role="alert">
        {cmp.error}
      </p>
    );
  if (!cmp.data) return <p role="status">Comparing the shadow model…</p>;
  if (cmp.data.studies === 0)
    return (
      <section className="card" aria-labelledby="sh-h">
        <h2 id="sh-h">Shadow against active</h2>
        <p className="muted">
          {shadow.version} runs in shadow beside {active.version}, but no study was analysed by both yet.
        </p>
      </section>
    );
  return <ComparisonFigure comparison={cmp.data} title={`Shadow ${shadow.version} against active ${active.version}`} />;
}

export default function DriftPage() {
  return (
    <QualityFrame title="Drift">
      <Selectors />
      <div className="stack">
        <Cbpe />
        <Distribution />
        <Shadow />
      </div>
    </QualityFrame>
  );
}
