/**
 * A square 0–1 × 0–1 chart (visx): the ROC curve with its operating point, or the calibration
 * plot (mean predicted against observed rate per bin, sized by count), both over the diagonal.
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleLinear, scaleSqrt } from '@visx/scale';
import { LinePath } from '@visx/shape';

export interface XY {
  x: number;
  y: number;
  /** Marker size weight (calibration bins: count). */
  weight?: number;
}

const S = 360;
const M = { top: 12, right: 16, bottom: 48, left: 60 };

export function XYChart({
  line,
  points,
  marker,
  xLabel,
  yLabel,
  ariaLabel,
  name,
  markerLabel,
}: {
  line?: XY[];
  points?: XY[];
  marker?: XY | null;
  xLabel: string;
  yLabel: string;
  ariaLabel: string;
  name: string;
  markerLabel?: string;
}) {
  const inner = S - M.left - M.right;
  const innerH = S - M.top - M.bottom;
  const x = scaleLinear<number>({ domain: [0, 1], range: [0, inner] });
  const y = scaleLinear<number>({ domain: [0, 1], range: [innerH, 0] });
  const maxW = Math.max(1, ...(points ?? []).map((p) => p.weight ?? 1));
  const r = scaleSqrt<number>({ domain: [0, maxW], range: [2, 9] });
  return (
    <svg viewBox={`0 0 ${S} ${S}`} className="chart chart--square" role="img" aria-label={ariaLabel} data-chart={name}>
      <Group left={M.left} top={M.top}>
        {[0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={0} x2={inner} y1={y(t)} y2={y(t)} className="chart__grid" />
            <line x1={x(t)} x2={x(t)} y1={0} y2={innerH} className="chart__grid" />
          </g>
        ))}
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="chart__line chart__line--muted" />
        {line && <LinePath<XY> data={line} x={(p) => x(p.x)} y={(p) => y(p.y)} className="chart__line" />}
        {points && <LinePath<XY> data={points} x={(p) => x(p.x)} y={(p) => y(p.y)} className="chart__line chart__line--c" />}
        {points?.map((p, i) => (
          <circle key={i} cx={x(p.x)} cy={y(p.y)} r={r(p.weight ?? 1)} className="chart__point" fillOpacity={0.75} />
        ))}
        {marker && (
          <g data-operating-point={`${marker.x},${marker.y}`}>
            <circle cx={x(marker.x)} cy={y(marker.y)} r={6} className="chart__point--op" />
            {markerLabel && (
              <text x={x(marker.x) + 9} y={y(marker.y) + 14} className="chart__nodata-text">
                {markerLabel}
              </text>
            )}
          </g>
        )}
        <AxisLeft
          scale={y}
          numTicks={5}
          label={yLabel}
          labelOffset={30}
          labelClassName="chart__axis-label"
          tickLabelProps={{ className: 'chart__tick' }}
        />
        <AxisBottom
          top={innerH}
          scale={x}
          numTicks={5}
          label={xLabel}
          labelClassName="chart__axis-label"
          tickLabelProps={{ className: 'chart__tick' }}
        />
      </Group>
    </svg>
  );
}
