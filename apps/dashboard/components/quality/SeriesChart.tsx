/**
 * Several series over the same periods (visx lines with optional CI bands), e.g. sensitivity and
 * specificity over time, or CBPE-estimated beside realized AUROC. A missing value breaks the
 * line; a period where every series is missing is hatched and says so.
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { PatternLines } from '@visx/pattern';
import { scaleLinear, scalePoint } from '@visx/scale';
import { Area, LinePath } from '@visx/shape';

export interface Series {
  name: string;
  /** CSS modifier of the line: '' (blue), 'b' (orange, dashed), 'c' (green). */
  tone: '' | 'b' | 'c';
  values: (number | null)[];
  lower?: (number | null)[];
  upper?: (number | null)[];
}

const W = 880;
const H = 280;
const M = { top: 14, right: 16, bottom: 36, left: 60 };
const SWATCH = { '': '#0b5eaf', b: '#c2410c', c: '#047857' } as const;

export function SeriesChart({
  keys,
  series,
  yLabel,
  ariaLabel,
  patternId,
  name,
  domain,
}: {
  keys: string[];
  series: Series[];
  yLabel: string;
  ariaLabel: string;
  patternId: string;
  name: string;
  domain?: [number, number];
}) {
  const innerW = W - M.left - M.right;
  const innerH = H - M.top - M.bottom;
  const x = scalePoint<string>({ domain: keys, range: [0, innerW], padding: 0.5 });
  const all = series.flatMap((s) => [...s.values, ...(s.lower ?? [])]).filter((v): v is number => v !== null);
  const lo = domain ? domain[0] : Math.max(0, Math.min(0.5, ...all.map((v) => Math.floor(v * 10) / 10)));
  const y = scaleLinear<number>({ domain: domain ?? [lo, 1], range: [innerH, 0] });
  const idx = keys.map((_, i) => i);
  const dense = keys.length > 16;
  const ticks = dense ? keys.filter((_, i) => i % Math.ceil(keys.length / 12) === 0) : keys;
  const empty = idx.filter((i) => series.every((s) => s.values[i] === null));
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={ariaLabel} data-chart={name}>
        <PatternLines id={patternId} height={8} width={8} stroke="#9aa5b4" strokeWidth={1.2} orientation={['diagonal']} />
        <Group left={M.left} top={M.top}>
          {y.ticks(5).map((t) => (
            <line key={t} x1={0} x2={innerW} y1={y(t)} y2={y(t)} className="chart__grid" />
          ))}
          {empty.map((i) => (
            <g key={keys[i]} data-insufficient="true">
              <rect
                x={(x(keys[i]!) ?? 0) - x.step() / 2 + 2}
                y={0}
                width={Math.max(2, x.step() - 4)}
                height={innerH}
                fill={`url(#${patternId})`}
                opacity={0.8}
              />
              {!dense && (
                <text
                  x={x(keys[i]!) ?? 0}
                  y={innerH / 2}
                  textAnchor="middle"
                  transform={`rotate(-90 ${x(keys[i]!) ?? 0} ${innerH / 2})`}
                  className="chart__nodata-text"
                >
                  too little data
                </text>
              )}
            </g>
          ))}
          {series.map((s) =>
            s.lower && s.upper ? (
              <Area<number>
                key={`${s.name}-band`}
                data={idx}
                x={(i) => x(keys[i]!) ?? 0}
                y0={(i) => y(s.lower![i] ?? lo)}
                y1={(i) => y(s.upper![i] ?? lo)}
                defined={(i) => s.lower![i] != null && s.upper![i] != null}
                className={`chart__band${s.tone ? ` chart__band--${s.tone}` : ''}`}
              />
            ) : null,
          )}
          {series.map((s) => (
            <g key={s.name}>
              <LinePath<number>
                data={idx}
                x={(i) => x(keys[i]!) ?? 0}
                y={(i) => y(s.values[i] ?? lo)}
                defined={(i) => s.values[i] !== null}
                className={`chart__line${s.tone ? ` chart__line--${s.tone}` : ''}`}
              />
              {idx.map((i) =>
                s.values[i] === null ? null : (
                  <circle
                    key={i}
                    cx={x(keys[i]!) ?? 0}
                    cy={y(s.values[i]!)}
                    r={2.8}
                    className={`chart__point${s.tone ? ` chart__point--${s.tone}` : ''}`}
                    data-series={s.name}
                    data-period={keys[i]}
                    data-value={s.values[i]!}
                  />
                ),
              )}
            </g>
          ))}
          <AxisLeft
            scale={y}
            numTicks={5}
            tickFormat={(v) => Number(v).toFixed(1)}
            label={yLabel}
            labelOffset={30}
            labelClassName="chart__axis-label"
            tickLabelProps={{ className: 'chart__tick' }}
          />
          <AxisBottom top={innerH} scale={x} tickValues={ticks} tickLabelProps={{ className: 'chart__tick' }} />
        </Group>
      </svg>
      <div className="chart__legend">
        {series.map((s) => {
          // A series' gaps are said, not only left blank: a missing line is too little data.
          const gaps = s.values.filter((v) => v === null).length;
          return (
            <span key={s.name} style={{ ['--swatch' as string]: SWATCH[s.tone] }}>
              {s.name}
              {gaps > 0 && ` (too little data in ${gaps} of ${s.values.length} periods)`}
            </span>
          );
        })}
      </div>
    </>
  );
}
