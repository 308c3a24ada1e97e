/**
 * Two model versions on the studies both analysed: per label, AUROC of each and the paired
 * DeLong difference B − A with its CI as a forest plot (visx). A label without enough paired
 * positives and negatives is listed with the reason, never with a number.
 */
import { AxisBottom } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { DataFigure } from './DataFigure';
import type { Column } from '@/lib/csv';
import { LABEL_NAMES } from '@/lib/labels';
import { fixed, type ModelComparison } from '@/lib/quality';

type Row = ModelComparison['labels'][number];

const W = 880;
const M = { top: 8, right: 24, bottom: 48, left: 190 };

export function ComparisonFigure({ comparison, title }: { comparison: ModelComparison; title: string }) {
  const rows = comparison.labels;
  const rowH = 26;
  const H = M.top + M.bottom + rows.length * rowH;
  const innerW = W - M.left - M.right;
  const bounds = rows.flatMap((r) => (r.test ? [Math.abs(r.test.ci[0]), Math.abs(r.test.ci[1])] : []));
  const span = Math.max(0.05, ...bounds) * 1.1;
  const x = scaleLinear<number>({ domain: [-span, span], range: [0, innerW] });
  const y = scaleBand<string>({ domain: rows.map((r) => r.label), range: [0, rows.length * rowH], padding: 0.3 });
  const level = Math.round(comparison.level * 100);
  const columns: Column<Row>[] = [
    { key: 'label', header: 'Label', value: (r) => LABEL_NAMES[r.label] ?? r.label },
    { key: 'n', header: 'Paired n', numeric: true, value: (r) => r.n },
    { key: 'positives', header: 'Positives', numeric: true, value: (r) => r.positives },
    { key: 'auroc_a', header: `AUROC ${comparison.a}`, numeric: true, value: (r) => (r.test ? fixed(r.test.aurocA) : null) },
    { key: 'auroc_b', header: `AUROC ${comparison.b}`, numeric: true, value: (r) => (r.test ? fixed(r.test.aurocB) : null) },
    { key: 'difference', header: 'B − A', numeric: true, value: (r) => (r.test ? fixed(r.test.difference) : null) },
    { key: 'ci_low', header: `${level}% CI low`, numeric: true, value: (r) => (r.test ? fixed(r.test.ci[0]) : null) },
    { key: 'ci_high', header: `${level}% CI high`, numeric: true, value: (r) => (r.test ? fixed(r.test.ci[1]) : null) },
    {
      key: 'p',
      header: 'p (paired DeLong)',
      numeric: true,
      value: (r) => (r.test ? (r.test.pValue < 0.001 ? '<0.001' : fixed(r.test.pValue)) : null),
    },
    { key: 'note', header: 'Note', value: (r) => r.reason ?? '' },
  ];
  return (
    <DataFigure
      wide
      title={title}
      description={
        `Paired DeLong test on the ${comparison.studies.toLocaleString('en')} studies both versions analysed. ` +
        `Dot: AUROC of ${comparison.b} minus ${comparison.a}; bar: ${level}% CI; right of 0: ${comparison.b} is better.`
      }
      rows={rows}
      columns={columns}
      csvName={`compare-${comparison.a}-${comparison.b}`}
    >
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="chart"
        role="img"
        aria-label={`Paired AUROC differences of ${comparison.b} against ${comparison.a} for ${rows.length} labels`}
        data-chart="comparison"
      >
        <Group left={M.left} top={M.top}>
          <line x1={x(0)} x2={x(0)} y1={0} y2={rows.length * rowH} stroke="#6b7280" strokeDasharray="3 3" />
          {rows.map((r) => {
            const cy = (y(r.label) ?? 0) + y.bandwidth() / 2;
            return (
              <g key={r.label}>
                <text x={-10} y={cy} dy="0.33em" textAnchor="end" className="chart__tick">
                  {LABEL_NAMES[r.label] ?? r.label}
                </text>
                {r.test ? (
                  <>
                    <line x1={x(r.test.ci[0])} x2={x(r.test.ci[1])} y1={cy} y2={cy} stroke="#0b5eaf" strokeWidth={2} />
                    <circle
                      cx={x(r.test.difference)}
                      cy={cy}
                      r={4.5}
                      className="chart__point"
                      data-label={r.label}
                      data-difference={r.test.difference}
                    />
                  </>
                ) : (
                  <text x={x(0) + 8} y={cy} dy="0.33em" className="chart__nodata-text">
                    too little data
                  </text>
                )}
              </g>
            );
          })}
          <AxisBottom
            top={rows.length * rowH}
            scale={x}
            numTicks={7}
            tickFormat={(v) => Number(v).toFixed(2)}
            label={`AUROC ${comparison.b} − ${comparison.a}`}
            labelClassName="chart__axis-label"
            tickLabelProps={{ className: 'chart__tick' }}
          />
        </Group>
      </svg>
    </DataFigure>
  );
}
