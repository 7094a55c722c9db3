import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exponential, gamma, weibull } from '../src/churn.js'
import { seeded } from './helpers.js'

function mean (xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

function draw (n: number, sample: () => number): number[] {
  return Array.from({ length: n }, sample)
}

describe('gamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    assert.ok(Math.abs(gamma(1) - 1) < 1e-12)
    assert.ok(Math.abs(gamma(5) - 24) < 1e-9)
    assert.ok(Math.abs(gamma(0.5) - Math.sqrt(Math.PI)) < 1e-12)
    // Γ(1 + 1/0.5) = Γ(3) = 2: the Weibull scale of shape 0.5 is half its mean
    assert.ok(Math.abs(gamma(3) - 2) < 1e-12)
  })

  it('rejects zero, negative and non-finite arguments', () => {
    for (const x of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => gamma(x), RangeError)
  })
})

describe('weibull sessions', () => {
  it('has the mean it was given, for heavy and light tails', () => {
    for (const shape of [0.4, 0.5, 1, 2]) {
      const m = mean(draw(200_000, weibull({ shape, mean: 60 }, seeded(shape * 100))))
      assert.ok(Math.abs(m - 60) / 60 < 0.05, `shape ${shape}: mean ${m}`)
    }
  })

  it('is heavy-tailed below shape 1: most sessions are short, a few are very long', () => {
    const heavy = draw(100_000, weibull({ shape: 0.5, mean: 60 }, seeded(1))).sort((a, b) => a - b)
    const exp = draw(100_000, weibull({ shape: 1, mean: 60 }, seeded(1))).sort((a, b) => a - b)
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] as number
    const p999 = (xs: number[]): number => xs[Math.floor(xs.length * 0.999)] as number
    assert.ok(median(heavy) < median(exp) / 2, `median ${median(heavy)} vs ${median(exp)}`)
    assert.ok(p999(heavy) > 2 * p999(exp), `p99.9 ${p999(heavy)} vs ${p999(exp)}`)
  })

  it('draws the same sessions from the same seed', () => {
    assert.deepEqual(draw(10, weibull({ shape: 0.5, mean: 10 }, seeded(7))), draw(10, weibull({ shape: 0.5, mean: 10 }, seeded(7))))
  })

  it('rejects a shape or mean that is not a positive number', () => {
    assert.throws(() => weibull({ shape: 0, mean: 1 }, seeded(1)), /shape/)
    assert.throws(() => weibull({ shape: 0.5, mean: -1 }, seeded(1)), /mean/)
    assert.throws(() => weibull({ shape: Number.NaN, mean: 1 }, seeded(1)), /shape/)
    assert.throws(() => exponential(0, seeded(1)), /mean/)
  })

  it('exponential downtimes have their mean', () => {
    const m = mean(draw(100_000, exponential(10, seeded(3))))
    assert.ok(Math.abs(m - 10) < 0.3, `mean ${m}`)
  })
})
