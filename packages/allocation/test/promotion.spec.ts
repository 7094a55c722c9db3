import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import {
  DEFAULT_ELIGIBILITY, isEligible, offeredCandidates, seededRandom, shuffle, thresholdPromotion
} from '../src/index.js'
import type {
  PromotionCandidate, PromotionDecision, PromotionInput, PromotionPolicy, ResourceProfile, SupernodeState
} from '../src/index.js'

const LONG_AGO = 0
const NOW = 1_000_000

function profile (overrides: Partial<ResourceProfile> = {}): ResourceProfile {
  return { name: 'peer', reachable: true, capacity: 10, bandwidthKbps: 1_000, ...overrides }
}

function candidate (id: string, capacity = 10, uptimeMs = 60_000, overrides: Partial<ResourceProfile> = {}): PromotionCandidate {
  return { id, profile: profile({ name: id, capacity, ...overrides }), uptimeMs }
}

function supernode (id: string, load: number, capacity: number, promotedAtMs = LONG_AGO): SupernodeState {
  return { id, load, capacity, promotedAtMs, lastReportMs: NOW }
}

function input (overrides: Partial<PromotionInput>): PromotionInput {
  return { nowMs: NOW, supernodes: [], candidates: [], loggedIn: 0, unserved: 0, ...overrides }
}

/** n candidates c00, c01, ... with the given capacity and uptime */
function candidates (n: number, capacity = 10, uptimeMs = 60_000): PromotionCandidate[] {
  return Array.from({ length: n }, (_, i) => candidate(`c${String(i).padStart(2, '0')}`, capacity, uptimeMs))
}

const NO_CHANGE: PromotionDecision = { promote: [], demote: [] }

describe('thresholdPromotion', () => {
  it('is named threshold', () => {
    assert.equal(thresholdPromotion().name, 'threshold')
  })

  describe('promotion', () => {
    it('promotes one peer when there is no supernode at all', () => {
      const decision = thresholdPromotion().decide(input({
        loggedIn: 1,
        candidates: [candidate('a', 10), candidate('b', 20)]
      }))
      assert.deepEqual(decision, { promote: ['b'], demote: [] })
    })

    it('keeps minSupernodes even with no demand', () => {
      const decision = thresholdPromotion({ minSupernodes: 2 }).decide(input({
        supernodes: [supernode('s1', 0, 10)],
        candidates: [candidate('a')]
      }))
      assert.deepEqual(decision, { promote: ['a'], demote: [] })
    })

    it('promotes enough peers to cover the count deficit', () => {
      // demand 20 -> needed 4; capacity alone would be covered by 3 x 10
      const decision = thresholdPromotion().decide(input({ loggedIn: 20, candidates: candidates(8) }))
      assert.deepEqual(decision.promote, ['c00', 'c01', 'c02', 'c03'])
      assert.deepEqual(decision.demote, [])
    })

    it('promotes only the missing count when some supernodes exist', () => {
      // demand 20 -> needed 4; 3 exist with plenty of capacity
      const decision = thresholdPromotion().decide(input({
        loggedIn: 20,
        supernodes: [supernode('s1', 5, 100), supernode('s2', 5, 100), supernode('s3', 5, 100)],
        candidates: candidates(8)
      }))
      assert.deepEqual(decision, { promote: ['c00'], demote: [] })
    })

    it('never promotes more than maxPromotionsPerRound', () => {
      const big = input({ loggedIn: 200, unserved: 100, candidates: candidates(16) })
      assert.equal(thresholdPromotion().decide(big).promote.length, 4)
      assert.equal(thresholdPromotion({ maxPromotionsPerRound: 2 }).decide(big).promote.length, 2)
      assert.equal(thresholdPromotion({ maxPromotionsPerRound: 16 }).decide(big).promote.length, 16)
    })

    it('counts unserved peers as demand', () => {
      const supernodes = [supernode('s1', 5, 10)]
      const policy = thresholdPromotion()
      // demand 5 -> needed 1, wanted capacity 6.25 <= 10: nothing to do
      assert.deepEqual(policy.decide(input({ loggedIn: 5, supernodes, candidates: candidates(2) })), NO_CHANGE)
      // demand 5 + 5 -> needed 2
      assert.deepEqual(policy.decide(input({ loggedIn: 5, unserved: 5, supernodes, candidates: candidates(2) })).promote, ['c00'])
    })

    it('promotes for a capacity deficit even when the count is enough', () => {
      // demand 10 -> needed 2 (met), wanted capacity 12.5 but only 6: deficit 6.5
      const decision = thresholdPromotion().decide(input({
        loggedIn: 10,
        supernodes: [supernode('s1', 3, 3), supernode('s2', 3, 3)],
        candidates: candidates(6, 4)
      }))
      // 4 < 6.5 <= 8: exactly two candidates of capacity 4
      assert.deepEqual(decision, { promote: ['c00', 'c01'], demote: [] })
    })

    it('covers the larger of the count and capacity deficits', () => {
      // demand 20 -> needed 4, wanted 25; none exist. Count needs 4, capacity needs 25/20 = 2.
      const decision = thresholdPromotion({ maxPromotionsPerRound: 10 }).decide(input({
        loggedIn: 20, candidates: candidates(10, 20)
      }))
      assert.equal(decision.promote.length, 4)
      // count needs 1 (needed 1), capacity needs 25 / 5 = 5 candidates
      const decision2 = thresholdPromotion({ maxPromotionsPerRound: 10, clientsPerSupernode: 100 }).decide(input({
        loggedIn: 20, candidates: candidates(10, 5)
      }))
      assert.equal(decision2.promote.length, 5)
    })

    it('ranks candidates by capacity, then uptime, then id', () => {
      const pool = [
        candidate('a', 5, 20_000),
        candidate('b', 5, 30_000),
        candidate('c', 9, 15_000),
        candidate('d', 5, 30_000),
        candidate('e', 2, 90_000)
      ]
      const decision = thresholdPromotion({ maxPromotionsPerRound: 5 }).decide(input({ loggedIn: 100, candidates: pool }))
      assert.deepEqual(decision.promote, ['c', 'b', 'd', 'a', 'e'])
      const three = thresholdPromotion({ maxPromotionsPerRound: 3 }).decide(input({ loggedIn: 100, candidates: pool }))
      assert.deepEqual(three.promote, ['c', 'b', 'd'])
    })

    it('does not promote a peer that is already a supernode', () => {
      const decision = thresholdPromotion().decide(input({
        loggedIn: 10,
        supernodes: [supernode('a', 5, 5)],
        candidates: [candidate('a', 50), candidate('b', 10)]
      }))
      assert.deepEqual(decision.promote, ['b'])
    })

    it('promotes a peer listed twice only once', () => {
      const decision = thresholdPromotion().decide(input({
        loggedIn: 100,
        candidates: [candidate('a', 10), candidate('a', 10), candidate('b', 5)]
      }))
      assert.deepEqual(decision.promote, ['a', 'b'])
    })

    it('promotes nothing, and demotes nothing, when no candidate is eligible', () => {
      const decision = thresholdPromotion().decide(input({
        loggedIn: 100,
        supernodes: [supernode('s1', 0, 1)],
        candidates: [candidate('a', 10, 1)]
      }))
      assert.deepEqual(decision, NO_CHANGE)
    })
  })

  describe('eligibility', () => {
    const shortOfSupernodes = (pool: PromotionCandidate[], policy: PromotionPolicy = thresholdPromotion()): string[] =>
      policy.decide(input({ loggedIn: 100, candidates: pool })).promote

    it('requires a reachable peer', () => {
      assert.deepEqual(shortOfSupernodes([candidate('nat', 50, 60_000, { reachable: false }), candidate('ok', 5)]), ['ok'])
      const lenient = thresholdPromotion({ eligibility: { requireReachable: false } })
      assert.deepEqual(shortOfSupernodes([candidate('nat', 50, 60_000, { reachable: false })], lenient), ['nat'])
    })

    it('requires the minimum capacity', () => {
      assert.deepEqual(shortOfSupernodes([candidate('one', 1), candidate('two', 2)]), ['two'])
      const strict = thresholdPromotion({ eligibility: { minCapacity: 3 } })
      assert.deepEqual(shortOfSupernodes([candidate('two', 2)], strict), [])
    })

    it('requires the minimum bandwidth', () => {
      assert.deepEqual(shortOfSupernodes([
        candidate('slow', 50, 60_000, { bandwidthKbps: 99 }),
        candidate('fast', 5, 60_000, { bandwidthKbps: 100 })
      ]), ['fast'])
    })

    it('requires the minimum uptime', () => {
      assert.deepEqual(shortOfSupernodes([candidate('new', 50, 9_999), candidate('old', 5, 10_000)]), ['old'])
      const patient = thresholdPromotion({ eligibility: { minUptimeMs: 0 } })
      assert.deepEqual(shortOfSupernodes([candidate('new', 50, 0)], patient), ['new'])
    })

    it('keeps defaults for eligibility fields not overridden, even when given as undefined', () => {
      const policy = thresholdPromotion({ eligibility: { minCapacity: undefined, minUptimeMs: 0 } })
      assert.deepEqual(shortOfSupernodes([candidate('one', 1, 0), candidate('two', 2, 0)], policy), ['two'])
    })

    it('isEligible applies every rule, inclusive at each bound', () => {
      const rule = DEFAULT_ELIGIBILITY
      const ok = profile({ capacity: 2, bandwidthKbps: 100 })
      assert.equal(isEligible(ok, 10_000, rule), true)
      assert.equal(isEligible(ok, 9_999, rule), false)
      assert.equal(isEligible({ ...ok, capacity: 1 }, 10_000, rule), false)
      assert.equal(isEligible({ ...ok, bandwidthKbps: 99 }, 10_000, rule), false)
      assert.equal(isEligible({ ...ok, reachable: false }, 10_000, rule), false)
      assert.equal(isEligible({ ...ok, reachable: false }, 10_000, { ...rule, requireReachable: false }), true)
    })

    it('isEligible rejects garbage numbers even under a rule that asks for nothing', () => {
      const anything = { requireReachable: false, minCapacity: 0, minBandwidthKbps: 0, minUptimeMs: 0 }
      assert.equal(isEligible(profile(), 0, anything), true)
      assert.equal(isEligible(profile({ capacity: Number.NaN }), 0, anything), false)
      assert.equal(isEligible(profile({ capacity: -1 }), 0, anything), false)
      assert.equal(isEligible(profile({ bandwidthKbps: Number.POSITIVE_INFINITY }), 0, anything), false)
      assert.equal(isEligible(profile(), -1, anything), false)
      assert.equal(isEligible(profile(), Number.NaN, anything), false)
    })

    it('has the documented defaults', () => {
      assert.deepEqual({ ...DEFAULT_ELIGIBILITY }, {
        requireReachable: true, minCapacity: 2, minBandwidthKbps: 100, minUptimeMs: 10_000
      })
      assert.throws(() => { (DEFAULT_ELIGIBILITY as { minCapacity: number }).minCapacity = 0 }, TypeError)
    })
  })

  describe('demotion', () => {
    // demand 5 -> needed 1, slack 1: more than 2 supernodes is an excess; wanted capacity 6.25
    const excess = (supernodes: SupernodeState[], nowMs = NOW): PromotionDecision =>
      thresholdPromotion().decide(input({ nowMs, loggedIn: 5, supernodes, candidates: candidates(4) }))

    it('demotes exactly one supernode, the least loaded', () => {
      const decision = excess([supernode('s1', 3, 10), supernode('s2', 1, 10), supernode('s3', 2, 10), supernode('s4', 0, 10)])
      assert.deepEqual(decision, { promote: [], demote: ['s4'] })
    })

    it('breaks load ties by lowest capacity, then id', () => {
      assert.deepEqual(excess([supernode('s1', 1, 10), supernode('s2', 1, 8), supernode('s3', 1, 9)]).demote, ['s2'])
      assert.deepEqual(excess([supernode('s3', 1, 8), supernode('s1', 1, 8), supernode('s2', 1, 8)]).demote, ['s1'])
    })

    it('does not demote a supernode before its tenure', () => {
      const young = (promotedAtMs: number): SupernodeState[] =>
        [supernode('s1', 3, 10), supernode('s2', 2, 10), supernode('s3', 0, 10, promotedAtMs)]
      // tenure exactly 30 s: may go
      assert.deepEqual(excess(young(NOW - 30_000)).demote, ['s3'])
      // 1 ms short: the next least loaded goes instead
      assert.deepEqual(excess(young(NOW - 29_999)).demote, ['s2'])
      // nobody old enough: nothing happens
      const allYoung = [supernode('s1', 3, 10, NOW), supernode('s2', 2, 10, NOW), supernode('s3', 0, 10, NOW)]
      assert.deepEqual(excess(allYoung), NO_CHANGE)
      // a promotion time in the future is no tenure at all
      assert.deepEqual(excess(young(NOW + 60_000)).demote, ['s2'])
    })

    it('never demotes a dedicated (operator\'s) supernode, though it counts as supply', () => {
      const mega = (id: string, load: number): SupernodeState => ({ ...supernode(id, load, 40), dedicated: true })
      // the idle operator's supernode is the least loaded: the next least loaded goes instead
      assert.deepEqual(excess([supernode('s1', 3, 10), supernode('s2', 2, 10), mega('m1', 0)]).demote, ['s2'])
      // only the operator's are in excess: nothing happens
      assert.deepEqual(excess([mega('m1', 0), mega('m2', 1), mega('m3', 0)]), NO_CHANGE)
      // and they still count: three of them are an excess that removes an ordinary one
      assert.deepEqual(excess([mega('m1', 0), mega('m2', 0), supernode('s1', 4, 10)]).demote, ['s1'])
    })

    it('honours a configured tenure', () => {
      const sns = [supernode('s1', 3, 10, NOW - 1_000), supernode('s2', 2, 10, NOW - 1_000), supernode('s3', 0, 10, NOW - 1_000)]
      const decide = (minTenureMs: number): PromotionDecision =>
        thresholdPromotion({ minTenureMs }).decide(input({ loggedIn: 5, supernodes: sns }))
      assert.deepEqual(decide(1_000).demote, ['s3'])
      assert.deepEqual(decide(1_001), NO_CHANGE)
    })

    it('does not demote when the remaining capacity would fall below demand plus headroom', () => {
      // total 9, demote 3 -> 6 < 6.25
      assert.deepEqual(excess([supernode('s1', 1, 3), supernode('s2', 1, 3), supernode('s3', 0, 3)]), NO_CHANGE)
      // total 10, demote 3 -> 7 >= 6.25
      assert.deepEqual(excess([supernode('s1', 1, 4), supernode('s2', 1, 3), supernode('s3', 0, 3)]).demote, ['s3'])
    })
  })

  describe('hysteresis', () => {
    it('does nothing at exactly the needed count with enough capacity', () => {
      // demand 20 -> needed 4, wanted capacity 25
      const supernodes = [supernode('s1', 5, 10), supernode('s2', 5, 10), supernode('s3', 5, 10), supernode('s4', 5, 10)]
      const decision = thresholdPromotion().decide(input({ loggedIn: 20, supernodes, candidates: candidates(4) }))
      assert.deepEqual(decision, NO_CHANGE)
    })

    it('does nothing anywhere inside the band up to needed + slack', () => {
      // demand 20 -> needed 4, slack max(1, ceil(4 * 0.25)) = 1: 4 and 5 are both stable
      for (const count of [4, 5]) {
        const supernodes = Array.from({ length: count }, (_, i) => supernode(`s${i}`, 0, 10))
        assert.deepEqual(thresholdPromotion().decide(input({ loggedIn: 20, supernodes, candidates: candidates(4) })), NO_CHANGE, `${count} supernodes`)
      }
      // 6 is an excess
      const six = Array.from({ length: 6 }, (_, i) => supernode(`s${i}`, 0, 10))
      assert.equal(thresholdPromotion().decide(input({ loggedIn: 20, supernodes: six })).demote.length, 1)
    })

    it('widens the band with the needed count', () => {
      // demand 100 -> needed 20, slack ceil(20 * 0.25) = 5: 25 stable, 26 excess
      const sns = (n: number): SupernodeState[] => Array.from({ length: n }, (_, i) => supernode(`s${String(i).padStart(2, '0')}`, 0, 10))
      const policy = thresholdPromotion()
      assert.deepEqual(policy.decide(input({ loggedIn: 100, supernodes: sns(25) })), NO_CHANGE)
      assert.equal(policy.decide(input({ loggedIn: 100, supernodes: sns(26) })).demote.length, 1)
    })

    it('settles under steady demand and then stays settled', () => {
      const policy = thresholdPromotion()
      const pool = candidates(30, 10)
      let supernodes: SupernodeState[] = []
      let nowMs = NOW
      const changes: number[] = []
      let peak = 0
      for (let round = 0; round < 40; round++) {
        nowMs += 10_000
        // demand drops after round 10: promotions first, then demotions
        const loggedIn = round < 10 ? 60 : 20
        const decision = policy.decide(input({ nowMs, loggedIn, supernodes, candidates: pool }))
        assert.ok(decision.promote.length === 0 || decision.demote.length === 0, 'never both in one round')
        changes.push(decision.promote.length + decision.demote.length)
        supernodes = supernodes
          .filter(sn => !decision.demote.includes(sn.id))
          .concat(decision.promote.map(id => supernode(id, 0, 10, nowMs)))
        peak = Math.max(peak, supernodes.length)
      }
      // demand 60: needed 12, reached four promotions at a time
      assert.ok(peak >= 12, `peaked at ${peak}`)
      // demand 20: needed 4, band up to 5
      assert.ok(supernodes.length >= 4 && supernodes.length <= 5, `settled at ${supernodes.length}`)
      assert.deepEqual(changes.slice(-10), new Array(10).fill(0))
    })
  })

  describe('untrusted input', () => {
    it('never promotes a candidate with garbage numbers or no id', () => {
      const pool: PromotionCandidate[] = [
        candidate('nan-capacity', Number.NaN),
        candidate('infinite-capacity', Number.POSITIVE_INFINITY),
        candidate('negative-capacity', -10),
        candidate('nan-uptime', 10, Number.NaN),
        candidate('negative-uptime', 10, -1),
        candidate('infinite-uptime', 10, Number.POSITIVE_INFINITY),
        candidate('infinite-bandwidth', 10, 60_000, { bandwidthKbps: Number.POSITIVE_INFINITY }),
        candidate('negative-bandwidth', 10, 60_000, { bandwidthKbps: -1 }),
        candidate('', 99),
        candidate('good', 3)
      ]
      const decision = thresholdPromotion({ maxPromotionsPerRound: 16, eligibility: { minBandwidthKbps: 0 } })
        .decide(input({ loggedIn: 1_000, candidates: pool }))
      assert.deepEqual(decision.promote, ['good'])
    })

    it('does not count a supernode with garbage numbers, nor demote it', () => {
      const garbage = [
        supernode('nan-capacity', 0, Number.NaN),
        supernode('negative-load', -5, 10),
        supernode('infinite-capacity', 0, Number.POSITIVE_INFINITY),
        supernode('nan-promoted', 0, 10, Number.NaN)
      ]
      // demand 1: one trusted supernode is needed and none is trusted
      const short = thresholdPromotion().decide(input({ loggedIn: 1, supernodes: garbage, candidates: [candidate('a')] }))
      assert.deepEqual(short, { promote: ['a'], demote: [] })

      // three trusted supernodes plus garbage: excess, but only trusted ones are demoted
      const trusted = [supernode('s1', 2, 10), supernode('s2', 1, 10), supernode('s3', 3, 10)]
      const decision = thresholdPromotion().decide(input({ loggedIn: 5, supernodes: [...garbage, ...trusted] }))
      assert.deepEqual(decision, { promote: [], demote: ['s2'] })
    })

    it('does not re-promote a listed supernode even when its numbers are garbage', () => {
      const decision = thresholdPromotion().decide(input({
        loggedIn: 1,
        supernodes: [supernode('a', Number.NaN, 10)],
        candidates: [candidate('a', 50), candidate('b', 5)]
      }))
      assert.deepEqual(decision.promote, ['b'])
    })

    it('counts a supernode listed twice once', () => {
      // demand 10 -> needed 2; one supernode listed twice is still one
      const sn = supernode('s1', 0, 100)
      const decision = thresholdPromotion().decide(input({ loggedIn: 10, supernodes: [sn, sn], candidates: [candidate('a')] }))
      assert.deepEqual(decision.promote, ['a'])
    })

    it('changes nothing when the round itself carries garbage', () => {
      const policy = thresholdPromotion()
      const base = { supernodes: [], candidates: candidates(2), loggedIn: 10 }
      for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
        assert.deepEqual(policy.decide(input({ ...base, loggedIn: bad })), NO_CHANGE, `loggedIn ${bad}`)
        assert.deepEqual(policy.decide(input({ ...base, unserved: bad })), NO_CHANGE, `unserved ${bad}`)
        assert.deepEqual(policy.decide(input({ ...base, nowMs: bad })), NO_CHANGE, `nowMs ${bad}`)
      }
      // and the same round with sane numbers does act
      assert.equal(policy.decide(input(base)).promote.length, 2)
    })
  })

  describe('determinism', () => {
    it('gives the same decision for the same input in any order', () => {
      const random = seededRandom(7)
      const pool = [
        ...candidates(6, 10, 50_000),
        candidate('x', 10, 50_000), candidate('y', 12, 1_000_000), candidate('z', 10, 70_000),
        candidate('x', 10, 50_000)
      ]
      const sns = [supernode('s1', 3, 4), supernode('s2', 1, 4)]
      const policy = thresholdPromotion()
      const expected = policy.decide(input({ loggedIn: 30, supernodes: sns, candidates: pool }))
      assert.deepEqual(expected.promote, ['y', 'z', 'c00', 'c01'])
      for (let i = 0; i < 50; i++) {
        const decision = policy.decide(input({ loggedIn: 30, supernodes: shuffle(sns, random), candidates: shuffle(pool, random) }))
        assert.deepEqual(decision, expected)
      }
    })

    it('does not modify its input', () => {
      const pool = candidates(5)
      const sns = [supernode('s2', 1, 1), supernode('s1', 0, 1)]
      const snapshot = structuredClone({ pool, sns })
      thresholdPromotion().decide(input({ loggedIn: 50, supernodes: sns, candidates: pool }))
      assert.deepEqual({ pool, sns }, snapshot)
    })

    it('keeps its invariants over many random rounds', () => {
      const random = seededRandom(2024)
      const policy = thresholdPromotion()
      const int = (max: number): number => Math.floor(random() * max)
      for (let round = 0; round < 500; round++) {
        const supernodes = Array.from({ length: int(12) }, (_, i) =>
          supernode(`s${i}`, int(20), int(20), NOW - int(60_000)))
        const pool = Array.from({ length: int(12) }, (_, i) =>
          candidate(`c${i}`, int(20), int(30_000), { reachable: random() < 0.8, bandwidthKbps: int(300) }))
        const decision = policy.decide(input({ loggedIn: int(100), unserved: int(20), supernodes, candidates: pool }))

        assert.ok(decision.promote.length === 0 || decision.demote.length === 0, 'never both')
        assert.ok(decision.promote.length <= 4)
        assert.ok(decision.demote.length <= 1)
        assert.equal(new Set(decision.promote).size, decision.promote.length)
        for (const id of decision.promote) {
          const c = pool.find(p => p.id === id)
          assert.ok(c != null && isEligible(c.profile, c.uptimeMs, DEFAULT_ELIGIBILITY), `${id} eligible`)
        }
        for (const id of decision.demote) {
          const sn = supernodes.find(s => s.id === id)
          assert.ok(sn != null && NOW - sn.promotedAtMs >= 30_000, `${id} served its tenure`)
        }
      }
    })
  })

  describe('configuration', () => {
    const invalid: Array<[string, Parameters<typeof thresholdPromotion>[0]]> = [
      ['clientsPerSupernode', { clientsPerSupernode: 0 }],
      ['clientsPerSupernode', { clientsPerSupernode: Number.NaN }],
      ['minSupernodes', { minSupernodes: -1 }],
      ['minSupernodes', { minSupernodes: 1.5 }],
      ['maxPromotionsPerRound', { maxPromotionsPerRound: 0 }],
      ['headroom', { headroom: -0.1 }],
      ['headroom', { headroom: Number.POSITIVE_INFINITY }],
      ['minTenureMs', { minTenureMs: -1 }],
      ['eligibility.minCapacity', { eligibility: { minCapacity: -1 } }],
      ['eligibility.minBandwidthKbps', { eligibility: { minBandwidthKbps: Number.NaN } }],
      ['eligibility.minUptimeMs', { eligibility: { minUptimeMs: -5 } }]
    ]
    for (const [field, init] of invalid) {
      it(`rejects an invalid ${field}: ${inspect(init, { breakLength: Infinity })}`, () => {
        assert.throws(() => thresholdPromotion(init), (err: unknown) => {
          assert.ok(err instanceof Error)
          assert.equal(err.name, 'InvalidAllocationConfigError')
          assert.equal((err as Error & { field: string }).field, field)
          assert.match(err.message, new RegExp(`^${field.replace('.', '\\.')}:`))
          return true
        })
      })
    }

    it('applies a configured ratio and headroom', () => {
      // 10 per supernode, no headroom: demand 20 needs 2 supernodes and 20 slots
      const policy = thresholdPromotion({ clientsPerSupernode: 10, headroom: 0 })
      const sns = [supernode('s1', 10, 10), supernode('s2', 10, 10)]
      assert.deepEqual(policy.decide(input({ loggedIn: 20, supernodes: sns, candidates: candidates(2) })), NO_CHANGE)
      assert.deepEqual(thresholdPromotion().decide(input({ loggedIn: 20, supernodes: sns, candidates: candidates(2) })).promote, ['c00', 'c01'])
    })
  })
})

describe('offeredCandidates', () => {
  const ids = (cs: PromotionCandidate[]): string[] => cs.map(c => c.id)

  it('names the best first, by capacity, then uptime, then id, at most max', () => {
    const cs = [candidate('a', 10, 5_000), candidate('b', 20, 1_000), candidate('c', 10, 9_000), candidate('d', 10, 9_000), candidate('e', 5, 99_000)]
    assert.deepEqual(ids(offeredCandidates(cs, new Set(), 3)), ['b', 'c', 'd'])
    assert.deepEqual(ids(offeredCandidates(cs, new Set(), 10)), ['b', 'c', 'd', 'a', 'e'])
  })

  it('names the clients the login server ordered promoted first, however they rank', () => {
    const cs = [...candidates(10, 10, 60_000), candidate('late', 10, 1_000)]
    const offered = ids(offeredCandidates(cs, new Set(['late', 'gone']), 4))
    assert.deepEqual(offered, ['late', 'c00', 'c01', 'c02'], 'an order stays offered; an ordered peer that is not a client is not invented')
  })

  it('ranks a client that heartbeated long ago by its uptime now, as the login server does', () => {
    // the caller passes uptimes as of now: 'early' started first and heartbeated 4 s ago,
    // the others heartbeated just now; the login server's choice is 'early'
    const nowMs = 10_000
    const sessions = [
      { id: 'early', reportedUptimeMs: 2_000, lastHeartbeatMs: 6_000 },
      ...Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, reportedUptimeMs: 5_000 + i, lastHeartbeatMs: nowMs }))
    ]
    const cs = sessions.map(s => candidate(s.id, 10, s.reportedUptimeMs + (nowMs - s.lastHeartbeatMs)))
    const offered = ids(offeredCandidates(cs, new Set(), 2))
    assert.deepEqual(offered, ['early', 'n7'])
    const policyChoice = thresholdPromotion({ clientsPerSupernode: 1, eligibility: { minUptimeMs: 0 } }).decide(input({ candidates: cs, loggedIn: 1 })).promote
    assert.equal(policyChoice[0], offered[0], 'the supernode offers the peer the policy picks')
  })

  it('leaves out untrusted entries and repeats, and names nobody for a bad max', () => {
    const cs = [candidate('a'), candidate('a', 99), candidate('bad', 10, Number.NaN), { ...candidate(''), id: '' }, candidate('b', 10, 1)]
    assert.deepEqual(ids(offeredCandidates(cs, new Set(['bad']), 8)), ['a', 'b'])
    for (const max of [0, -1, Number.NaN]) assert.deepEqual(offeredCandidates(cs, new Set(), max), [])
    assert.deepEqual(ids(offeredCandidates(cs, new Set(), 1.9)), ['a'])
  })
})
