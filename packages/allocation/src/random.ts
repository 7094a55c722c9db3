import { InvalidAllocationConfigError } from './errors.js'

/** A source of uniform numbers in [0, 1). Policies draw randomness only from a `Random`. */
export type Random = () => number

/**
 * A deterministic `Random` (mulberry32). The same seed gives the same sequence on every
 * run and platform. Only the integer part of the seed, modulo 2^32, is used.
 */
export function seededRandom (seed: number): Random {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new InvalidAllocationConfigError('seed', `expected a finite number, got ${String(seed)}`)
  }
  let state = Math.trunc(seed) >>> 0

  return () => {
    state = (state + 0x6D2B79F5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Draws from `random` and clamps the result into [0, 1], so a misbehaving source (NaN,
 * negative, above one) cannot push a result out of its range.
 */
export function drawUnit (random: Random): number {
  const value = random()
  if (!(value > 0)) return 0
  return value > 1 ? 1 : value
}

/**
 * `n` of `items` picked uniformly at random without replacement, in random order (all of
 * them, shuffled, when there are no more than `n`); the input is left as it was. Costs
 * O(items) to copy and O(n) draws, where shuffling everything to keep `n` costs O(items) draws.
 */
export function sample<T> (items: readonly T[], n: number, random: Random): T[] {
  const out = items.slice()
  const k = Math.max(0, Math.min(Math.floor(n), out.length))
  for (let i = 0; i < k; i++) {
    const j = i + Math.min(out.length - 1 - i, Math.floor(drawUnit(random) * (out.length - i)))
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  out.length = k
  return out
}

/** A Fisher-Yates shuffled copy of `items`; the input is left as it was. */
export function shuffle<T> (items: readonly T[], random: Random): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(drawUnit(random) * (i + 1)))
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}
