import { describe, expect, it } from 'vitest';
import { escapeXml, rocChartSvg, rocCurve, thresholdChartSvg, thresholdCurve } from '../src/index';

const scores = [0.1, 0.4, 0.35, 0.8, 0.65, 0.2];
const truth = [0, 0, 1, 1, 1, 0];

describe('SVG charts', () => {
  it('draws a self-contained ROC chart', () => {
    const roc = rocCurve(scores, truth);
    const svg = rocChartSvg({
      title: 'Central PE <test>',
      fpr: roc.fpr,
      tpr: roc.tpr,
      auroc: 0.889,
      ci: [0.6, 1],
      operatingPoint: { sensitivity: 0.67, specificity: 1 },
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Central PE &lt;test&gt;');
    expect(svg).toContain('AUROC 0.889');
    expect(svg).toContain('<polyline');
    expect(svg).toContain('<circle');
    expect(svg).not.toMatch(/<script|href=|NaN|Infinity/);
  });

  it('draws sensitivity and specificity against threshold', () => {
    const c = thresholdCurve(scores, truth);
    const svg = thresholdChartSvg({
      title: 'Central PE',
      thresholds: c.thresholds,
      sensitivity: c.sensitivity,
      specificity: c.specificity,
      threshold: 0.35,
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('threshold 0.35');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('thins very long curves', () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
    const svg = rocChartSvg({ title: 'big', fpr: xs, tpr: xs });
    expect(svg.length).toBeLessThan(60_000);
    const pts = /<polyline[^>]*points="([^"]*)"/.exec(svg)?.[1]?.split(' ') ?? [];
    expect(pts.length).toBeLessThanOrEqual(1501);
    expect(pts.at(-1)).toBe('500,40'); // the last point (1, 1) is kept
  });

  it('escapes XML', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });
});
