import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDuration, parseDuration } from '../src/duration.js'
import { UsageError } from '../src/errors.js'

describe('parseDuration', () => {
  it('parses units into milliseconds', () => {
    assert.equal(parseDuration('250ms', 'x'), 250)
    assert.equal(parseDuration('10s', 'x'), 10_000)
    assert.equal(parseDuration('1.5s', 'x'), 1500)
    assert.equal(parseDuration('2m', 'x'), 120_000)
    assert.equal(parseDuration('1h', 'x'), 3_600_000)
    assert.equal(parseDuration('.5s', 'x'), 500)
    assert.equal(parseDuration('0', 'x'), 0)
    assert.equal(parseDuration(' 30s ', 'x'), 30_000)
  })

  it('reads a bare number as milliseconds, rounded', () => {
    assert.equal(parseDuration('1500', 'x'), 1500)
    assert.equal(parseDuration('2.6', 'x'), 3)
  })

  it('rejects negatives and garbage with a UsageError naming the field', () => {
    for (const bad of ['-1s', '-5', '', 's', '10 s', '1.2.3s', '5d', '1e3', 'Infinity', 'NaN', '10sec', '1s2']) {
      assert.throws(() => parseDuration(bad, '--spread'), (err: unknown) => {
        assert.ok(err instanceof UsageError, bad)
        assert.equal(err.name, 'UsageError')
        assert.equal(err.exitCode, 2)
        assert.equal(err.option, '--spread')
        assert.match(err.message, /^--spread: /)
        return true
      })
    }
  })

  it('rejects durations beyond the safe integer range', () => {
    assert.throws(() => parseDuration('99999999999999999999h', 'f'), UsageError)
  })
})

describe('formatDuration', () => {
  it('writes short human text', () => {
    assert.equal(formatDuration(0), '0ms')
    assert.equal(formatDuration(250), '250ms')
    assert.equal(formatDuration(1000), '1s')
    assert.equal(formatDuration(1500), '1.5s')
    assert.equal(formatDuration(12_340), '12.3s')
    assert.equal(formatDuration(60_000), '1m')
    assert.equal(formatDuration(125_000), '2m05s')
    assert.equal(formatDuration(3_600_000), '1h')
    assert.equal(formatDuration(3_720_000), '1h02m')
    assert.equal(formatDuration(-1500), '-1.5s')
  })

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 250, 1500, 10_000, 120_000, 3_600_000]) {
      assert.equal(parseDuration(formatDuration(ms), 'x'), ms)
    }
  })
})
