import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exponentialBackoff, seededRandom } from '../src/index.js'
import type { BackoffInit } from '../src/index.js'

describe('exponentialBackoff', () => {
  it('grows by the factor and stops at the cap without jitter', () => {
    const backoff = exponentialBackoff({ baseMs: 100, maxMs: 1_000, factor: 2, jitter: 'none' })
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(a => backoff.delayMs(a)), [100, 200, 400, 800, 1_000, 1_000, 1_000])
  })

  it('has the documented defaults: 200 ms base, doubling, 10 s cap', () => {
    const backoff = exponentialBackoff({ jitter: 'none' })
    assert.deepEqual([0, 1, 2, 5, 6, 20].map(a => backoff.delayMs(a)), [200, 400, 800, 6_400, 10_000, 10_000])
  })

  it('uses full jitter by default', () => {
    const backoff = exponentialBackoff({ random: () => 0.5 })
    assert.equal(backoff.delayMs(0), 100)
    assert.equal(backoff.delayMs(10), 5_000)
  })

  it('is monotonic without jitter and never above the cap', () => {
    for (const factor of [1, 1.5, 2, 3, 10]) {
      const backoff = exponentialBackoff({ baseMs: 50, maxMs: 7_000, factor, jitter: 'none' })
      let previous = 0
      for (let attempt = 0; attempt < 200; attempt++) {
        const delay = backoff.delayMs(attempt)
        assert.ok(delay >= previous, `factor ${factor}, attempt ${attempt}: ${delay} < ${previous}`)
        assert.ok(delay <= 7_000)
        previous = delay
      }
      assert.equal(previous, factor === 1 ? 50 : 7_000)
    }
  })

  it('keeps full jitter within [0, capped delay] and spreads it', () => {
    const backoff = exponentialBackoff({ baseMs: 100, maxMs: 2_000, jitter: 'full', random: seededRandom(42) })
    for (const [attempt, cap] of [[0, 100], [3, 800], [10, 2_000]] as const) {
      const delays = Array.from({ length: 1_000 }, () => backoff.delayMs(attempt))
      assert.ok(delays.every(d => d >= 0 && d <= cap), `attempt ${attempt} out of [0, ${cap}]`)
      assert.ok(Math.min(...delays) < cap * 0.05, `attempt ${attempt} never near 0`)
      assert.ok(Math.max(...delays) > cap * 0.95, `attempt ${attempt} never near ${cap}`)
    }
  })

  it('draws jitter from the injected random: same seed, same delays', () => {
    const run = (): number[] => {
      const backoff = exponentialBackoff({ random: seededRandom(9) })
      return Array.from({ length: 20 }, (_, a) => backoff.delayMs(a))
    }
    const first = run()
    assert.deepEqual(run(), first)
    const random = seededRandom(9)
    assert.deepEqual(first, first.map((_, a) => random() * Math.min(10_000, 200 * 2 ** a)))
  })

  it('stays within [0, maxMs] when the random source misbehaves', () => {
    for (const value of [1, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const delay = exponentialBackoff({ maxMs: 1_000, random: () => value }).delayMs(30)
      assert.ok(delay >= 0 && delay <= 1_000, `random ${value} gave ${delay}`)
    }
  })

  it('is finite and capped for huge attempt numbers', () => {
    const none = exponentialBackoff({ jitter: 'none' })
    const full = exponentialBackoff({ random: seededRandom(1) })
    for (const attempt of [1_024, 1e9, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.POSITIVE_INFINITY]) {
      assert.equal(none.delayMs(attempt), 10_000, `attempt ${attempt}`)
      const jittered = full.delayMs(attempt)
      assert.ok(Number.isFinite(jittered) && jittered >= 0 && jittered <= 10_000)
    }
    assert.equal(exponentialBackoff({ factor: 1, jitter: 'none' }).delayMs(Number.POSITIVE_INFINITY), 200)
  })

  it('rejects a negative or NaN attempt', () => {
    const backoff = exponentialBackoff()
    assert.throws(() => backoff.delayMs(-1), RangeError)
    assert.throws(() => backoff.delayMs(Number.NaN), RangeError)
  })

  const invalid: Array<[string, BackoffInit]> = [
    ['baseMs', { baseMs: 0 }],
    ['baseMs', { baseMs: -100 }],
    ['baseMs', { baseMs: Number.NaN }],
    ['maxMs', { baseMs: 500, maxMs: 499 }],
    ['maxMs', { maxMs: Number.POSITIVE_INFINITY }],
    ['factor', { factor: 0.5 }],
    ['factor', { factor: Number.NaN }],
    ['jitter', { jitter: 'half' as never }],
    ['random', { random: 0.5 as never }]
  ]
  for (const [field, init] of invalid) {
    it(`rejects an invalid ${field}`, () => {
      assert.throws(() => exponentialBackoff(init), (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.equal(err.name, 'InvalidAllocationConfigError')
        assert.equal((err as Error & { field: string }).field, field)
        assert.ok(err.message.startsWith(`${field}:`))
        return true
      })
    })
  }
})
