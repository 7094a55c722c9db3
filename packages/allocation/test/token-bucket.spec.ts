import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTokenBucket, manualClock, TokenBucket } from '../src/index.js'

function bucket (ratePerSecond: number, burst: number, startMs = 0): { bucket: TokenBucket, clock: ReturnType<typeof manualClock> } {
  const clock = manualClock(startMs)
  return { bucket: createTokenBucket({ ratePerSecond, burst, clock }), clock }
}

describe('TokenBucket', () => {
  it('starts full and allows a burst, then refuses', () => {
    const { bucket: b } = bucket(1, 3)
    assert.equal(b.available(), 3)
    assert.equal(b.tryTake(), true)
    assert.equal(b.tryTake(), true)
    assert.equal(b.tryTake(), true)
    assert.equal(b.tryTake(), false)
    assert.equal(b.available(), 0)
  })

  it('refills at the configured rate as the clock moves', () => {
    const { bucket: b, clock } = bucket(2, 2)
    assert.ok(b.tryTake(2))
    clock.advance(499)
    assert.equal(b.tryTake(), false)
    clock.advance(1)
    assert.equal(b.tryTake(), true)
    assert.equal(b.tryTake(), false)
    clock.advance(250)
    assert.equal(b.available(), 0.5)
  })

  it('does not refill while the clock stands still', () => {
    const { bucket: b } = bucket(1_000, 1)
    assert.ok(b.tryTake())
    for (let i = 0; i < 10; i++) assert.equal(b.tryTake(), false)
  })

  it('never holds more than the burst, however long it idles', () => {
    const { bucket: b, clock } = bucket(10, 3)
    clock.advance(3_600_000)
    assert.equal(b.available(), 3)
    assert.ok(b.tryTake(3))
    assert.equal(b.tryTake(), false)
    // partially drained, then a long idle: back to burst, not burst + leftover
    clock.advance(100)
    assert.equal(b.available(), 1)
    clock.advance(3_600_000)
    assert.equal(b.available(), 3)
  })

  it('takes several tokens at once, or none', () => {
    const { bucket: b } = bucket(1, 5)
    assert.equal(b.tryTake(3), true)
    assert.equal(b.available(), 2)
    assert.equal(b.tryTake(3), false)
    assert.equal(b.available(), 2, 'a refused take leaves the bucket as it was')
    assert.equal(b.tryTake(0), true)
    assert.equal(b.tryTake(6), false)
  })

  it('reports how long until tokens are available', () => {
    const { bucket: b, clock } = bucket(2, 4)
    assert.equal(b.msUntilAvailable(), 0)
    assert.equal(b.msUntilAvailable(4), 0)
    assert.ok(b.tryTake(4))
    assert.equal(b.msUntilAvailable(), 500)
    assert.equal(b.msUntilAvailable(3), 1_500)
    clock.advance(200)
    assert.equal(b.msUntilAvailable(), 300)
    clock.advance(300)
    assert.equal(b.msUntilAvailable(), 0)
    assert.equal(b.msUntilAvailable(5), Number.POSITIVE_INFINITY, 'more than the burst never becomes available')
  })

  it('msUntilAvailable is never too early, at awkward rates', () => {
    for (const rate of [0.3, 3, 7, 13.7, 1_000 / 3]) {
      const { bucket: b, clock } = bucket(rate, 2)
      assert.ok(b.tryTake(2))
      for (let i = 0; i < 20; i++) {
        const wait = b.msUntilAvailable()
        assert.ok(Number.isInteger(wait) && wait >= 0, `rate ${rate}: wait ${wait}`)
        if (wait > 0) {
          clock.advance(wait - 1)
          assert.equal(b.tryTake(), false, `rate ${rate}: one ms early`)
          clock.advance(1)
        }
        assert.equal(b.tryTake(), true, `rate ${rate}: on time`)
      }
    }
  })

  it('adds nothing when the clock steps backward', () => {
    const { bucket: b, clock } = bucket(1, 2, 10_000)
    assert.ok(b.tryTake(2))
    clock.set(5_000)
    assert.equal(b.available(), 0)
    clock.set(5_999)
    assert.equal(b.tryTake(), false)
    clock.set(6_000)
    assert.equal(b.tryTake(), true)
  })

  it('createTokenBucket returns a TokenBucket', () => {
    assert.ok(bucket(1, 1).bucket instanceof TokenBucket)
  })

  it('rejects a negative or NaN token count', () => {
    const { bucket: b } = bucket(1, 1)
    assert.throws(() => b.tryTake(-1), RangeError)
    assert.throws(() => b.tryTake(Number.NaN), RangeError)
    assert.throws(() => b.msUntilAvailable(-1), RangeError)
    assert.equal(b.available(), 1)
  })

  const invalid: Array<[string, number, number]> = [
    ['ratePerSecond', -1, 1],
    ['ratePerSecond', 0, 1],
    ['ratePerSecond', Number.NaN, 1],
    ['ratePerSecond', Number.POSITIVE_INFINITY, 1],
    ['burst', 1, 0.5],
    ['burst', 1, 0],
    ['burst', 1, -3],
    ['burst', 1, Number.NaN]
  ]
  for (const [field, ratePerSecond, burst] of invalid) {
    it(`rejects ratePerSecond ${ratePerSecond}, burst ${burst} naming ${field}`, () => {
      assert.throws(() => new TokenBucket({ ratePerSecond, burst, clock: manualClock() }), (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.equal(err.name, 'InvalidAllocationConfigError')
        assert.equal((err as Error & { field: string }).field, field)
        return true
      })
    })
  }

  it('rejects a missing clock', () => {
    assert.throws(
      () => createTokenBucket({ ratePerSecond: 1, burst: 1, clock: undefined as never }),
      { name: 'InvalidAllocationConfigError', field: 'clock' }
    )
  })
})
