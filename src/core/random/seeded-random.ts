// The project's one seeded pseudo-random generator (mulberry32): small, fast and the same on every
// platform, so anything that draws "random" data from a seed (the Stripe stand-in's chaos, the
// benchmark generators, seeded tests) can be repeated exactly. Not for secrets: use node:crypto.

/** A generator of floats in [0, 1), the same sequence for the same 32-bit seed (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
