import { isCount } from './errors.js'

/** A peer's resources as it declares them. */
export interface ResourceProfile {
  name: string
  /** publicly reachable (not behind NAT) */
  reachable: boolean
  /** client slots this peer could serve if it were a supernode */
  capacity: number
  /** upstream bandwidth in KB/s */
  bandwidthKbps: number
}

/** What a peer must offer before it may become a supernode. */
export interface EligibilityRule {
  requireReachable: boolean
  minCapacity: number
  minBandwidthKbps: number
  minUptimeMs: number
}

/**
 * Whether a peer with `profile`, up for `uptimeMs`, may be promoted under `rule`. A
 * profile or uptime holding a negative, NaN or infinite number is never eligible.
 */
export function isEligible (profile: ResourceProfile, uptimeMs: number, rule: EligibilityRule): boolean {
  if (!isCount(profile.capacity) || !isCount(profile.bandwidthKbps) || !isCount(uptimeMs)) {
    return false
  }
  if (rule.requireReachable && profile.reachable !== true) {
    return false
  }
  return profile.capacity >= rule.minCapacity &&
    profile.bandwidthKbps >= rule.minBandwidthKbps &&
    uptimeMs >= rule.minUptimeMs
}
