/**
 * @packageDocumentation
 *
 * Stampede resource allocation: the pure decisions of the overlay. Which peers become
 * supernodes and which step down, how fast a peer may be admitted, how long to wait
 * before a retry. No I/O and no timers: time comes from an injected `Clock` and
 * randomness from an injected `Random`, so every decision is deterministic under test.
 */
export * from './constants.js'
export { InvalidAllocationConfigError } from './errors.js'
export { systemClock, manualClock } from './clock.js'
export type { Clock, ManualClock } from './clock.js'
export { sample, seededRandom, shuffle } from './random.js'
export type { Random } from './random.js'
export { isEligible } from './profile.js'
export type { ResourceProfile, EligibilityRule } from './profile.js'
export { offeredCandidates, thresholdPromotion } from './promotion.js'
export type {
  SupernodeState, PromotionCandidate, PromotionInput, PromotionDecision, PromotionPolicy, ThresholdPromotionInit
} from './promotion.js'
export { TokenBucket, createTokenBucket } from './token-bucket.js'
export type { TokenBucketInit } from './token-bucket.js'
export { exponentialBackoff } from './backoff.js'
export type { JitterMode, BackoffInit, Backoff } from './backoff.js'
export { admissionScheduler, checkAdmission, sheddingAdmission, SHEDDING_MAX_QUEUE_DELAY_MS } from './admission.js'
export type { AdmissionSettings, AdmissionTicket, AdmissionScheduler } from './admission.js'
export { firstFitReferral, twoChoicesReferral } from './referral.js'
export type { ReferralPolicy, SupernodeLoad } from './referral.js'
export { DEFAULT_PRESENCE_PACING, checkPresencePacing, presenceDecision } from './presence.js'
export type { PresencePacing, PresenceDecision } from './presence.js'
export { retryState, checkRetry } from './retry.js'
export type { RetrySettings, RetryState, BackoffKind } from './retry.js'
export {
  createPolicy, rateLimitedPromotion, emergencyPromotion, SWITCH_NAMES,
  DEFAULT_LOGIN_RATE, DEFAULT_ATTACH_RATE, DEFAULT_SLOW_PROMOTION_UPTIME_MS, DEFAULT_PROMOTION_WINDOW_MS, REFERRAL_RATE_FACTOR
} from './policy.js'
export type { AllocationPolicy, PolicyDescription, LegacySwitches, OverloadSettings, HostCachePolicy } from './policy.js'
