/**
 * Deterministic randomness. Every stream is keyed by (seed, name) through SHA-256, so adding a
 * draw to one stream (say, emboli) never shifts another (say, anatomy): the same seed keeps the
 * same patient when scan options change.
 */
import { createHash } from 'node:crypto';

/** A seeded pseudo-random stream (xoshiro128**: 128-bit state, period 2^128 − 1). */
export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  u32(): number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal draw. */
  normal(): number;
}

/** SHA-256 of the UTF-8 text `parts.join('/')`. */
export function digest(...parts: (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join('/')).digest();
}

/** A stream keyed by a seed and a name. */
export function rngFor(seed: number, name: string): Rng {
  const d = digest('embolus-phantom', seed, name);
  let a = d.readUInt32LE(0);
  let b = d.readUInt32LE(4);
  let c = d.readUInt32LE(8);
  let e = d.readUInt32LE(12);
  // An all-zero state would stay zero forever; SHA-256 makes it astronomically unlikely, but cheap to rule out.
  if ((a | b | c | e) === 0) a = 1;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    e ^= b;
    b ^= c;
    a ^= e;
    c ^= t;
    e = rotl(e, 11);
    return result;
  };
  const next = () => u32() / 2 ** 32;
  const rng: Rng = {
    u32,
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
    // Box–Muller; 1 − u keeps the logarithm finite.
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
  return rng;
}

/** A derived 48-bit integer seed, e.g. the seed of study `i` of a data set seeded with `seed`. */
export function deriveSeed(seed: number, name: string): number {
  return digest('embolus-phantom-seed', seed, name).readUIntLE(0, 6);
}

let table: Float32Array | undefined;

/**
 * 2^16 standard-normal values for image noise, the same for every study (each study walks it
 * with its own seeded stream). Drawing a table index per voxel costs one integer step instead
 * of a logarithm and a cosine, which matters at 67 M voxels per study.
 */
export function gaussianTable(): Float32Array {
  if (!table) {
    const rng = rngFor(0, 'gaussian-table');
    table = new Float32Array(1 << 16);
    for (let i = 0; i < table.length; i++) table[i] = rng.normal();
  }
  return table;
}
