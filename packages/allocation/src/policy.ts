import { checkAdmission } from './admission.js'
import { checkFinite, InvalidAllocationConfigError } from './errors.js'
import { DEFAULT_PRESENCE_PACING, checkPresencePacing } from './presence.js'
import { thresholdPromotion } from './promotion.js'
import { firstFitReferral, twoChoicesReferral } from './referral.js'
import { checkRetry } from './retry.js'
import type { AdmissionSettings } from './admission.js'
import type { Clock } from './clock.js'
import type { PresencePacing } from './presence.js'
import type { PromotionDecision, PromotionInput, PromotionPolicy, ThresholdPromotionInit } from './promotion.js'
import type { ReferralPolicy } from './referral.js'
import type { RetrySettings } from './retry.js'

/**
 * The faults of the legacy policy, each a switch, so an experiment can find which one
 * matters. In the `legacy` family they default to on; in `adaptive`, to off.
 */
export interface LegacySwitches {
  /** promotion needs a long uptime (`slowPromotionUptimeMs`): rebooted peers cannot be promoted */
  slowPromotion: boolean
  /** at most one promotion per `promotionWindowMs` in the whole network */
  globalPromotionLimit: boolean
  /** referrals in a fixed order (every client herded onto the same supernodes) */
  herding: boolean
  /** admission queues without bound: under overload every request outwaits its client */
  unboundedQueues: boolean
  /** a full server answers nothing; the client finds out by timing out */
  silentRefusals: boolean
  /** an overloaded supernode drops its role instead of shedding load */
  roleDropping: boolean
  /**
   * clients retry in lock-step: plain exponential backoff with no jitter, no attempts cap
   * and no budget, and a server's retry-after is ignored (those who failed together
   * retry together)
   */
  immediateRetries: boolean
  /**
   * dead supernodes are never forgotten: the host cache is tried before fresh referrals,
   * and the login server refers a supernode until it expires, however long it has been silent
   */
  staleHostCache: boolean
}

export const SWITCH_NAMES: ReadonlyArray<keyof LegacySwitches> = [
  'slowPromotion', 'globalPromotionLimit', 'herding', 'unboundedQueues', 'silentRefusals',
  'roleDropping', 'immediateRetries', 'staleHostCache'
]

/** What an overloaded supernode does. */
export interface OverloadSettings {
  /** `shed`: refuse new clients with alternatives; `drop-role`: stop being a supernode */
  mode: 'shed' | 'drop-role'
  /** refusals within `windowMs` that count as overload */
  refusalsToDrop: number
  windowMs: number
}

export interface HostCachePolicy {
  /** `fresh-first`: referrals and alternatives before the cache; `cache-first`: the cache first */
  order: 'fresh-first' | 'cache-first'
  /** consecutive failures after which an entry is dropped; null: never */
  forgetAfterFailures: number | null
}

/** Every allocation decision of one run, in one place. */
export interface AllocationPolicy {
  readonly name: string
  readonly family: 'legacy' | 'adaptive' | 'custom'
  readonly switches: Readonly<LegacySwitches>
  /** login server: who is promoted or demoted */
  readonly promotion: PromotionPolicy
  /** login server: which supernodes a client is referred to; supernode: which alternatives it offers */
  readonly referral: ReferralPolicy
  /** login server: log-ins per second, its queue and its refusals */
  readonly loginAdmission: AdmissionSettings
  /**
   * login server: a lane of its own for referral requests from peers that are already
   * logged in (a valid token: no authentication to do), so a peer that lost its supernode
   * does not queue behind log-ins; null: one queue for everything (legacy)
   */
  readonly referralAdmission: AdmissionSettings | null
  /** supernode: attaches per second, its queue and its refusals (client slots come from the profile) */
  readonly attachAdmission: AdmissionSettings
  readonly overload: OverloadSettings
  /** client: how it retries log-ins and attaches */
  readonly retry: RetrySettings
  readonly hostCache: HostCachePolicy
  /**
   * login server: how long a log-in that finds no supernode with a free slot may wait for
   * one (a promotion under way) before it is refused; 0 refuses at once
   */
  readonly referralWaitMs: number
  /**
   * login server: how long a referral request from a peer already logged in (a valid token:
   * it lost its supernode) may be held for a supernode, within the wait the peer asked for;
   * one held request replaces the retries it would otherwise make; 0 answers at once
   */
  readonly referralHoldMs: number
  /**
   * login server: which supernodes it stops referring before they expire. A supernode that
   * has missed `afterMissedReports` load reports is not referred until it reports again; one
   * that a client reports unreachable, or whose last connection to the login server went
   * down, and has not reported since, is neither referred nor counted as spare capacity, so
   * a replacement may be promoted at once (a live one clears itself with its next report).
   * Lateness alone does not take a supernode out of the count: on a busy machine reports are
   * late all the time. null: referred until it expires (legacy `staleHostCache`)
   */
  readonly suspectSupernodes: { afterMissedReports: number } | null
  /**
   * supernode: due presence records wait while it or its host is busy (see
   * presenceDecision), in both families: publishing presence is background work, not one
   * of the 2007 faults. null: every record is published as soon as it is due
   */
  readonly presencePacing: PresencePacing | null
}

/** A policy as it travels in a config file: JSON, no functions. */
export interface PolicyDescription {
  family: 'legacy' | 'adaptive'
  /** turn single legacy faults on or off */
  switches?: Partial<LegacySwitches>
  /** a module whose default export `(base: AllocationPolicy) => AllocationPolicy` changes the policy */
  module?: string
  promotion?: ThresholdPromotionInit
  /** uptime needed for promotion under `slowPromotion` */
  slowPromotionUptimeMs?: number
  /** window of `globalPromotionLimit` */
  promotionWindowMs?: number
  loginAdmission?: Partial<AdmissionSettings>
  referralAdmission?: Partial<AdmissionSettings>
  attachAdmission?: Partial<AdmissionSettings>
  overload?: Partial<OverloadSettings>
  retry?: Partial<RetrySettings>
  referralWaitMs?: number
  referralHoldMs?: number
  suspectSupernodes?: { afterMissedReports: number } | null
  presencePacing?: Partial<PresencePacing> | null
}

export const DEFAULT_LOGIN_RATE = 20
/** Referral requests of logged-in peers cost no authentication: their lane serves this many times the log-in rate. */
export const REFERRAL_RATE_FACTOR = 10
export const DEFAULT_ATTACH_RATE = 10
export const DEFAULT_SLOW_PROMOTION_UPTIME_MS = 600_000
export const DEFAULT_PROMOTION_WINDOW_MS = 5_000
/** A peer that lost its supernode waits this long at the login server for a promotion under way rather than retrying. */
export const DEFAULT_REFERRAL_HOLD_MS = 6_000
/** One missed load report and a half: late enough not to suspect a live supernode whose report is merely slow. */
export const DEFAULT_SUSPECT_AFTER_MISSED_REPORTS = 1.5
/**
 * Adaptive: the longest a request may be given after timeouts in a row (5 s, 10 s, 20 s
 * with the default request timeout). At 1,000 peers on two cores, attaches that answered
 * in 5-7 s under a fixed 5 s timeout were all abandoned and retried, and the bring-up never
 * finished (78,000 attach timeouts in 17 minutes).
 */
export const DEFAULT_TIMEOUT_MAX_MS = 20_000

/**
 * Wrap a promotion policy so that the whole network promotes at most `max` peers per
 * `windowMs` (legacy: promotion rate-limited globally).
 */
export function rateLimitedPromotion (inner: PromotionPolicy, opts: { max: number, windowMs: number, clock: Clock }): PromotionPolicy {
  checkFinite('max', opts.max, 1)
  checkFinite('windowMs', opts.windowMs, 1)
  const recent: number[] = []
  return {
    name: `${inner.name}+global-limit`,
    decide (input: PromotionInput): PromotionDecision {
      const now = opts.clock.now()
      while (recent.length > 0 && (recent[0] as number) <= now - opts.windowMs) recent.shift()
      const decision = inner.decide(input)
      const room = Math.max(0, opts.max - recent.length)
      const promote = decision.promote.slice(0, room)
      for (let i = 0; i < promote.length; i++) recent.push(now)
      return { promote, demote: promote.length > 0 ? [] : decision.demote }
    }
  }
}

/**
 * Demand-driven emergency promotion: while peers are being turned away for lack of
 * supernodes (`unserved > 0`), decide with `emergency` (no uptime requirement, more
 * promotions per round); otherwise with `normal`.
 */
export function emergencyPromotion (normal: PromotionPolicy, emergency: PromotionPolicy): PromotionPolicy {
  return {
    name: `${normal.name}+emergency`,
    decide (input) {
      // short of supply: peers turned away, or no free slot left among the supernodes
      const spare = input.supernodes.reduce((a, s) => a + (Number.isFinite(s.capacity) && Number.isFinite(s.load) ? Math.max(0, s.capacity - s.load) : 0), 0)
      if ((Number.isFinite(input.unserved) && input.unserved > 0) || spare === 0) {
        const urgent = emergency.decide(input)
        if (urgent.promote.length > 0) return urgent
      }
      return normal.decide(input)
    }
  }
}

function switchesFor (desc: PolicyDescription): LegacySwitches {
  const on = desc.family === 'legacy'
  const s = Object.fromEntries(SWITCH_NAMES.map(n => [n, on])) as unknown as LegacySwitches
  for (const [k, v] of Object.entries(desc.switches ?? {})) {
    if (!SWITCH_NAMES.includes(k as keyof LegacySwitches)) {
      throw new InvalidAllocationConfigError(`switches.${k}`, `unknown switch; known: ${SWITCH_NAMES.join(', ')}`)
    }
    if (typeof v !== 'boolean') throw new InvalidAllocationConfigError(`switches.${k}`, 'expected true or false')
    s[k as keyof LegacySwitches] = v
  }
  return s
}

/**
 * Build the policy a description names. Both families share one code path; each legacy
 * switch replaces one adaptive behaviour with its faulty counterpart.
 */
export function createPolicy (desc: PolicyDescription, clock: Clock): AllocationPolicy {
  if (desc.family !== 'legacy' && desc.family !== 'adaptive') {
    throw new InvalidAllocationConfigError('family', `expected 'legacy' or 'adaptive', got ${String(desc.family)}`)
  }
  const switches = switchesFor(desc)
  const promotionInit = desc.promotion ?? {}
  const slowUptime = desc.slowPromotionUptimeMs ?? DEFAULT_SLOW_PROMOTION_UPTIME_MS
  checkFinite('slowPromotionUptimeMs', slowUptime, 0)
  const promotionWindowMs = desc.promotionWindowMs ?? DEFAULT_PROMOTION_WINDOW_MS
  checkFinite('promotionWindowMs', promotionWindowMs, 1)
  const normal = thresholdPromotion({
    ...promotionInit,
    eligibility: { ...promotionInit.eligibility, ...(switches.slowPromotion ? { minUptimeMs: slowUptime } : {}) }
  })
  let promotion: PromotionPolicy = normal
  if (!switches.slowPromotion) {
    // emergency promotion: no uptime requirement, twice the promotions per round
    promotion = emergencyPromotion(normal, thresholdPromotion({
      ...promotionInit,
      maxPromotionsPerRound: 2 * (promotionInit.maxPromotionsPerRound ?? 4),
      eligibility: { ...promotionInit.eligibility, minUptimeMs: 0 }
    }))
  }
  if (switches.globalPromotionLimit) {
    promotion = rateLimitedPromotion(promotion, { max: 1, windowMs: promotionWindowMs, clock })
  }
  const admission = (field: string, rate: number, given: Partial<AdmissionSettings> | undefined): AdmissionSettings => {
    const r = given?.ratePerSecond ?? rate
    const s: AdmissionSettings = {
      ratePerSecond: r,
      burst: Math.max(1, Math.ceil(r / 2)),
      maxQueueDelayMs: switches.unboundedQueues ? null : 1_000,
      refusal: switches.silentRefusals ? 'silent' : 'explicit',
      ...given
    }
    if (switches.unboundedQueues) s.maxQueueDelayMs = null
    if (switches.silentRefusals) s.refusal = 'silent'
    checkAdmission(field, s)
    return s
  }
  const retry: RetrySettings = switches.immediateRetries
    ? { backoff: 'exponential', baseMs: 500, maxMs: 8_000, maxAttempts: null, cooldownMs: 0, budget: null, honorRetryAfter: false, timeoutMaxMs: null, ...desc.retry }
    : { backoff: 'full-jitter', baseMs: 250, maxMs: 8_000, maxAttempts: 3, cooldownMs: 4_000, budget: { maxTokens: 10, ratio: 0.1 }, honorRetryAfter: true, timeoutMaxMs: DEFAULT_TIMEOUT_MAX_MS, ...desc.retry }
  if (switches.immediateRetries) {
    retry.maxMs = Math.max(retry.maxMs, retry.baseMs)
    if (retry.backoff === 'full-jitter' || retry.backoff === 'decorrelated-jitter') retry.backoff = 'exponential'
    retry.budget = null
    retry.honorRetryAfter = false
    retry.timeoutMaxMs = null
  }
  checkRetry('retry', retry)
  const overload: OverloadSettings = {
    mode: switches.roleDropping ? 'drop-role' : 'shed',
    refusalsToDrop: 10,
    windowMs: 5_000,
    ...desc.overload
  }
  if (switches.roleDropping) overload.mode = 'drop-role'
  if (overload.mode !== 'shed' && overload.mode !== 'drop-role') {
    throw new InvalidAllocationConfigError('overload.mode', `expected 'shed' or 'drop-role', got ${String(overload.mode)}`)
  }
  checkFinite('overload.refusalsToDrop', overload.refusalsToDrop, 1)
  checkFinite('overload.windowMs', overload.windowMs, 1)
  const referralWaitMs = desc.referralWaitMs ?? (switches.unboundedQueues ? 0 : 1_500)
  checkFinite('referralWaitMs', referralWaitMs, 0)
  const referralHoldMs = desc.referralHoldMs ?? (switches.unboundedQueues ? 0 : DEFAULT_REFERRAL_HOLD_MS)
  checkFinite('referralHoldMs', referralHoldMs, 0)
  let suspectSupernodes = switches.staleHostCache ? null : { afterMissedReports: DEFAULT_SUSPECT_AFTER_MISSED_REPORTS }
  if (desc.suspectSupernodes !== undefined && !switches.staleHostCache) suspectSupernodes = desc.suspectSupernodes
  if (suspectSupernodes != null) checkFinite('suspectSupernodes.afterMissedReports', suspectSupernodes.afterMissedReports, 1)
  const presencePacing = desc.presencePacing === null ? null : { ...DEFAULT_PRESENCE_PACING, ...desc.presencePacing }
  if (presencePacing != null) checkPresencePacing('presencePacing', presencePacing)
  return {
    name: desc.family,
    family: desc.family,
    switches,
    promotion,
    referral: switches.herding ? firstFitReferral() : twoChoicesReferral(),
    loginAdmission: admission('loginAdmission', DEFAULT_LOGIN_RATE, desc.loginAdmission),
    referralAdmission: switches.unboundedQueues
      ? null
      : admission('referralAdmission', REFERRAL_RATE_FACTOR * (desc.loginAdmission?.ratePerSecond ?? DEFAULT_LOGIN_RATE), desc.referralAdmission),
    attachAdmission: admission('attachAdmission', DEFAULT_ATTACH_RATE, desc.attachAdmission),
    overload,
    retry,
    hostCache: switches.staleHostCache
      ? { order: 'cache-first', forgetAfterFailures: null }
      : { order: 'fresh-first', forgetAfterFailures: 3 },
    referralWaitMs,
    referralHoldMs,
    suspectSupernodes,
    presencePacing
  }
}
