import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_RESULTS, median, percentile, round, upperMedian, writeBenchResult } from '../src/stats';
import { procStatusKb, watchRss } from '../src/proc';

describe('bench statistics', () => {
  it('median takes the mean of the two middle values, upperMedian the upper one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(upperMedian([5, 1, 3])).toBe(3);
    expect(upperMedian([4, 1, 3, 2])).toBe(3);
  });

  it('percentile is nearest rank and does not reorder its input', () => {
    const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(xs[0]).toBe(10);
  });

  it('round keeps the given decimals', () => {
    expect(round(1.26)).toBe(1.3);
    expect(round(1.2345, 2)).toBe(1.23);
  });

  it('writeBenchResult writes indented JSON with a final newline under bench/results', () => {
    const name = `local-stack-test-${process.pid}`;
    const file = writeBenchResult(name, { a: 1 });
    try {
      expect(file).toBe(path.join(BENCH_RESULTS, `${name}.json`));
      expect(readFileSync(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('RSS from /proc', () => {
  it('sees this process grow while it holds a large buffer', () => {
    const w = watchRss(process.pid, 1);
    const big = Buffer.alloc(64 * 1024 * 1024, 1);
    const seen = w.stop();
    expect(big.length).toBeGreaterThan(0);
    expect(seen.baselineKb).toBeGreaterThan(0);
    // The kernel's peak (VmHWM) covers the 64 MiB even if no sample landed while it was held.
    expect(seen.hwmKb - seen.baselineKb).toBeGreaterThan(60 * 1024);
    expect(procStatusKb(process.pid, 'VmRSS')).toBeGreaterThan(0);
  });
});
