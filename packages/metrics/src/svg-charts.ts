/**
 * Self-contained SVG charts (no dependencies, no scripts, no external fonts): a ROC curve and
 * sensitivity/specificity against threshold. Curves with many points are thinned for size.
 */

/** Inputs of {@link rocChartSvg}. */
export interface RocChartInput {
  readonly title: string;
  /** False positive rates, in curve order. */
  readonly fpr: ArrayLike<number>;
  /** True positive rates, aligned with `fpr`. */
  readonly tpr: ArrayLike<number>;
  readonly auroc?: number;
  readonly ci?: readonly [number, number];
  /** Operating point to mark. */
  readonly operatingPoint?: { readonly sensitivity: number; readonly specificity: number };
}

/** Inputs of {@link thresholdChartSvg}. */
export interface ThresholdChartInput {
  readonly title: string;
  /** Thresholds, ascending. */
  readonly thresholds: ArrayLike<number>;
  readonly sensitivity: ArrayLike<number>;
  readonly specificity: ArrayLike<number>;
  /** Chosen threshold to mark with a vertical line. */
  readonly threshold?: number;
}

const W = 520;
const H = 440;
const M = { left: 60, right: 20, top: 40, bottom: 60 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const MAX_POINTS = 1500;

/** Escapes text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const f2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** Polyline points for (x, y) pairs mapped into the plot area, thinned to at most MAX_POINTS. */
function points(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: (v: number) => number, sy: (v: number) => number): string {
  const n = Math.min(xs.length, ys.length);
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const out: string[] = [];
  for (let i = 0; i < n; i += step) out.push(`${f2(sx(xs[i] as number))},${f2(sy(ys[i] as number))}`);
  if (n > 0 && (n - 1) % step !== 0) out.push(`${f2(sx(xs[n - 1] as number))},${f2(sy(ys[n - 1] as number))}`);
  return out.join(' ');
}

function frame(title: string, xLabel: string, yLabel: string, xMin: number, xMax: number, body: string[]): string {
  const { sx, sy } = scales(xMin, xMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const fx = xMin + ((xMax - xMin) * k) / 5;
    const x = f2(sx(fx));
    const y = f2(sy(k / 5));
    parts.push(
      `<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + PH}" stroke="#eee"/>`,
      `<line x1="${M.left}" y1="${y}" x2="${M.left + PW}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x}" y="${M.top + PH + 18}" text-anchor="middle">${f2(fx)}</text>`,
      `<text x="${M.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${f2(k / 5)}</text>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#333"/>`,
    `<text x="${M.left + PW / 2}" y="${H - 18}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/** Maps for charts whose x axis is [xMin, xMax] and y axis [0, 1]. */
function scales(xMin: number, xMax: number) {
  return {
    sx: (v: number) => M.left + ((v - xMin) / (xMax - xMin || 1)) * PW,
    sy: (v: number) => M.top + (1 - v) * PH,
  };
}

/** A ROC chart (FPR on x, TPR on y) with the chance diagonal, as an SVG document string. */
export function rocChartSvg(input: RocChartInput): string {
  const { sx, sy } = scales(0, 1);
  const body = [
    `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
    `<polyline fill="none" stroke="#1f5fbf" stroke-width="2" points="${points(input.fpr, input.tpr, sx, sy)}"/>`,
  ];
  if (input.operatingPoint) {
    const { sensitivity, specificity } = input.operatingPoint;
    if (Number.isFinite(sensitivity) && Number.isFinite(specificity)) {
      body.push(`<circle cx="${f2(sx(1 - specificity))}" cy="${f2(sy(sensitivity))}" r="5" fill="#d62728"/>`);
    }
  }
  if (input.auroc !== undefined) {
    const ci = input.ci ? ` (95% CI ${input.ci[0].toFixed(3)}–${input.ci[1].toFixed(3)})` : '';
    body.push(`<text x="${sx(0.97)}" y="${sy(0.05)}" text-anchor="end">AUROC ${input.auroc.toFixed(3)}${escapeXml(ci)}</text>`);
  }
  return frame(input.title, '1 − specificity (false positive rate)', 'Sensitivity (true positive rate)', 0, 1, body);
}

/** Sensitivity and specificity against threshold, with the chosen threshold marked. */
export function thresholdChartSvg(input: ThresholdChartInput): string {
  const n = input.thresholds.length;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < n; i++) {
    const t = input.thresholds[i] as number;
    if (Number.isFinite(t)) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  }
  const { sx, sy } = scales(lo, hi);
  const body = [
    `<polyline fill="none" stroke="#1f5fbf" stroke-width="2" points="${points(input.thresholds, input.sensitivity, sx, sy)}"/>`,
    `<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="${points(input.thresholds, input.specificity, sx, sy)}"/>`,
    `<text x="${M.left + PW - 10}" y="${M.top + 16}" text-anchor="end" fill="#1f5fbf">sensitivity</text>`,
    `<text x="${M.left + PW - 10}" y="${M.top + 32}" text-anchor="end" fill="#2ca02c">specificity</text>`,
  ];
  if (input.threshold !== undefined && Number.isFinite(input.threshold)) {
    const x = f2(sx(Math.min(hi, Math.max(lo, input.threshold))));
    body.push(
      `<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + PH}" stroke="#d62728" stroke-dasharray="5 3"/>`,
      `<text x="${x}" y="${M.top - 4}" text-anchor="middle" fill="#d62728">threshold ${escapeXml(String(input.threshold))}</text>`,
    );
  }
  return frame(input.title, 'Threshold (positive if score ≥ threshold)', 'Rate', lo, hi, body);
}
