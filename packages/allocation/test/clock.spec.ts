import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock, systemClock } from '../src/index.js'

describe('manualClock', () => {
  it('starts where told and moves only when moved', () => {
    const clock = manualClock(1_000)
    assert.equal(clock.now(), 1_000)
    assert.equal(clock.now(), 1_000)
    clock.advance(250)
    assert.equal(clock.now(), 1_250)
    clock.set(50)
    assert.equal(clock.now(), 50)
    assert.equal(manualClock().now(), 0)
  })

  it('refuses to advance backward or by a non-number', () => {
    const clock = manualClock()
    assert.throws(() => clock.advance(-1), RangeError)
    assert.throws(() => clock.advance(Number.NaN), RangeError)
    assert.throws(() => clock.set(Number.POSITIVE_INFINITY), RangeError)
    assert.throws(() => manualClock(Number.NaN), RangeError)
    assert.equal(clock.now(), 0)
  })
})

describe('systemClock', () => {
  it('reads wall-clock milliseconds', () => {
    const before = Date.now()
    const now = systemClock.now()
    assert.ok(now >= before && now <= Date.now())
  })
})
