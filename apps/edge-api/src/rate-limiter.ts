/**
 * Per-key rate limiters: fixed one-minute windows, counted in memory (exact for one Node
 * process, per isolate on Workers) or in the database (shared by every isolate, one write per
 * request). The middleware that applies them is `middleware/rate-limit.ts`.
 */
import type { Clock, Store } from '@embolus/db';

/** The decision for one request. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

/** Counts hits per bucket. */
export interface RateLimiter {
  hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision>;
}

/** In-memory fixed windows. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  async hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = this.clock.now();
    const start = now - (now % windowMs);
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) {
      // Old windows of other keys are dropped lazily, so memory stays bounded by active keys.
      if (this.windows.size > 10_000) for (const [k, v] of this.windows) if (v.start !== start) this.windows.delete(k);
      w = { start, count: 0 };
      this.windows.set(bucket, w);
    }
    w.count++;
    return { allowed: w.count <= limit, limit, remaining: Math.max(0, limit - w.count), resetAt: start + windowMs };
  }
}

/** Database-backed fixed windows (rate_limits table). */
export class StoreRateLimiter implements RateLimiter {
  constructor(private readonly store: Store) {}

  async hit(bucket: string, limit: number, windowMs: number): Promise<RateDecision> {
    const { count, resetAt } = await this.store.rateLimits.hit(bucket, windowMs);
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetAt };
  }
}
