import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidAllocationConfigError, retryState, seededRandom } from '../src/index.js'
import type { BackoffKind, Random, RetrySettings } from '../src/index.js'

function settings (overrides: Partial<RetrySettings> = {}): RetrySettings {
  return {
    backoff: 'exponential',
    baseMs: 100,
    maxMs: 1_000,
    maxAttempts: null,
    cooldownMs: 10_000,
    budget: null,
    honorRetryAfter: false,
    timeoutMaxMs: null,
    ...overrides
  }
}

const constant = (value: number): Random => () => value

function failures (n: number, s: RetrySettings, random: Random): number[] {
  const state = retryState(s, random)
  return Array.from({ length: n }, () => state.failure())
}

function assertField (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidAllocationConfigError)
    assert.equal(err.name, 'InvalidAllocationConfigError')
    assert.equal(err.field, field)
    return true
  })
}

describe('retryState', () => {
  describe('backoff kinds', () => {
    it('none: retries after baseMs every time, without growth', () => {
      assert.deepEqual(failures(6, settings({ backoff: 'none' }), seededRandom(1)), [100, 100, 100, 100, 100, 100])
    })

    it('exponential: doubles from baseMs and is capped at maxMs, without jitter', () => {
      assert.deepEqual(failures(7, settings({ backoff: 'exponential' }), seededRandom(1)), [100, 200, 400, 800, 1_000, 1_000, 1_000])
      // no randomness used: any source gives the same waits
      assert.deepEqual(failures(5, settings(), constant(0)), failures(5, settings(), constant(0.99)))
    })

    it('exponential: a long run of failures stays at the cap and never overflows', () => {
      const waits = failures(2_000, settings({ backoff: 'exponential' }), seededRandom(1))
      assert.ok(waits.every(w => Number.isFinite(w) && w <= 1_000))
      assert.equal(waits.at(-1), 1_000)
    })

    it('full-jitter: uniform in [0, min(maxMs, base * 2^attempt)]', () => {
      assert.deepEqual(failures(6, settings({ backoff: 'full-jitter' }), constant(0.5)), [50, 100, 200, 400, 500, 500])
      assert.deepEqual(failures(4, settings({ backoff: 'full-jitter' }), constant(0)), [0, 0, 0, 0])
      const random = seededRandom(11)
      const state = retryState(settings({ backoff: 'full-jitter' }), random)
      const waits: number[] = []
      for (let i = 0; i < 500; i++) {
        const wait = state.failure()
        const cap = Math.min(1_000, 100 * 2 ** i)
        assert.ok(wait >= 0 && wait <= cap, `attempt ${i}: ${wait} outside [0, ${cap}]`)
        waits.push(wait)
      }
      // jitter: the waits at the cap are spread over [0, cap], not all the same
      const capped = waits.slice(10)
      assert.ok(Math.min(...capped) < 200 && Math.max(...capped) > 800)
      assert.ok(new Set(capped).size > capped.length / 2)
    })

    it('full-jitter: a source that returns 1 or more is clamped to the cap', () => {
      for (const value of [1, 7, Number.POSITIVE_INFINITY]) {
        assert.deepEqual(failures(5, settings({ backoff: 'full-jitter' }), constant(value)), [100, 200, 400, 800, 1_000])
      }
      assert.deepEqual(failures(3, settings({ backoff: 'full-jitter' }), constant(Number.NaN)), [0, 0, 0])
    })

    it('decorrelated-jitter: within [baseMs, maxMs], growing at most threefold', () => {
      const s = settings({ backoff: 'decorrelated-jitter', baseMs: 100, maxMs: 5_000 })
      // the highest draw each time: 300, 900, 2700, then the cap
      assert.deepEqual(failures(5, s, constant(1)), [300, 900, 2_700, 5_000, 5_000])
      // the lowest draw each time: baseMs
      assert.deepEqual(failures(4, s, constant(0)), [100, 100, 100, 100])
      const state = retryState(s, seededRandom(5))
      let previous = 100
      for (let i = 0; i < 500; i++) {
        const wait = state.failure()
        assert.ok(wait >= 100 && wait <= 5_000, `attempt ${i}: ${wait}`)
        assert.ok(wait <= Math.max(100, previous * 3) + 1e-9, `attempt ${i}: ${wait} after ${previous}`)
        previous = wait
      }
    })

    it('decorrelated-jitter: a success starts again from baseMs', () => {
      const state = retryState(settings({ backoff: 'decorrelated-jitter', baseMs: 100, maxMs: 5_000 }), constant(1))
      assert.equal(state.failure(), 300)
      assert.equal(state.failure(), 900)
      state.success()
      assert.equal(state.failure(), 300)
    })

    it('exponential and full-jitter: a success starts again from the first attempt', () => {
      for (const backoff of ['exponential', 'full-jitter'] as BackoffKind[]) {
        const state = retryState(settings({ backoff }), constant(1))
        assert.deepEqual([state.failure(), state.failure(), state.failure()], [100, 200, 400])
        state.success()
        assert.equal(state.attempts, 0)
        assert.equal(state.failure(), 100, backoff)
      }
    })

    it('counts attempts', () => {
      const state = retryState(settings(), seededRandom(1))
      assert.equal(state.attempts, 0)
      state.failure()
      state.failure()
      assert.equal(state.attempts, 2)
      state.success()
      assert.equal(state.attempts, 0)
    })
  })

  describe('maxAttempts', () => {
    it('after maxAttempts failures in a row, waits the cooldown and starts counting again', () => {
      const s = settings({ backoff: 'exponential', maxAttempts: 3, cooldownMs: 10_000 })
      const state = retryState(s, constant(0.5))
      assert.equal(state.failure(), 100)
      assert.equal(state.failure(), 200)
      assert.equal(state.attempts, 2)
      // third failure: give up for cooldownMs * (0.5 + 0.5)
      assert.equal(state.failure(), 10_000)
      assert.equal(state.attempts, 0)
      // counting restarts, and so does the backoff
      assert.equal(state.failure(), 100)
      assert.equal(state.failure(), 200)
      assert.equal(state.failure(), 10_000)
    })

    it('the cooldown is jittered within [0.5, 1.5] x cooldownMs', () => {
      const s = settings({ backoff: 'none', maxAttempts: 1, cooldownMs: 4_000 })
      assert.deepEqual(failures(2, s, constant(0)), [2_000, 2_000])
      assert.deepEqual(failures(2, s, constant(1)), [6_000, 6_000])
      const waits = failures(500, s, seededRandom(8))
      assert.ok(waits.every(w => w >= 2_000 && w <= 6_000))
      assert.ok(Math.min(...waits) < 2_500 && Math.max(...waits) > 5_500)
    })

    it('null never gives up', () => {
      const waits = failures(1_000, settings({ backoff: 'none', maxAttempts: null, cooldownMs: 99_999 }), seededRandom(1))
      assert.ok(waits.every(w => w === 100))
    })

    it('a success before maxAttempts resets the count', () => {
      const state = retryState(settings({ maxAttempts: 3 }), constant(0.5))
      for (let round = 0; round < 10; round++) {
        assert.equal(state.failure(), 100)
        assert.equal(state.failure(), 200)
        state.success()
      }
    })
  })

  describe('retry budget', () => {
    it('has no tokens to count without a budget', () => {
      const state = retryState(settings({ budget: null }), seededRandom(1))
      assert.equal(state.tokens, Number.POSITIVE_INFINITY)
      state.failure()
      assert.equal(state.tokens, Number.POSITIVE_INFINITY)
    })

    it('failures drain tokens; once fewer than half are left the wait is the cooldown', () => {
      const s = settings({ backoff: 'none', budget: { maxTokens: 10, ratio: 0.5 }, cooldownMs: 10_000 })
      const state = retryState(s, constant(0.5))
      assert.equal(state.tokens, 10)
      for (let i = 1; i <= 5; i++) {
        assert.equal(state.failure(), 100, `failure ${i}`)
        assert.equal(state.tokens, 10 - i)
      }
      // 4 of 10 left: below half
      assert.equal(state.failure(), 10_000)
      assert.equal(state.tokens, 4)
      // and it stays throttled while the budget is low
      for (let i = 0; i < 10; i++) assert.equal(state.failure(), 10_000)
      assert.equal(state.tokens, 0)
    })

    it('tokens never go below zero', () => {
      const state = retryState(settings({ budget: { maxTokens: 3, ratio: 0.1 } }), seededRandom(1))
      for (let i = 0; i < 100; i++) state.failure()
      assert.equal(state.tokens, 0)
    })

    it('success refills the budget by ratio, up to maxTokens, and retries resume', () => {
      const s = settings({ backoff: 'none', budget: { maxTokens: 10, ratio: 0.5 }, cooldownMs: 10_000 })
      const state = retryState(s, constant(0.5))
      for (let i = 0; i < 6; i++) state.failure()
      assert.equal(state.tokens, 4)
      state.success()
      assert.equal(state.tokens, 4.5)
      // 3.5 after this failure: still throttled
      assert.equal(state.failure(), 10_000)
      for (let i = 0; i < 5; i++) state.success()
      assert.equal(state.tokens, 6)
      // 5 left after this failure: exactly half is not below half, retry at once
      assert.equal(state.failure(), 100)
      for (let i = 0; i < 100; i++) state.success()
      assert.equal(state.tokens, 10)
    })

    it('a budget with ratio 0 never refills', () => {
      const state = retryState(settings({ budget: { maxTokens: 2, ratio: 0 } }), seededRandom(1))
      state.failure()
      state.success()
      state.success()
      assert.equal(state.tokens, 1)
    })

    it('bounds retry amplification: with the budget, most waits after a long outage are cooldowns', () => {
      const s = settings({ backoff: 'none', budget: { maxTokens: 10, ratio: 0.1 }, cooldownMs: 5_000 })
      const waits = failures(100, s, seededRandom(4))
      const quick = waits.filter(w => w === 100).length
      assert.equal(quick, 5)
    })
  })

  describe('honorRetryAfter', () => {
    it('raises the wait to the server retry-after when honoured', () => {
      const state = retryState(settings({ honorRetryAfter: true }), constant(0.5))
      assert.equal(state.failure(5_000), 5_000)
      // a retry-after shorter than the backoff does not shorten it
      assert.equal(state.failure(50), 200)
      assert.equal(state.failure(), 400)
    })

    it('raises a cooldown wait too, but never lowers it', () => {
      const state = retryState(settings({ honorRetryAfter: true, maxAttempts: 1, cooldownMs: 1_000 }), constant(0.5))
      assert.equal(state.failure(30_000), 30_000)
      assert.equal(state.failure(10), 1_000)
    })

    it('ignores a missing, negative, NaN or infinite retry-after', () => {
      const state = retryState(settings({ backoff: 'none', honorRetryAfter: true }), constant(0.5))
      for (const r of [undefined, -5, 0, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.equal(state.failure(r), 100, String(r))
      }
    })

    it('is ignored when false', () => {
      const state = retryState(settings({ honorRetryAfter: false }), constant(0.5))
      assert.equal(state.failure(5_000), 100)
      assert.equal(state.failure(60_000), 200)
    })
  })

  describe('settings', () => {
    it('throws InvalidAllocationConfigError naming the field for invalid settings', () => {
      const random = seededRandom(1)
      assertField(() => retryState(settings({ backoff: 'linear' as BackoffKind }), random), 'retry.backoff')
      assertField(() => retryState(settings({ baseMs: -1 }), random), 'retry.baseMs')
      assertField(() => retryState(settings({ baseMs: Number.NaN }), random), 'retry.baseMs')
      assertField(() => retryState(settings({ baseMs: 500, maxMs: 100 }), random), 'retry.maxMs')
      assertField(() => retryState(settings({ maxMs: Number.POSITIVE_INFINITY }), random), 'retry.maxMs')
      assertField(() => retryState(settings({ cooldownMs: -1 }), random), 'retry.cooldownMs')
      assertField(() => retryState(settings({ maxAttempts: 0 }), random), 'retry.maxAttempts')
      assertField(() => retryState(settings({ budget: { maxTokens: 0, ratio: 0.1 } }), random), 'retry.budget.maxTokens')
      assertField(() => retryState(settings({ budget: { maxTokens: 10, ratio: -0.1 } }), random), 'retry.budget.ratio')
      assertField(() => retryState(settings({ timeoutMaxMs: 0 }), random), 'retry.timeoutMaxMs')
      assertField(() => retryState(settings({ timeoutMaxMs: Number.NaN }), random), 'retry.timeoutMaxMs')
    })
  })

  describe('request timeouts', () => {
    it('null: every request gets the node\'s request timeout, however many timed out', () => {
      const state = retryState(settings(), seededRandom(1))
      for (let i = 0; i < 5; i++) state.timedOut()
      assert.equal(state.timeoutMs(5_000), 5_000)
    })

    it('doubles after each timeout in a row, up to timeoutMaxMs, and never overflows', () => {
      const state = retryState(settings({ timeoutMaxMs: 20_000 }), seededRandom(1))
      const seen: number[] = []
      for (let i = 0; i < 5; i++) {
        seen.push(state.timeoutMs(5_000))
        state.timedOut()
      }
      assert.deepEqual(seen, [5_000, 10_000, 20_000, 20_000, 20_000])
      for (let i = 0; i < 2_000; i++) state.timedOut()
      assert.equal(state.timeoutMs(5_000), 20_000)
    })

    it('any answer brings it back to the request timeout; failures and successes leave it alone', () => {
      const state = retryState(settings({ timeoutMaxMs: 20_000 }), seededRandom(1))
      state.timedOut()
      state.timedOut()
      state.failure()
      state.success()
      assert.equal(state.timeoutMs(5_000), 20_000)
      state.answered()
      assert.equal(state.timeoutMs(5_000), 5_000)
    })

    it('a request timeout above timeoutMaxMs is kept, not cut', () => {
      const state = retryState(settings({ timeoutMaxMs: 2_000 }), seededRandom(1))
      state.timedOut()
      assert.equal(state.timeoutMs(5_000), 5_000)
    })
  })
})
