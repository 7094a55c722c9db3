/**
 * Background churn with heavy-tailed sessions: measurements of deployed peer-to-peer
 * networks find session lengths Weibull-distributed with shape 0.3-0.6 (many short
 * sessions, a few very long ones), not exponential. Pure functions over a seeded random.
 */

/** Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error below 1e-13). */
export function gamma (x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`gamma: expected a positive finite number, got ${x}`)
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x))
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  ]
  const z = x - 1
  let a = c[0] as number
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i)
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * a
}

export interface WeibullInit {
  /** k: below 1, heavy-tailed (0.3-0.6 in measured P2P networks); 1 is exponential */
  shape: number
  /** the mean of the distribution (the scale is derived from it) */
  mean: number
}

/**
 * A Weibull sampler with the given shape and mean: scale λ = mean / Γ(1 + 1/k), and a
 * sample is λ·(−ln(1 − U))^(1/k) for U uniform in [0, 1).
 */
export function weibull (init: WeibullInit, random: () => number): () => number {
  const { shape, mean } = init
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`weibull: shape must be a positive number, got ${shape}`)
  if (!(mean > 0) || !Number.isFinite(mean)) throw new RangeError(`weibull: mean must be a positive number, got ${mean}`)
  const scale = mean / gamma(1 + 1 / shape)
  return () => scale * Math.pow(-Math.log(1 - random()), 1 / shape)
}

/** An exponential sampler with the given mean. */
export function exponential (mean: number, random: () => number): () => number {
  if (!(mean > 0) || !Number.isFinite(mean)) throw new RangeError(`exponential: mean must be a positive number, got ${mean}`)
  return () => -mean * Math.log(1 - random())
}
