/**
 * A share per period as bars (0–100 %), e.g. label coverage: what share of the period's studies
 * have ground truth. A period without studies has no bar and says so.
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar } from '@visx/shape';

export interface ShareBar {
  key: string;
  /** 0–1, or null when the period has nothing to divide by. */
  share: number | null;
}

const W = 880;
const H = 220;
const M = { top: 12, right: 16, bottom: 36, left: 48 };

export function ShareBars({ bars, ariaLabel, name }: { bars: ShareBar[]; ariaLabel: string; name: string }) {
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  const x = scaleBand<string>({ domain: bars.map((b) => b.key), range: [0, innerW], padding: 0.25 });
  const y = scaleLinear<number>({ domain: [0, 1], range: [innerH, 0] });
  const dense = bars.length > 16;
  const ticks = dense ? bars.filter((_, i) => i % Math.ceil(bars.length / 12) === 0).map((b) => b.key) : bars.map((b) => b.key);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={ariaLabel} data-chart={name}>
      <Group left={M.left} top={M.top}>
        {y.ticks(4).map((t) => (
          <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className="chart__grid" />
        ))}
        {bars.map((b) =>
          b.share === null ? (
            <text key={b.key} x={(x(b.key) ?? 0) + x.bandwidth() / 2} y={innerH - 4} textAnchor="middle" className="chart__nodata-text">
              none
            </text>
          ) : (
            <Bar
              key={b.key}
              x={x(b.key) ?? 0}
              y={y(b.share)}
              width={x.bandwidth()}
              height={innerH - y(b.share)}
              className="chart__bar"
              data-period={b.key}
              data-share={b.share}
            >
              <title>{`${b.key}: ${(b.share * 100).toFixed(1)} %`}</title>
            </Bar>
          ),
        )}
        <AxisLeft
          scale={y}
          numTicks={4}
          tickFormat={(v) => `${Math.round(Number(v) * 100)} %`}
          tickLabelProps={{ className: 'chart__tick' }}
        />
        <AxisBottom top={innerH} scale={x} tickValues={ticks} tickLabelProps={{ className: 'chart__tick' }} />
      </Group>
    </svg>
  );
}
