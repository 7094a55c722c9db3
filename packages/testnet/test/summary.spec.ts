import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { checkAssertions } from '../src/runner.js'
import { loadScenario } from '../src/scenario.js'
import { gini, summarize } from '../src/summary.js'
import type { Assertion } from '../src/scenario.js'
import type { Markers, Sample } from '../src/summary.js'

/** Repository root: this file runs as packages/testnet/<outDir>/test/summary.spec.js. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

const ONLINE = 100

/** One timeline row at `t` seconds: a quiet, healthy network unless `fields` say otherwise. */
function sample (t: number, fields: Partial<Sample> = {}): Sample {
  const loggedInShare = fields.loggedInShare ?? 0.98
  return {
    t,
    phase: 'run',
    online: ONLINE,
    loggedIn: Math.round(loggedInShare * ONLINE),
    loggedInShare,
    supernodes: 10,
    capacity: 80,
    demand: 90,
    loginAttempts: 0,
    loginSuccesses: 0,
    loginRefusals: 0,
    loginTimeouts: 0,
    loginErrors: 0,
    attachAttempts: 0,
    attachSuccesses: 0,
    attachRefusals: 0,
    attachTimeouts: 0,
    loginServerRequests: 0,
    loginServerLogins: 0,
    loginServerServed: 0,
    clientsPerSnMax: 9,
    clientsPerSnMean: 9,
    clientsPerSnGini: 0,
    snUtilisation: 0.9,
    promotions: 0,
    demotions: 0,
    overloadDemotions: 0,
    messagesPerNodePerSecond: 2,
    hostCpu: 0.5,
    ...fields
  }
}

/** A sample every second from t = 0 to t = `end` inclusive. */
function timeline (end: number, at: (t: number) => Partial<Sample>): Sample[] {
  return Array.from({ length: end + 1 }, (_, t) => sample(t, at(t)))
}

const RUN = { policy: 'legacy', seed: 7, nodes: ONLINE }

/**
 * Legacy-like: 0.6 long before the trigger, 0.98 in the 20 s before it, 0.1 after the trigger
 * at 100, 0.2 after the restart ends at 130 until the operator's inject at 400; then 0.5 from
 * 400, 0.9 from 410 and 0.97 from 420 to the end at 500.
 */
const LEGACY_MARKERS: Markers = { trigger: 100, restartEnd: 130, inject: 400 }
function legacyShare (t: number): number {
  if (t < 80) return 0.6
  if (t < 100) return 0.98
  if (t < 130) return 0.1
  if (t < 400) return 0.2
  if (t < 410) return 0.5
  if (t < 420) return 0.9
  return 0.97
}

/**
 * Adaptive-like: 0.98 before the trigger at 100, 0.5 until the restart ends at 130, then a
 * ramp 0.40, 0.44, ..., 0.84 and 0.97 from 142 (12 s after the restart end) to the end at 300.
 */
const ADAPTIVE_MARKERS: Markers = { trigger: 100, restartEnd: 130, inject: null }
function adaptiveShare (t: number): number {
  if (t < 100) return 0.98
  if (t < 130) return 0.5
  if (t < 142) return 0.4 + (t - 130) * 0.04
  return 0.97
}

describe('gini', () => {
  it('is 0 for equal loads, an empty list and all zeros', () => {
    assert.equal(gini([5, 5, 5, 5]), 0)
    assert.equal(gini([1]), 0)
    assert.equal(gini([]), 0)
    assert.equal(gini([0, 0, 0]), 0)
  })

  it('is (n-1)/n when one holds everything, approaching 1', () => {
    for (const n of [2, 5, 10, 100]) {
      const loads = Array.from({ length: n }, (_, i) => (i === n - 1 ? 40 : 0))
      assert.ok(Math.abs(gini(loads) - (n - 1) / n) < 1e-12, `n=${n}: ${gini(loads)}`)
    }
    assert.ok(gini([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000]) > 0.9)
  })

  it('does not depend on order and grows with inequality', () => {
    assert.equal(gini([3, 1, 2]), gini([1, 2, 3]))
    assert.ok(gini([1, 2, 3]) > 0)
    assert.ok(gini([1, 1, 10]) > gini([1, 2, 3]))
  })

  it('ignores NaN, infinities and negative loads', () => {
    assert.equal(gini([5, Number.NaN, 5, Number.POSITIVE_INFINITY, -3, 5]), 0)
    assert.equal(gini([0, 8, Number.NaN, -1]), gini([0, 8]))
    assert.equal(gini([Number.NaN, Number.NEGATIVE_INFINITY]), 0)
  })
})

describe('summarize: a legacy-like collapse', () => {
  const samples = timeline(500, t => ({ loggedInShare: legacyShare(t) }))
  const s = summarize(samples, LEGACY_MARKERS, RUN)

  it('measures the pre-trigger share over the 20 s before the trigger only', () => {
    assert.equal(s.preTriggerLoggedInShare, 0.98)
  })

  it('finds the lowest share after the trigger', () => {
    assert.equal(s.minLoggedInShare, 0.1)
    assert.equal(s.finalLoggedInShare, 0.97)
  })

  it('measures recovery from the end of the restart, relative to the pre-trigger share', () => {
    assert.equal(s.recovery50Seconds, 270)
    assert.equal(s.recovery90Seconds, 280)
    assert.equal(s.recovery95Seconds, 290)
  })

  it('counts the time below half from the restart end until the inject', () => {
    assert.equal(s.belowHalfSeconds, 400 - 130)
  })

  it('gives null recovery times for levels never reached before the end', () => {
    const stuck = timeline(450, t => ({ loggedInShare: t < 100 ? 0.98 : t < 440 ? 0.2 : 0.9 }))
    const r = summarize(stuck, { trigger: 100, restartEnd: 130, inject: null }, RUN)
    assert.equal(r.recovery50Seconds, 310)
    assert.equal(r.recovery90Seconds, 310)
    assert.equal(r.recovery95Seconds, null)
    assert.equal(summarize(timeline(450, t => ({ loggedInShare: t < 100 ? 0.98 : 0.2 })), { trigger: 100, restartEnd: 130, inject: null }, RUN).recovery50Seconds, null)
  })

  it('counts the time below half until the end when nobody steps in', () => {
    const stuck = timeline(450, t => ({ loggedInShare: t < 100 ? 0.98 : 0.2 }))
    assert.equal(summarize(stuck, { trigger: 100, restartEnd: 130, inject: null }, RUN).belowHalfSeconds, 450 - 130)
  })

  it('keeps the run\'s identity and markers', () => {
    assert.equal(s.policy, 'legacy')
    assert.equal(s.seed, 7)
    assert.equal(s.nodes, ONLINE)
    assert.deepEqual(s.markers, LEGACY_MARKERS)
  })
})

describe('summarize: an adaptive-like recovery', () => {
  const s = summarize(timeline(300, t => ({ loggedInShare: adaptiveShare(t) })), ADAPTIVE_MARKERS, { ...RUN, policy: 'adaptive' })

  it('recovers to 95 % of the pre-trigger share 12 s after the restart end', () => {
    assert.equal(s.preTriggerLoggedInShare, 0.98)
    assert.equal(s.recovery95Seconds, 12)
    assert.equal(s.recovery90Seconds, 12)
    assert.equal(s.recovery50Seconds, 3)
  })

  it('is below half only until the share first reaches 0.5', () => {
    assert.equal(s.belowHalfSeconds, 3)
    assert.equal(s.minLoggedInShare, 0.4)
  })

  it('gives 0 s when the share never fell below the level after the restart', () => {
    const quick = summarize(timeline(200, t => ({ loggedInShare: t >= 100 && t < 120 ? 0.3 : 0.98 })), { trigger: 100, restartEnd: 130, inject: null }, RUN)
    assert.equal(quick.recovery95Seconds, 0)
    assert.equal(quick.belowHalfSeconds, 0)
    assert.equal(quick.minLoggedInShare, 0.3)
  })
})

describe('summarize: login attempts and the login server', () => {
  it('counts attempts per log-in only from the trigger to the inject', () => {
    const samples = timeline(300, t => t < 100
      ? { loginAttempts: 10, loginSuccesses: 1 }
      : t < 200 ? { loginAttempts: 3, loginSuccesses: 2 } : { loginAttempts: 50, loginSuccesses: 1 })
    assert.equal(summarize(samples, { trigger: 100, restartEnd: 120, inject: 200 }, RUN).attemptsPerLogin, 1.5)
    // without an inject, up to the end: (100 * 3 + 101 * 50) / (100 * 2 + 101 * 1)
    assert.equal(summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN).attemptsPerLogin, 17.774)
  })

  it('has no attempts-per-log-in figure without a successful log-in', () => {
    const samples = timeline(200, t => ({ loginAttempts: t >= 100 ? 5 : 1, loginSuccesses: t >= 100 ? 0 : 1 }))
    assert.equal(summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN).attemptsPerLogin, null)
  })

  it('smooths a single spike with the 5-sample mean', () => {
    // 100 req/s long before the trigger does not count: steady is the 20 s before it
    const samples = timeline(200, t => ({ loginServerRequests: t < 80 ? 100 : t === 150 ? 60 : 10 }))
    const s = summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN)
    assert.equal(s.loginServerSteadyRequestsPerSecond, 10)
    assert.equal(s.loginServerPeakRequestsPerSecond, 20)
    assert.equal(s.loginServerPeakRatio, 2)
  })

  it('smooths a single spike right at the trigger too', () => {
    const samples = timeline(200, t => ({ loginServerRequests: t === 100 ? 60 : 10 }))
    const s = summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN)
    assert.equal(s.loginServerPeakRequestsPerSecond, 20)
    assert.equal(s.loginServerPeakRatio, 2)
  })

  it('reports a sustained rise in full', () => {
    const samples = timeline(200, t => ({ loginServerRequests: t >= 120 && t < 140 ? 35 : 10 }))
    assert.equal(summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN).loginServerPeakRatio, 3.5)
  })

  it('has no peak ratio when the login server was idle before the trigger', () => {
    const samples = timeline(200, t => ({ loginServerRequests: t < 100 ? 0 : 30 }))
    const s = summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN)
    assert.equal(s.loginServerPeakRatio, null)
    assert.equal(s.loginServerSteadyRequestsPerSecond, 0)
    assert.equal(s.loginServerPeakRequestsPerSecond, 30)
  })
})

describe('summarize: counters and missing markers', () => {
  it('counts overload demotions after the trigger, and all demotions and promotions', () => {
    const samples = timeline(200, t => ({
      overloadDemotions: t < 130 ? 1 : t < 150 ? 2 : 4,
      demotions: t < 130 ? 2 : 6,
      promotions: t < 160 ? 5 : 9,
      messagesPerNodePerSecond: t < 100 ? 100 : 3
    }))
    const s = summarize(samples, { trigger: 100, restartEnd: 120, inject: null }, RUN)
    assert.equal(s.overloadDemotions, 3)
    assert.equal(s.demotions, 6)
    assert.equal(s.promotions, 9)
    assert.equal(s.messagesPerNodePerSecond, 3)
    assert.equal(s.peakHostCpu, 0.5)
  })

  it('gives nulls, not a crash, without a trigger', () => {
    const samples = timeline(100, t => ({ loggedInShare: t < 50 ? 0.98 : 0.2, loginAttempts: 3, loginSuccesses: 1, loginServerRequests: 10, hostCpu: t === 60 ? 0.9 : 0.4 }))
    const s = summarize(samples, { trigger: null, restartEnd: null, inject: null }, RUN)
    assert.equal(s.preTriggerLoggedInShare, null)
    assert.equal(s.minLoggedInShare, null)
    assert.equal(s.recovery50Seconds, null)
    assert.equal(s.recovery90Seconds, null)
    assert.equal(s.recovery95Seconds, null)
    assert.equal(s.belowHalfSeconds, null)
    assert.equal(s.attemptsPerLogin, null)
    assert.equal(s.loginServerPeakRatio, null)
    assert.equal(s.messagesPerNodePerSecond, null)
    assert.equal(s.overloadDemotions, 0)
    assert.equal(s.finalLoggedInShare, 0.2)
    assert.equal(s.peakHostCpu, 0.9)
  })

  it('gives nulls for an empty timeline', () => {
    for (const markers of [{ trigger: null, restartEnd: null, inject: null }, { trigger: 10, restartEnd: 20, inject: 30 }]) {
      const s = summarize([], markers, RUN)
      assert.equal(s.preTriggerLoggedInShare, null)
      assert.equal(s.minLoggedInShare, null)
      assert.equal(s.recovery95Seconds, null)
      assert.equal(s.attemptsPerLogin, null)
      assert.equal(s.loginServerPeakRatio, null)
      assert.equal(s.finalLoggedInShare, null)
      assert.equal(s.peakHostCpu, null)
      assert.equal(s.overloadDemotions, 0)
      assert.equal(s.demotions, 0)
    }
  })
})

describe('checkAssertions', () => {
  const adaptive = summarize(timeline(300, t => ({ loggedInShare: adaptiveShare(t) })), ADAPTIVE_MARKERS, { ...RUN, policy: 'adaptive' })
  const assertion = (a: Omit<Assertion, 'nullPasses'> & { nullPasses?: boolean }): Assertion => ({ nullPasses: false, ...a })

  it('checks max bounds, inclusively', () => {
    const [ok, edge, fail] = checkAssertions([
      assertion({ metric: 'recovery95Seconds', max: 60 }),
      assertion({ metric: 'recovery95Seconds', max: 12 }),
      assertion({ metric: 'recovery95Seconds', max: 10 })
    ], adaptive)
    assert.equal(ok?.passed, true)
    assert.equal(edge?.passed, true)
    assert.equal(fail?.passed, false)
    assert.match(fail?.detail ?? '', /measured 12/)
    assert.equal(ok?.name, 'recovery95Seconds <= 60')
  })

  it('checks min bounds and both bounds together', () => {
    const results = checkAssertions([
      assertion({ metric: 'minLoggedInShare', min: 0.3 }),
      assertion({ metric: 'minLoggedInShare', min: 0.5 }),
      assertion({ metric: 'finalLoggedInShare', min: 0.9, max: 1 }),
      assertion({ metric: 'finalLoggedInShare', min: 0.9, max: 0.95 })
    ], adaptive)
    assert.deepEqual(results.map(r => r.passed), [true, false, true, false])
    assert.equal(results[2]?.name, 'finalLoggedInShare >= 0.9 and <= 1')
  })

  it('applies an assertion only to runs of its policy', () => {
    const assertions = [
      assertion({ metric: 'minLoggedInShare', max: 0.3, policy: 'legacy' }),
      assertion({ metric: 'recovery95Seconds', max: 60, policy: 'adaptive' }),
      assertion({ metric: 'overloadDemotions', max: 0 })
    ]
    const forAdaptive = checkAssertions(assertions, adaptive)
    assert.deepEqual(forAdaptive.map(r => r.name), ['recovery95Seconds <= 60 (adaptive)', 'overloadDemotions <= 0'])
    assert.ok(forAdaptive.every(r => r.passed))
    const forLegacy = checkAssertions(assertions, { ...adaptive, policy: 'legacy' })
    assert.deepEqual(forLegacy.map(r => r.name), ['minLoggedInShare <= 0.3 (legacy)', 'overloadDemotions <= 0'])
    assert.equal(forLegacy[0]?.passed, false)
  })

  it('fails a missing value unless nullPasses', () => {
    const never = { ...adaptive, recovery95Seconds: null }
    const [strict, lenient] = checkAssertions([
      assertion({ metric: 'recovery95Seconds', max: 60 }),
      assertion({ metric: 'recovery95Seconds', max: 60, nullPasses: true })
    ], never)
    assert.equal(strict?.passed, false)
    assert.match(strict?.detail ?? '', /no value/)
    assert.equal(lenient?.passed, true)
  })

  it('returns nothing for no assertions', () => {
    assert.deepEqual(checkAssertions([], adaptive), [])
  })
})

describe('the headline scenario\'s assertions', () => {
  // the headline's timing: trigger at 100 s, restarts spread over 20 s, 300 s of observation, inject, 60 s more
  const markers: Markers = { trigger: 100, restartEnd: 120, inject: 420 }

  it('pass for a legacy run stuck until the operator steps in', async () => {
    const scenario = await loadScenario(join(REPO_ROOT, 'testnet', 'scenarios', 'patch-tuesday-2007.yaml'))
    const samples = timeline(480, t => ({ loggedInShare: t < 100 ? 0.98 : t < 420 ? 0.15 : t < 430 ? 0.6 : 0.96 }))
    const results = checkAssertions(scenario.assertions, summarize(samples, markers, { ...RUN, policy: 'legacy' }))
    assert.equal(results.length, 3)
    assert.deepEqual(results.filter(r => !r.passed), [])
  })

  it('pass for an adaptive run that heals itself, and fail for one that does not', async () => {
    const scenario = await loadScenario(join(REPO_ROOT, 'testnet', 'scenarios', 'patch-tuesday-2007.yaml'))
    const healthy = timeline(480, t => ({
      loggedInShare: t < 100 ? 0.98 : t < 140 ? 0.6 : 0.97,
      loginAttempts: t >= 100 && t < 140 ? 11 : 1,
      loginSuccesses: t >= 100 && t < 140 ? 10 : 1,
      loginServerRequests: t >= 120 && t < 125 ? 18 : 10
    }))
    const results = checkAssertions(scenario.assertions, summarize(healthy, markers, { ...RUN, policy: 'adaptive' }))
    assert.equal(results.length, 4)
    assert.deepEqual(results.filter(r => !r.passed), [])
    const stuck = timeline(480, t => ({ loggedInShare: t < 100 ? 0.98 : 0.6, loginAttempts: 3, loginSuccesses: 1, loginServerRequests: 10, overloadDemotions: t < 150 ? 0 : 2 }))
    const failed = checkAssertions(scenario.assertions, summarize(stuck, markers, { ...RUN, policy: 'adaptive' })).filter(r => !r.passed)
    assert.deepEqual(failed.map(r => r.name.split(' ')[0]), ['recovery95Seconds', 'attemptsPerLogin', 'overloadDemotions'])
  })
})
