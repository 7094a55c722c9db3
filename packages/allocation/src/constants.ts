import type { JitterMode } from './backoff.js'
import type { EligibilityRule } from './profile.js'

/**
 * Every default of the allocation package. Each init field documents which of these it
 * falls back to.
 */

/** Whether a supernode must be publicly reachable (not behind NAT). */
export const DEFAULT_REQUIRE_REACHABLE = true
/** Client slots a peer must offer to be worth promoting. */
export const DEFAULT_MIN_CAPACITY = 2
/** Upstream bandwidth, KB/s, a peer must offer to be worth promoting. */
export const DEFAULT_MIN_BANDWIDTH_KBPS = 100
/** How long a peer must have been up before it is trusted with clients. */
export const DEFAULT_MIN_UPTIME_MS = 10_000

/** The eligibility rule a promotion policy applies unless told otherwise. */
export const DEFAULT_ELIGIBILITY: EligibilityRule = Object.freeze({
  requireReachable: DEFAULT_REQUIRE_REACHABLE,
  minCapacity: DEFAULT_MIN_CAPACITY,
  minBandwidthKbps: DEFAULT_MIN_BANDWIDTH_KBPS,
  minUptimeMs: DEFAULT_MIN_UPTIME_MS
})

/** Target number of logged-in peers per supernode. */
export const DEFAULT_CLIENTS_PER_SUPERNODE = 5
/** The overlay never runs with fewer supernodes than this. */
export const DEFAULT_MIN_SUPERNODES = 1
/** At most this many peers are promoted in one decision round. */
export const DEFAULT_MAX_PROMOTIONS_PER_ROUND = 4
/** Spare supernode capacity wanted over demand, as a fraction of demand. */
export const DEFAULT_HEADROOM = 0.25
/** A supernode is not demoted before it has served this long. */
export const DEFAULT_MIN_TENURE_MS = 30_000

/**
 * Hysteresis band for demotion (not configurable): the threshold policy demotes only when
 * it holds more than `needed + max(MIN_DEMOTION_SLACK, ceil(needed * DEMOTION_SLACK_FRACTION))`
 * supernodes, so a count at or just above `needed` never flaps.
 */
export const DEMOTION_SLACK_FRACTION = 0.25
export const MIN_DEMOTION_SLACK = 1

/** First retry delay of an exponential backoff. */
export const DEFAULT_BACKOFF_BASE_MS = 200
/** No backoff delay is longer than this. */
export const DEFAULT_BACKOFF_MAX_MS = 10_000
/** Growth factor of the backoff delay per attempt. */
export const DEFAULT_BACKOFF_FACTOR = 2
/** Backoff jitter: full jitter spreads retries of many peers over the whole window. */
export const DEFAULT_BACKOFF_JITTER: JitterMode = 'full'
