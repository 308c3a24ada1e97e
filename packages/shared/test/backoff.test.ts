import { describe, expect, it } from 'vitest';
import { backoffCap, jitteredBackoff } from '../src/backoff';

describe('backoff', () => {
  const p = { baseMs: 100, maxMs: 1000 };
  it('doubles from base to max', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => backoffCap(n, p))).toEqual([100, 100, 200, 400, 800, 1000, 1000]);
  });
  it('jitters within [cap/2, cap]', () => {
    expect(jitteredBackoff(3, p, () => 0)).toBe(200);
    expect(jitteredBackoff(3, p, () => 1)).toBe(400);
  });
});
