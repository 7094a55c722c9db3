import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  admissionScheduler, createPolicy, DEFAULT_PROMOTION_WINDOW_MS, DEFAULT_SLOW_PROMOTION_UPTIME_MS,
  emergencyPromotion, InvalidAllocationConfigError, manualClock, rateLimitedPromotion, retryState,
  seededRandom, SWITCH_NAMES, thresholdPromotion
} from '../src/index.js'
import type {
  AllocationPolicy, LegacySwitches, PolicyDescription, PromotionCandidate, PromotionDecision, PromotionInput,
  PromotionPolicy, SupernodeLoad
} from '../src/index.js'

function candidate (id: string, uptimeMs: number, reachable = true): PromotionCandidate {
  return { id, profile: { name: id, reachable, capacity: 10, bandwidthKbps: 1_000 }, uptimeMs }
}

function candidates (n: number, uptimeMs: number, prefix = 'c'): PromotionCandidate[] {
  return Array.from({ length: n }, (_, i) => candidate(`${prefix}${String(i).padStart(2, '0')}`, uptimeMs))
}

/** no supernode at all and 20 peers logged in: the threshold policy wants 4 */
/** A network short of supernodes, whose one supernode still has a free slot. */
function shortage (nowMs: number, overrides: Partial<PromotionInput> = {}): PromotionInput {
  const spareSupernode = { id: 'sn-spare', load: 1, capacity: 2, promotedAtMs: 0, lastReportMs: nowMs }
  return { nowMs, supernodes: [spareSupernode], candidates: [], loggedIn: 20, unserved: 0, ...overrides }
}

function assertField (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidAllocationConfigError, `expected InvalidAllocationConfigError, got ${String(err)}`)
    assert.equal(err.name, 'InvalidAllocationConfigError')
    assert.equal(err.field, field)
    return true
  })
}

const LONG_UPTIME = 10 * DEFAULT_SLOW_PROMOTION_UPTIME_MS

/**
 * What each legacy switch changes, observed through the policy's behaviour: one entry per
 * switch. Promotion probes build a fresh policy each, since the global limit has state.
 */
function behaviour (desc: PolicyDescription): Record<keyof LegacySwitches, unknown> {
  const fresh = (): { policy: AllocationPolicy, clock: ReturnType<typeof manualClock> } => {
    const clock = manualClock(1_000_000)
    return { policy: createPolicy(desc, clock), clock }
  }
  const slow = (() => {
    // up long enough for the normal rule (10 s), far short of the slow one (10 min)
    const mid = fresh()
    const midPromoted = mid.policy.promotion.decide(shortage(mid.clock.now(), { candidates: candidates(4, 20_000) })).promote.length > 0
    // just rebooted, while peers are being turned away
    const zero = fresh()
    const zeroPromoted = zero.policy.promotion.decide(shortage(zero.clock.now(), { unserved: 10, candidates: candidates(4, 0) })).promote.length > 0
    return { midPromoted, zeroPromoted }
  })()
  const limit = (() => {
    const { policy, clock } = fresh()
    const input = shortage(clock.now(), { candidates: candidates(8, LONG_UPTIME) })
    return policy.promotion.decide(input).promote.length + policy.promotion.decide(input).promote.length
  })()
  const { policy } = fresh()
  const list: SupernodeLoad[] = [{ id: 'busy', load: 9, capacity: 10 }, { id: 'idle', load: 0, capacity: 10 }]
  const herded = Array.from({ length: 50 }, (_, seed) => policy.referral.choose(list, 1, seededRandom(seed))[0]?.id)
    .every(id => id === 'busy')
  const retry = retryState(policy.retry, seededRandom(1))
  const retryWaits = Array.from({ length: 12 }, () => retry.failure(30_000))
  return {
    slowPromotion: slow,
    globalPromotionLimit: limit,
    herding: herded,
    unboundedQueues: [policy.loginAdmission.maxQueueDelayMs, policy.attachAdmission.maxQueueDelayMs],
    silentRefusals: [policy.loginAdmission.refusal, policy.attachAdmission.refusal],
    roleDropping: policy.overload.mode,
    immediateRetries: { settings: policy.retry, retryWaits },
    staleHostCache: policy.hostCache
  }
}

describe('createPolicy', () => {
  describe('legacy family: every fault switched on', () => {
    const clock = manualClock()
    const legacy = createPolicy({ family: 'legacy' }, clock)

    it('is named legacy with every switch on', () => {
      assert.equal(legacy.name, 'legacy')
      assert.equal(legacy.family, 'legacy')
      assert.deepEqual(Object.keys(legacy.switches).sort(), [...SWITCH_NAMES].sort())
      for (const name of SWITCH_NAMES) assert.equal(legacy.switches[name], true, name)
    })

    it('refers first-fit: every client herded onto the same supernodes', () => {
      assert.equal(legacy.referral.name, 'first-fit')
      const list: SupernodeLoad[] = [{ id: 'a', load: 9, capacity: 10 }, { id: 'b', load: 0, capacity: 10 }, { id: 'c', load: 0, capacity: 10 }]
      for (let seed = 0; seed < 20; seed++) {
        assert.deepEqual(legacy.referral.choose(list, 2, seededRandom(seed)).map(s => s.id), ['a', 'b'])
      }
    })

    it('admits through unbounded queues that never refuse, and would refuse silently', () => {
      for (const settings of [legacy.loginAdmission, legacy.attachAdmission]) {
        assert.equal(settings.maxQueueDelayMs, null)
        assert.equal(settings.refusal, 'silent')
        const admission = admissionScheduler(settings, manualClock())
        let last = 0
        for (let i = 0; i < 5_000; i++) {
          const ticket = admission.reserve()
          assert.equal(ticket.kind, 'admit')
          if (ticket.kind === 'admit') last = ticket.delayMs
        }
        assert.ok(last > 60_000, `the last of 5000 simultaneous requests waits ${last} ms`)
      }
    })

    it('keeps unbounded and silent even when the description asks for a bound', () => {
      const p = createPolicy({ family: 'legacy', loginAdmission: { maxQueueDelayMs: 500, refusal: 'explicit' } }, clock)
      assert.equal(p.loginAdmission.maxQueueDelayMs, null)
      assert.equal(p.loginAdmission.refusal, 'silent')
    })

    it('drops the supernode role when overloaded', () => {
      assert.equal(legacy.overload.mode, 'drop-role')
      assert.ok(legacy.overload.refusalsToDrop >= 1 && legacy.overload.windowMs >= 1)
    })

    it('retries in lock-step: plain exponential, no jitter, no budget, no cooldown, retry-after ignored, a fixed timeout', () => {
      assert.equal(legacy.retry.backoff, 'exponential')
      assert.equal(legacy.retry.timeoutMaxMs, null)
      assert.equal(legacy.retry.budget, null)
      assert.equal(legacy.retry.maxAttempts, null)
      assert.equal(legacy.retry.honorRetryAfter, false)
      // two clients that failed together wait exactly as long as each other, every time
      const a = retryState(legacy.retry, seededRandom(1))
      const b = retryState(legacy.retry, seededRandom(2))
      const waitsA = Array.from({ length: 50 }, () => a.failure(30_000))
      const waitsB = Array.from({ length: 50 }, () => b.failure(30_000))
      assert.deepEqual(waitsA, waitsB)
      assert.equal(waitsA[0], legacy.retry.baseMs)
      assert.ok(waitsA.every(w => w <= legacy.retry.maxMs && w < 30_000))
      assert.equal(waitsA[49], legacy.retry.maxMs)
      assert.equal(a.tokens, Number.POSITIVE_INFINITY)
    })

    it('keeps retrying in lock-step even when the description asks for jitter or a budget', () => {
      const p = createPolicy({
        family: 'legacy',
        retry: { backoff: 'full-jitter', budget: { maxTokens: 10, ratio: 0.1 }, honorRetryAfter: true, timeoutMaxMs: 20_000 }
      }, clock)
      assert.equal(p.retry.backoff, 'exponential')
      assert.equal(p.retry.timeoutMaxMs, null)
      assert.equal(p.retry.budget, null)
      assert.equal(p.retry.honorRetryAfter, false)
    })

    it('tries the host cache first and never forgets a dead supernode', () => {
      assert.deepEqual(legacy.hostCache, { order: 'cache-first', forgetAfterFailures: null })
    })

    it('promotes only peers up for slowPromotionUptimeMs, even when peers are turned away', () => {
      const slowMs = 50_000
      const fresh = (): AllocationPolicy => createPolicy({ family: 'legacy', slowPromotionUptimeMs: slowMs }, manualClock())
      assert.deepEqual(fresh().promotion.decide(shortage(0, { candidates: [candidate('young', slowMs - 1)] })).promote, [])
      assert.deepEqual(fresh().promotion.decide(shortage(0, { candidates: [candidate('old', slowMs)] })).promote, ['old'])
      // no emergency promotion: freshly rebooted peers stay clients however many are unserved
      assert.deepEqual(fresh().promotion.decide(shortage(0, { unserved: 1_000, candidates: candidates(10, 0) })).promote, [])
      // the default is DEFAULT_SLOW_PROMOTION_UPTIME_MS
      const byDefault = (uptimeMs: number): string[] =>
        createPolicy({ family: 'legacy' }, manualClock()).promotion.decide(shortage(0, { candidates: [candidate('p', uptimeMs)] })).promote
      assert.deepEqual(byDefault(DEFAULT_SLOW_PROMOTION_UPTIME_MS - 1), [])
      assert.deepEqual(byDefault(DEFAULT_SLOW_PROMOTION_UPTIME_MS), ['p'])
    })

    it('promotes at most one peer per window in the whole network', () => {
      const windowMs = 10_000
      const c = manualClock(1_000)
      const p = createPolicy({ family: 'legacy', promotionWindowMs: windowMs }, c)
      const round = (): string[] => p.promotion.decide(shortage(c.now(), { loggedIn: 100, candidates: candidates(10, LONG_UPTIME) })).promote
      // the inner policy would promote 4 per round; the limit lets one through per window
      assert.equal(round().length, 1)
      c.advance(1)
      assert.deepEqual(round(), [])
      c.advance(windowMs - 2)
      assert.deepEqual(round(), [])
      c.advance(1)
      assert.equal(round().length, 1)
      assert.deepEqual(round(), [])
    })

    it('uses DEFAULT_PROMOTION_WINDOW_MS by default', () => {
      const c = manualClock()
      const p = createPolicy({ family: 'legacy' }, c)
      const round = (): number => p.promotion.decide(shortage(c.now(), { loggedIn: 100, candidates: candidates(10, LONG_UPTIME) })).promote.length
      assert.equal(round(), 1)
      c.advance(DEFAULT_PROMOTION_WINDOW_MS - 1)
      assert.equal(round(), 0)
      c.advance(1)
      assert.equal(round(), 1)
    })
  })

  describe('adaptive family: every fault switched off', () => {
    const clock = manualClock()
    const adaptive = createPolicy({ family: 'adaptive' }, clock)

    it('is named adaptive with every switch off', () => {
      assert.equal(adaptive.name, 'adaptive')
      assert.equal(adaptive.family, 'adaptive')
      for (const name of SWITCH_NAMES) assert.equal(adaptive.switches[name], false, name)
    })

    it('refers by the better of two random choices', () => {
      assert.equal(adaptive.referral.name, 'two-choices')
      const list: SupernodeLoad[] = [{ id: 'busy', load: 9, capacity: 10 }, { id: 'idle', load: 0, capacity: 10 }]
      const picks = Array.from({ length: 200 }, (_, seed) => adaptive.referral.choose(list, 1, seededRandom(seed))[0]?.id)
      assert.ok(picks.filter(id => id === 'idle').length > 120)
    })

    it('admits through bounded queues that refuse explicitly with a retry-after', () => {
      for (const settings of [adaptive.loginAdmission, adaptive.attachAdmission]) {
        assert.equal(typeof settings.maxQueueDelayMs, 'number')
        assert.equal(settings.refusal, 'explicit')
        const admission = admissionScheduler(settings, manualClock())
        let refused = 0
        for (let i = 0; i < 5_000; i++) {
          const ticket = admission.reserve()
          if (ticket.kind === 'admit') {
            assert.ok(ticket.delayMs <= (settings.maxQueueDelayMs as number))
          } else {
            refused++
            assert.equal(ticket.silent, false)
            assert.ok(ticket.retryAfterMs > 0)
          }
        }
        assert.ok(refused > 4_900)
      }
    })

    it('keeps a queue bound and refusal the description chooses', () => {
      const p = createPolicy({ family: 'adaptive', loginAdmission: { maxQueueDelayMs: 250, ratePerSecond: 5, burst: 2 } }, clock)
      assert.deepEqual(p.loginAdmission, { ratePerSecond: 5, burst: 2, maxQueueDelayMs: 250, refusal: 'explicit' })
    })

    it('sheds load instead of dropping the role', () => {
      assert.equal(adaptive.overload.mode, 'shed')
    })

    it('retries with full jitter, at most a few attempts, a budget, and honours retry-after', () => {
      const r = adaptive.retry
      assert.equal(r.backoff, 'full-jitter')
      assert.ok(r.budget != null && r.budget.maxTokens >= 1 && r.budget.ratio > 0)
      assert.ok(r.maxAttempts != null && r.maxAttempts <= 3)
      assert.equal(r.honorRetryAfter, true)
      // a slow server is given more time after timeouts instead of being asked again and again
      assert.ok(r.timeoutMaxMs != null && r.timeoutMaxMs > 5_000)
      const state = retryState(r, seededRandom(3))
      assert.ok(state.failure(30_000) >= 30_000)
      // a long outage: after the budget runs low, each wait is a cooldown, not a retry storm
      const waits = Array.from({ length: 50 }, () => state.failure())
      const quick = waits.filter(w => w < r.cooldownMs * 0.5)
      assert.ok(quick.length <= r.budget.maxTokens / 2, `${quick.length} quick retries`)
    })

    it('tries fresh referrals first and forgets a supernode after 3 failures', () => {
      assert.deepEqual(adaptive.hostCache, { order: 'fresh-first', forgetAfterFailures: 3 })
    })

    it('promotes without a global limit', () => {
      const c = manualClock()
      const p = createPolicy({ family: 'adaptive' }, c)
      const input = shortage(c.now(), { loggedIn: 100, candidates: candidates(10, LONG_UPTIME) })
      assert.equal(p.promotion.decide(input).promote.length, 4)
      assert.equal(p.promotion.decide(input).promote.length, 4)
    })

    it('needs only the normal uptime, not the slow one', () => {
      const p = createPolicy({ family: 'adaptive' }, manualClock())
      assert.equal(p.promotion.decide(shortage(0, { loggedIn: 100, candidates: candidates(4, 20_000) })).promote.length, 4)
    })

    it('promotes freshly rebooted peers in an emergency, and only then', () => {
      const p = createPolicy({ family: 'adaptive' }, manualClock())
      const young = candidates(20, 0)
      assert.deepEqual(p.promotion.decide(shortage(0, { loggedIn: 100, unserved: 0, candidates: young })).promote, [])
      const urgent = p.promotion.decide(shortage(0, { loggedIn: 100, unserved: 10, candidates: young }))
      // twice the normal 4 per round
      assert.equal(urgent.promote.length, 8)
      assert.deepEqual(urgent.demote, [])
    })
  })

  describe('single switches', () => {
    const legacyBehaviour = behaviour({ family: 'legacy' })
    const adaptiveBehaviour = behaviour({ family: 'adaptive' })

    it('the probes tell the two families apart on every switch', () => {
      for (const name of SWITCH_NAMES) {
        assert.notDeepEqual(legacyBehaviour[name], adaptiveBehaviour[name], name)
      }
    })

    for (const name of SWITCH_NAMES) {
      it(`turning ${name} off in legacy changes exactly that behaviour`, () => {
        const desc: PolicyDescription = { family: 'legacy', switches: { [name]: false } }
        const p = createPolicy(desc, manualClock())
        for (const other of SWITCH_NAMES) assert.equal(p.switches[other], other !== name, other)
        const got = behaviour(desc)
        for (const other of SWITCH_NAMES) {
          if (other === name) {
            assert.deepEqual(got[other], adaptiveBehaviour[other], `${other} should now behave as in adaptive`)
          } else {
            assert.deepEqual(got[other], legacyBehaviour[other], `${other} should still behave as in legacy`)
          }
        }
      })

      it(`turning ${name} on in adaptive changes exactly that behaviour`, () => {
        const desc: PolicyDescription = { family: 'adaptive', switches: { [name]: true } }
        const got = behaviour(desc)
        for (const other of SWITCH_NAMES) {
          const expected = other === name ? legacyBehaviour[other] : adaptiveBehaviour[other]
          assert.deepEqual(got[other], expected, other)
        }
      })
    }

    it('an explicit switch equal to the family default changes nothing', () => {
      assert.deepEqual(behaviour({ family: 'legacy', switches: { herding: true } }), legacyBehaviour)
      assert.deepEqual(behaviour({ family: 'adaptive', switches: { herding: false } }), adaptiveBehaviour)
    })
  })

  describe('invalid descriptions', () => {
    const clock = manualClock()

    it('rejects an unknown family', () => {
      assertField(() => createPolicy({ family: 'modern' as 'legacy' }, clock), 'family')
      assertField(() => createPolicy({} as PolicyDescription, clock), 'family')
    })

    it('rejects unknown switch names, naming the switch', () => {
      assertField(() => createPolicy({ family: 'legacy', switches: { herdng: false } as Partial<LegacySwitches> }, clock), 'switches.herdng')
      assertField(() => createPolicy({ family: 'adaptive', switches: { toString: true } as Partial<LegacySwitches> }, clock), 'switches.toString')
    })

    it('rejects switch values that are not booleans', () => {
      for (const value of ['false', 0, 1, null]) {
        assertField(() => createPolicy({ family: 'legacy', switches: { herding: value as unknown as boolean } }, clock), 'switches.herding')
      }
    })

    it('rejects bad admission, retry and overload values, naming the field', () => {
      assertField(() => createPolicy({ family: 'adaptive', loginAdmission: { ratePerSecond: 0 } }, clock), 'loginAdmission.ratePerSecond')
      assertField(() => createPolicy({ family: 'legacy', attachAdmission: { burst: 0 } }, clock), 'attachAdmission.burst')
      assertField(() => createPolicy({ family: 'adaptive', attachAdmission: { maxQueueDelayMs: -1 } }, clock), 'attachAdmission.maxQueueDelayMs')
      assertField(() => createPolicy({ family: 'adaptive', loginAdmission: { refusal: 'loud' as 'silent' } }, clock), 'loginAdmission.refusal')
      assertField(() => createPolicy({ family: 'adaptive', retry: { baseMs: -1 } }, clock), 'retry.baseMs')
      assertField(() => createPolicy({ family: 'adaptive', retry: { backoff: 'linear' as 'none' } }, clock), 'retry.backoff')
      assertField(() => createPolicy({ family: 'adaptive', retry: { budget: { maxTokens: 0, ratio: 0.1 } } }, clock), 'retry.budget.maxTokens')
      assertField(() => createPolicy({ family: 'legacy', retry: { cooldownMs: Number.NaN } }, clock), 'retry.cooldownMs')
      assertField(() => createPolicy({ family: 'adaptive', overload: { refusalsToDrop: 0 } }, clock), 'overload.refusalsToDrop')
      assertField(() => createPolicy({ family: 'legacy', overload: { windowMs: -5 } }, clock), 'overload.windowMs')
    })

    it('rejects an unknown overload mode', () => {
      assertField(() => createPolicy({ family: 'adaptive', overload: { mode: 'explode' as 'shed' } }, clock), 'overload.mode')
    })

    it('rejects bad promotion timings, naming the description field', () => {
      for (const family of ['legacy', 'adaptive'] as const) {
        for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
          assertField(() => createPolicy({ family, slowPromotionUptimeMs: bad }, clock), 'slowPromotionUptimeMs')
        }
        for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          assertField(() => createPolicy({ family, promotionWindowMs: bad }, clock), 'promotionWindowMs')
        }
      }
    })

    it('rejects bad promotion settings', () => {
      assert.throws(() => createPolicy({ family: 'adaptive', promotion: { clientsPerSupernode: 0 } }, clock), InvalidAllocationConfigError)
      assert.throws(() => createPolicy({ family: 'legacy', promotion: { maxPromotionsPerRound: 0 } }, clock), InvalidAllocationConfigError)
    })
  })
})

describe('rateLimitedPromotion', () => {
  const inner = thresholdPromotion()

  it('lets at most max promotions through per window, across rounds', () => {
    const clock = manualClock()
    const limited = rateLimitedPromotion(inner, { max: 3, windowMs: 1_000, clock })
    const input = shortage(0, { loggedIn: 100, candidates: candidates(10, LONG_UPTIME) })
    assert.equal(limited.decide(input).promote.length, 3)
    assert.deepEqual(limited.decide(input).promote, [])
    clock.advance(999)
    assert.deepEqual(limited.decide(input).promote, [])
    clock.advance(1)
    assert.equal(limited.decide(input).promote.length, 3)
  })

  it('passes demotions through when nothing is promoted', () => {
    const clock = manualClock()
    const demoting: PromotionPolicy = { name: 'stub', decide: () => ({ promote: [], demote: ['s1'] }) }
    const limited = rateLimitedPromotion(demoting, { max: 1, windowMs: 1_000, clock })
    assert.deepEqual(limited.decide(shortage(0)), { promote: [], demote: ['s1'] })
  })

  it('is named after the policy it wraps', () => {
    assert.equal(rateLimitedPromotion(inner, { max: 1, windowMs: 1, clock: manualClock() }).name, 'threshold+global-limit')
  })

  it('rejects a bad max or window', () => {
    assertField(() => rateLimitedPromotion(inner, { max: 0, windowMs: 1_000, clock: manualClock() }), 'max')
    assertField(() => rateLimitedPromotion(inner, { max: 1, windowMs: 0, clock: manualClock() }), 'windowMs')
  })
})

describe('emergencyPromotion', () => {
  const normal = thresholdPromotion()
  const emergency = thresholdPromotion({ eligibility: { minUptimeMs: 0 }, maxPromotionsPerRound: 8 })
  const policy = emergencyPromotion(normal, emergency)

  it('is named after the normal policy', () => {
    assert.equal(policy.name, 'threshold+emergency')
  })

  it('gives referral requests of logged-in peers their own lane only in the adaptive family', () => {
    const adaptive = createPolicy({ family: 'adaptive', loginAdmission: { ratePerSecond: 3 } }, manualClock())
    assert.equal(adaptive.referralAdmission?.ratePerSecond, 30)
    assert.equal(adaptive.referralAdmission?.refusal, 'explicit')
    assert.notEqual(adaptive.referralAdmission?.maxQueueDelayMs, null)
    assert.equal(createPolicy({ family: 'legacy' }, manualClock()).referralAdmission, null)
    const legacyBounded = createPolicy({ family: 'legacy', switches: { unboundedQueues: false } }, manualClock())
    assert.notEqual(legacyBounded.referralAdmission, null)
  })

  it('holds referral requests and suspects silent supernodes only without the matching legacy faults', () => {
    const adaptive = createPolicy({ family: 'adaptive' }, manualClock())
    assert.ok(adaptive.referralHoldMs > 0)
    assert.deepEqual(adaptive.suspectSupernodes, { afterMissedReports: 1.5 })
    const legacy = createPolicy({ family: 'legacy' }, manualClock())
    assert.equal(legacy.referralHoldMs, 0)
    assert.equal(legacy.suspectSupernodes, null)
    // each follows its own switch: stale host caches keep dead supernodes referred too
    const staleOnly = createPolicy({ family: 'adaptive', switches: { staleHostCache: true } }, manualClock())
    assert.equal(staleOnly.suspectSupernodes, null)
    assert.ok(staleOnly.referralHoldMs > 0)
    assert.equal(createPolicy({ family: 'legacy', suspectSupernodes: { afterMissedReports: 2 } }, manualClock()).suspectSupernodes, null)
    assert.deepEqual(createPolicy({ family: 'adaptive', suspectSupernodes: { afterMissedReports: 3 } }, manualClock()).suspectSupernodes, { afterMissedReports: 3 })
    assert.equal(createPolicy({ family: 'adaptive', suspectSupernodes: null }, manualClock()).suspectSupernodes, null)
    assert.equal(createPolicy({ family: 'adaptive', referralHoldMs: 0 }, manualClock()).referralHoldMs, 0)
    assertField(() => createPolicy({ family: 'adaptive', referralHoldMs: -1 }, manualClock()), 'referralHoldMs')
    assertField(() => createPolicy({ family: 'adaptive', referralWaitMs: Number.NaN }, manualClock()), 'referralWaitMs')
    assertField(() => createPolicy({ family: 'adaptive', suspectSupernodes: { afterMissedReports: 0.5 } }, manualClock()), 'suspectSupernodes.afterMissedReports')
  })

  it('promotes zero-uptime eligible candidates when no supernode has a free slot', () => {
    const policy = createPolicy({ family: 'adaptive' }, manualClock()).promotion
    const young = candidates(10, 0)
    const full = [{ id: 'sn-full', load: 2, capacity: 2, promotedAtMs: 0, lastReportMs: 0 }]
    assert.equal(policy.decide(shortage(0, { loggedIn: 100, unserved: 0, candidates: young, supernodes: full })).promote.length, 8)
    assert.equal(policy.decide(shortage(0, { loggedIn: 100, unserved: 0, candidates: young, supernodes: [] })).promote.length, 8)
  })

  it('promotes zero-uptime eligible candidates only while peers are unserved', () => {
    const young = candidates(12, 0)
    assert.deepEqual(policy.decide(shortage(0, { loggedIn: 100, unserved: 0, candidates: young })), { promote: [], demote: [] })
    const urgent = policy.decide(shortage(0, { loggedIn: 100, unserved: 1, candidates: young }))
    assert.equal(urgent.promote.length, 8)
    assert.ok(urgent.promote.every(id => young.some(c => c.id === id)))
  })

  it('never promotes an ineligible candidate, even in an emergency', () => {
    const unreachable = [candidate('nat1', 0, false), candidate('nat2', 0, false)]
    assert.deepEqual(policy.decide(shortage(0, { unserved: 50, candidates: unreachable })).promote, [])
  })

  it('ignores an unserved count that is not a finite positive number', () => {
    const young = candidates(4, 0)
    for (const unserved of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(policy.decide(shortage(0, { unserved, candidates: young })).promote, [], String(unserved))
    }
  })

  it('falls back to the normal decision when the emergency policy promotes nobody', () => {
    const none: PromotionPolicy = { name: 'none', decide: (): PromotionDecision => ({ promote: [], demote: [] }) }
    const p = emergencyPromotion(normal, none)
    const old = candidates(4, LONG_UPTIME)
    assert.equal(p.decide(shortage(0, { unserved: 5, candidates: old })).promote.length, 4)
  })

  it('with no shortage, decides exactly as the normal policy', () => {
    const input = shortage(0, { loggedIn: 7, candidates: [...candidates(3, LONG_UPTIME), ...candidates(3, 0, 'y')] })
    assert.deepEqual(policy.decide(input), normal.decide(input))
  })
})
