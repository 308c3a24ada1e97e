/**
 * Two distributions over the same bins side by side (reference and current shares), for
 * prediction-distribution drift (visx grouped bars).
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar } from '@visx/shape';

const W = 880;
const H = 240;
const M = { top: 12, right: 16, bottom: 48, left: 48 };

export function ShareHistogram({
  bins,
  reference,
  current,
  ariaLabel,
}: {
  bins: string[];
  reference: number[];
  current: number[];
  ariaLabel: string;
}) {
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  const x = scaleBand<string>({ domain: bins, range: [0, innerW], padding: 0.2 });
  const inner = scaleBand<string>({ domain: ['reference', 'current'], range: [0, x.bandwidth()], padding: 0.08 });
  const top = Math.max(0.05, ...reference, ...current);
  const y = scaleLinear<number>({ domain: [0, top * 1.1], range: [innerH, 0], nice: true });
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={ariaLabel} data-chart="distribution">
        <Group left={M.left} top={M.top}>
          {y.ticks(4).map((t) => (
            <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className="chart__grid" />
          ))}
          {bins.map((b, i) => (
            <Group key={b} left={x(b) ?? 0}>
              <Bar
                x={inner('reference') ?? 0}
                y={y(reference[i] ?? 0)}
                width={inner.bandwidth()}
                height={innerH - y(reference[i] ?? 0)}
                className="chart__bar"
              />
              <Bar
                x={inner('current') ?? 0}
                y={y(current[i] ?? 0)}
                width={inner.bandwidth()}
                height={innerH - y(current[i] ?? 0)}
                className="chart__bar chart__bar--b"
              />
            </Group>
          ))}
          <AxisLeft
            scale={y}
            numTicks={4}
            tickFormat={(v) => `${Math.round(Number(v) * 100)} %`}
            tickLabelProps={{ className: 'chart__tick' }}
          />
          <AxisBottom top={innerH} scale={x} tickLabelProps={{ className: 'chart__tick' }} />
        </Group>
      </svg>
      <div className="chart__legend" aria-hidden="true">
        <span style={{ ['--swatch' as string]: '#6f9fd2' }}>Reference period</span>
        <span style={{ ['--swatch' as string]: '#e6a26b' }}>Current period</span>
      </div>
    </>
  );
}
