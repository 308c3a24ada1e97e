/**
 * AUROC per period with its DeLong 95% band (visx). A period with too few positives or
 * negatives is a hatched column labelled "too little data": no point, no number, and the line
 * and band break there rather than bridging it.
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { PatternLines } from '@visx/pattern';
import { scaleLinear, scalePoint } from '@visx/scale';
import { Area, LinePath } from '@visx/shape';
import { fixed, type CohortCell } from '@/lib/quality';

export interface AurocPoint {
  key: string;
  cell: CohortCell | undefined;
}

const W = 880;
const M = { top: 16, right: 16, left: 60 };

export function AurocOverTime({ points, label, patternId }: { points: AurocPoint[]; label: string; patternId: string }) {
  // Up to 16 periods, each gets its n and positives under the axis; more would not fit.
  const dense = points.length > 16;
  const bottom = dense ? 30 : 66;
  const H = dense ? 264 : 300;
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - bottom;
  const x = scalePoint<string>({ domain: points.map((p) => p.key), range: [0, innerW], padding: 0.5 });
  const step = x.step();
  const values = points.flatMap((p) => (p.cell?.kind === 'auroc' ? [p.cell.ci[0], p.cell.ci[1]] : []));
  const lo = Math.max(0, Math.min(0.5, ...values.map((v) => Math.floor(v * 10) / 10)));
  const y = scaleLinear<number>({ domain: [lo, 1], range: [innerH, 0] });
  const ok = (p: AurocPoint) => p.cell?.kind === 'auroc';
  const aur = (p: AurocPoint) => (p.cell?.kind === 'auroc' ? p.cell : null);
  const xs = (p: AurocPoint) => x(p.key) ?? 0;
  const tickValues = dense ? points.filter((_, i) => i % Math.ceil(points.length / 12) === 0).map((p) => p.key) : points.map((p) => p.key);
  const usable = points.filter(ok);
  const summary = usable.length
    ? `AUROC of ${label} in ${points.length} periods, ${points.length - usable.length} with too little data; ` +
      `from ${fixed(aur(usable[0]!)!.auroc)} in ${usable[0]!.key} ` +
      `to ${fixed(aur(usable[usable.length - 1]!)!.auroc)} in ${usable[usable.length - 1]!.key}`
    : `AUROC of ${label}: no period has enough data`;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={summary} data-chart="auroc-over-time">
      <PatternLines id={patternId} height={8} width={8} stroke="#9aa5b4" strokeWidth={1.2} orientation={['diagonal']} />
      <Group left={M.left} top={M.top}>
        {y.ticks(5).map((t) => (
          <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className="chart__grid" />
        ))}
        {points
          .filter((p) => !ok(p))
          .map((p) => (
            <g key={p.key} className="chart__nodata" data-period={p.key} data-insufficient="true">
              <rect
                x={xs(p) - step / 2 + 2}
                y={0}
                width={Math.max(2, step - 4)}
                height={innerH}
                fill={`url(#${patternId})`}
                opacity={0.8}
              />
              {!dense && (
                <text
                  x={xs(p)}
                  y={innerH / 2}
                  textAnchor="middle"
                  transform={`rotate(-90 ${xs(p)} ${innerH / 2})`}
                  className="chart__nodata-text"
                >
                  too little data
                </text>
              )}
            </g>
          ))}
        <Area<AurocPoint>
          data={points}
          x={xs}
          y0={(p) => y(aur(p)?.ci[0] ?? lo)}
          y1={(p) => y(aur(p)?.ci[1] ?? lo)}
          defined={ok}
          className="chart__band"
        />
        <LinePath<AurocPoint> data={points} x={xs} y={(p) => y(aur(p)?.auroc ?? lo)} defined={ok} className="chart__line" />
        {usable.map((p) => {
          const c = aur(p)!;
          return (
            <circle key={p.key} cx={xs(p)} cy={y(c.auroc)} r={3.5} className="chart__point" data-period={p.key} data-auroc={c.auroc}>
              <title>
                {`${p.key}: AUROC ${fixed(c.auroc)} (95% CI ${fixed(c.ci[0])}–${fixed(c.ci[1])}), ` + `n ${c.n}, ${c.positives} positive`}
              </title>
            </circle>
          );
        })}
        {!dense &&
          points.map((p) => (
            <text key={p.key} x={xs(p)} y={innerH + 36} textAnchor="middle" className="chart__count">
              <tspan x={xs(p)}>n {p.cell?.n ?? 0}</tspan>
              <tspan x={xs(p)} dy="1.2em">
                {p.cell?.positives ?? 0} pos
              </tspan>
            </text>
          ))}
        <AxisLeft
          scale={y}
          numTicks={5}
          tickFormat={(v) => Number(v).toFixed(1)}
          label="AUROC"
          labelOffset={30}
          labelClassName="chart__axis-label"
          tickLabelProps={{ className: 'chart__tick' }}
        />
        <AxisBottom top={innerH} scale={x} tickValues={tickValues} tickLabelProps={{ className: 'chart__tick' }} />
      </Group>
    </svg>
  );
}
