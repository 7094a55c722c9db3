import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { admissionScheduler, InvalidAllocationConfigError, manualClock, sheddingAdmission, SHEDDING_MAX_QUEUE_DELAY_MS } from '../src/index.js'
import type { AdmissionSettings, AdmissionTicket } from '../src/index.js'

function settings (overrides: Partial<AdmissionSettings> = {}): AdmissionSettings {
  return { ratePerSecond: 10, burst: 1, maxQueueDelayMs: null, refusal: 'explicit', ...overrides }
}

function admittedDelay (ticket: AdmissionTicket): number {
  assert.equal(ticket.kind, 'admit', `expected an admission, got ${JSON.stringify(ticket)}`)
  return (ticket as { kind: 'admit', delayMs: number }).delayMs
}

function refusal (ticket: AdmissionTicket): { retryAfterMs: number, silent: boolean } {
  assert.equal(ticket.kind, 'refuse', `expected a refusal, got ${JSON.stringify(ticket)}`)
  return ticket as { kind: 'refuse', retryAfterMs: number, silent: boolean }
}

function assertField (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'InvalidAllocationConfigError')
    assert.ok(err instanceof InvalidAllocationConfigError)
    assert.equal(err.field, field)
    return true
  })
}

describe('admissionScheduler', () => {
  it('admits a whole burst at once with no delay', () => {
    const clock = manualClock(5_000)
    const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 5 }), clock)
    assert.equal(admission.queueDelayMs(), 0)
    for (let i = 0; i < 5; i++) assert.equal(admittedDelay(admission.reserve()), 0)
  })

  it('after the burst, delays each request by one more service interval (1000 / rate)', () => {
    const clock = manualClock()
    const admission = admissionScheduler(settings({ ratePerSecond: 4, burst: 3 }), clock)
    const delays = Array.from({ length: 8 }, () => admittedDelay(admission.reserve()))
    assert.deepEqual(delays, [0, 0, 0, 250, 500, 750, 1_000, 1_250])
    assert.equal(admission.queueDelayMs(), 1_500)
  })

  it('queueDelayMs predicts the delay of the next reservation without taking a slot', () => {
    const clock = manualClock()
    const admission = admissionScheduler(settings({ ratePerSecond: 20, burst: 2 }), clock)
    for (let i = 0; i < 6; i++) {
      const predicted = admission.queueDelayMs()
      assert.equal(admission.queueDelayMs(), predicted)
      assert.equal(admittedDelay(admission.reserve()), predicted)
      clock.advance(10)
    }
  })

  it('drains the queue as time passes and refills the burst after an idle period', () => {
    const clock = manualClock()
    const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 5 }), clock)
    const delays = Array.from({ length: 8 }, () => admittedDelay(admission.reserve()))
    assert.deepEqual(delays, [0, 0, 0, 0, 0, 100, 200, 300])
    assert.equal(admission.queueDelayMs(), 400)
    clock.advance(150)
    assert.equal(admission.queueDelayMs(), 250)
    clock.advance(250)
    assert.equal(admission.queueDelayMs(), 0)
    // a long idle period gives the full burst back, but never more than the burst
    clock.advance(60_000)
    const again = Array.from({ length: 6 }, () => admittedDelay(admission.reserve()))
    assert.deepEqual(again, [0, 0, 0, 0, 0, 100])
  })

  it('serves a steady load at or below the rate without ever queueing', () => {
    const clock = manualClock()
    const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 1 }), clock)
    for (let i = 0; i < 1_000; i++) {
      assert.equal(admittedDelay(admission.reserve()), 0)
      clock.advance(100)
    }
  })

  describe('bounded queue', () => {
    it('refuses a request whose wait would exceed maxQueueDelayMs', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: 300 }), clock)
      const delays = Array.from({ length: 4 }, () => admittedDelay(admission.reserve()))
      assert.deepEqual(delays, [0, 100, 200, 300])
      const refused = refusal(admission.reserve())
      assert.equal(refused.silent, false)
      assert.ok(refused.retryAfterMs > 0)
    })

    it('admits a refused request that comes back after retryAfterMs, within the bound', () => {
      for (const rate of [3, 7, 10, 33]) {
        const clock = manualClock(1_000)
        const max = 500
        const admission = admissionScheduler(settings({ ratePerSecond: rate, burst: 2, maxQueueDelayMs: max }), clock)
        let ticket = admission.reserve()
        while (ticket.kind === 'admit') ticket = admission.reserve()
        const { retryAfterMs } = refusal(ticket)
        clock.advance(retryAfterMs)
        const delay = admittedDelay(admission.reserve())
        assert.ok(delay <= max, `rate ${rate}: admitted with delay ${delay} > ${max}`)
      }
    })

    it('a refusal takes no slot, and the refused are told slots one interval apart', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: 300 }), clock)
      for (let i = 0; i < 4; i++) admission.reserve()
      const first = refusal(admission.reserve())
      for (let i = 1; i <= 50; i++) {
        assert.equal(refusal(admission.reserve()).retryAfterMs, first.retryAfterMs + i * 100)
      }
      assert.equal(admission.queueDelayMs(), 400)
      // one interval later exactly one more request fits, at the bound
      clock.advance(100)
      assert.equal(admittedDelay(admission.reserve()), 300)
      refusal(admission.reserve())
    })

    it('maxQueueDelayMs 0 admits only what the burst allows, and refuses the rest', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 3, maxQueueDelayMs: 0 }), clock)
      for (let i = 0; i < 3; i++) assert.equal(admittedDelay(admission.reserve()), 0)
      const { retryAfterMs } = refusal(admission.reserve())
      clock.advance(retryAfterMs)
      assert.equal(admittedDelay(admission.reserve()), 0)
    })

    it('under sustained overload the admitted delay never exceeds the bound', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 4, maxQueueDelayMs: 700 }), clock)
      let admitted = 0
      let refused = 0
      // offered: 100 per second for 10 seconds, ten times the rate
      for (let i = 0; i < 1_000; i++) {
        const ticket = admission.reserve()
        if (ticket.kind === 'admit') {
          admitted++
          assert.ok(ticket.delayMs <= 700)
        } else {
          refused++
        }
        clock.advance(10)
      }
      assert.ok(refused > 0)
      // about the rate: 10 per second, plus the burst and the queue
      assert.ok(admitted >= 100 && admitted <= 100 + 4 + 8, `admitted ${admitted}`)
    })

    it('marks refusals silent when the refusal is silent', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ burst: 1, maxQueueDelayMs: 0, refusal: 'silent' }), clock)
      admittedDelay(admission.reserve())
      const refused = refusal(admission.reserve())
      assert.equal(refused.silent, true)
      assert.ok(refused.retryAfterMs > 0)
    })
  })

  describe('unbounded queue (the legacy fault)', () => {
    it('never refuses, however many requests arrive at once', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: null, refusal: 'silent' }), clock)
      for (let i = 0; i < 10_000; i++) {
        assert.equal(admittedDelay(admission.reserve()), i * 100)
      }
    })

    it('its delay grows linearly with the load offered above the rate', () => {
      const clock = manualClock()
      const admission = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: null }), clock)
      // offered: 20 per second, twice the rate: every second adds a second of waiting
      const delays: number[] = []
      for (let i = 0; i < 200; i++) {
        delays.push(admittedDelay(admission.reserve()))
        clock.advance(50)
      }
      for (let i = 0; i < delays.length; i++) assert.equal(delays[i], 50 * i)
      // ten seconds in, a request waits ten seconds: longer than any client waits for a log-in
      assert.equal(admission.queueDelayMs(), 10_000)
    })

    it('the same overload against a bounded queue keeps the wait bounded', () => {
      const clock = manualClock()
      const unbounded = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: null }), clock)
      const bounded = admissionScheduler(settings({ ratePerSecond: 10, burst: 1, maxQueueDelayMs: 1_000 }), clock)
      for (let i = 0; i < 400; i++) {
        unbounded.reserve()
        bounded.reserve()
        clock.advance(25)
      }
      assert.ok(unbounded.queueDelayMs() > 25_000)
      assert.ok(bounded.queueDelayMs() <= 1_100)
    })
  })

  describe('settings', () => {
    it('exposes the settings it was given', () => {
      const s = settings({ ratePerSecond: 3, burst: 2, maxQueueDelayMs: 10, refusal: 'silent' })
      assert.deepEqual(admissionScheduler(s, manualClock()).settings, s)
    })

    it('throws InvalidAllocationConfigError naming the field for invalid settings', () => {
      const clock = manualClock()
      for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assertField(() => admissionScheduler(settings({ ratePerSecond: rate }), clock), 'admission.ratePerSecond')
      }
      for (const burst of [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
        assertField(() => admissionScheduler(settings({ burst }), clock), 'admission.burst')
      }
      for (const max of [-1, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number]) {
        assertField(() => admissionScheduler(settings({ maxQueueDelayMs: max }), clock), 'admission.maxQueueDelayMs')
      }
      for (const r of ['loud', '', undefined]) {
        assertField(() => admissionScheduler(settings({ refusal: r as AdmissionSettings['refusal'] }), clock), 'admission.refusal')
      }
      assertField(() => admissionScheduler(settings({ ratePerSecond: '10' as unknown as number }), clock), 'admission.ratePerSecond')
    })
  })
})

describe('sheddingAdmission', () => {
  it('bounds an unbounded queue and refuses explicitly, at the same rate and burst', () => {
    const shed = sheddingAdmission(settings({ ratePerSecond: 50, burst: 25, maxQueueDelayMs: null, refusal: 'silent' }))
    assert.deepEqual(shed, { ratePerSecond: 50, burst: 25, maxQueueDelayMs: SHEDDING_MAX_QUEUE_DELAY_MS, refusal: 'explicit' })
  })

  it('keeps a bound that is already set, and takes another default when given', () => {
    assert.equal(sheddingAdmission(settings({ maxQueueDelayMs: 200 })).maxQueueDelayMs, 200)
    assert.equal(sheddingAdmission(settings({ maxQueueDelayMs: 0 })).maxQueueDelayMs, 0)
    assert.equal(sheddingAdmission(settings(), 300).maxQueueDelayMs, 300)
  })

  it('turns a herd that an unbounded queue would keep for seconds into refusals past the bound', () => {
    // 100 clients at once at a 50/s supernode: unbounded, the last waits ~2 s, longer than
    // a client that gives up after 1.5 s; shedding, nobody is promised more than 1 s
    const herd = (s: AdmissionSettings): AdmissionTicket[] => {
      const admission = admissionScheduler(s, manualClock())
      return Array.from({ length: 100 }, () => admission.reserve())
    }
    const unbounded = herd(settings({ ratePerSecond: 50, burst: 1, maxQueueDelayMs: null }))
    assert.ok(unbounded.every(t => t.kind === 'admit'))
    assert.ok(Math.max(...unbounded.map(admittedDelay)) > 1_500)
    const shed = herd(sheddingAdmission(settings({ ratePerSecond: 50, burst: 1, maxQueueDelayMs: null, refusal: 'silent' })))
    const admitted = shed.filter(t => t.kind === 'admit').map(admittedDelay)
    assert.ok(Math.max(...admitted) <= SHEDDING_MAX_QUEUE_DELAY_MS)
    assert.equal(admitted.length, 51, 'one slot every 20 ms up to 1 s, the first at once')
    for (const t of shed.filter(t => t.kind === 'refuse')) assert.equal(refusal(t).silent, false)
  })

  it('rejects a negative bound by name', () => {
    assertField(() => sheddingAdmission(settings(), -1), 'sheddingAdmission.maxQueueDelayMs')
  })
})
