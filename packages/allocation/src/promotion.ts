import {
  DEFAULT_CLIENTS_PER_SUPERNODE, DEFAULT_ELIGIBILITY, DEFAULT_HEADROOM, DEFAULT_MAX_PROMOTIONS_PER_ROUND,
  DEFAULT_MIN_SUPERNODES, DEFAULT_MIN_TENURE_MS, DEMOTION_SLACK_FRACTION, MIN_DEMOTION_SLACK
} from './constants.js'
import { checkFinite, checkInteger, InvalidAllocationConfigError, isCount } from './errors.js'
import { isEligible } from './profile.js'
import type { EligibilityRule, ResourceProfile } from './profile.js'

/** A live supernode as the login server knows it. */
export interface SupernodeState {
  id: string
  /** attached clients at the last report */
  load: number
  /** client slots */
  capacity: number
  promotedAtMs: number
  lastReportMs: number
  /**
   * the operator's own server (a "mega-supernode"): it counts as supply but is never
   * demoted; @default false
   */
  dedicated?: boolean
}

/** A peer that could be promoted; not yet filtered for eligibility. */
export interface PromotionCandidate {
  id: string
  profile: ResourceProfile
  uptimeMs: number
}

export interface PromotionInput {
  nowMs: number
  /** live supernodes as the login server knows them */
  supernodes: readonly SupernodeState[]
  /** peers that could be promoted (not yet eligibility-filtered) */
  candidates: readonly PromotionCandidate[]
  /** peers currently logged in (clients attached + supernodes) */
  loggedIn: number
  /** peers recently turned away for lack of supernode capacity */
  unserved: number
}

/** Ids to promote and ids to demote this round. A round never does both. */
export interface PromotionDecision {
  promote: string[]
  demote: string[]
}

/** Decides, from one snapshot of the overlay, which peers change role. */
export interface PromotionPolicy {
  readonly name: string
  decide(input: PromotionInput): PromotionDecision
}

export interface ThresholdPromotionInit {
  /**
   * Target ratio of logged-in peers to supernodes.
   *
   * @default 5
   */
  clientsPerSupernode?: number

  /**
   * Never fewer supernodes than this.
   *
   * @default 1
   */
  minSupernodes?: number

  /**
   * At most this many promotions per round, so one burst of demand cannot promote the
   * whole network at once.
   *
   * @default 4
   */
  maxPromotionsPerRound?: number

  /**
   * Spare capacity wanted over demand, as a fraction of demand.
   *
   * @default 0.25
   */
  headroom?: number

  /**
   * A supernode is not demoted before this long after its promotion.
   *
   * @default 30_000
   */
  minTenureMs?: number

  /**
   * Overrides for single fields of the eligibility rule; the rest keep their defaults.
   *
   * @default DEFAULT_ELIGIBILITY
   */
  eligibility?: Partial<EligibilityRule>
}

interface ThresholdConfig {
  clientsPerSupernode: number
  minSupernodes: number
  maxPromotionsPerRound: number
  headroom: number
  minTenureMs: number
  eligibility: EligibilityRule
}

function eligibilityRule (init: Partial<EligibilityRule> = {}): EligibilityRule {
  const rule: EligibilityRule = {
    requireReachable: init.requireReachable ?? DEFAULT_ELIGIBILITY.requireReachable,
    minCapacity: init.minCapacity ?? DEFAULT_ELIGIBILITY.minCapacity,
    minBandwidthKbps: init.minBandwidthKbps ?? DEFAULT_ELIGIBILITY.minBandwidthKbps,
    minUptimeMs: init.minUptimeMs ?? DEFAULT_ELIGIBILITY.minUptimeMs
  }
  if (typeof rule.requireReachable !== 'boolean') {
    throw new InvalidAllocationConfigError('eligibility.requireReachable', `expected a boolean, got ${String(rule.requireReachable)}`)
  }
  checkFinite('eligibility.minCapacity', rule.minCapacity, 0)
  checkFinite('eligibility.minBandwidthKbps', rule.minBandwidthKbps, 0)
  checkFinite('eligibility.minUptimeMs', rule.minUptimeMs, 0)
  return rule
}

function thresholdConfig (init: ThresholdPromotionInit): ThresholdConfig {
  const config: ThresholdConfig = {
    clientsPerSupernode: init.clientsPerSupernode ?? DEFAULT_CLIENTS_PER_SUPERNODE,
    minSupernodes: init.minSupernodes ?? DEFAULT_MIN_SUPERNODES,
    maxPromotionsPerRound: init.maxPromotionsPerRound ?? DEFAULT_MAX_PROMOTIONS_PER_ROUND,
    headroom: init.headroom ?? DEFAULT_HEADROOM,
    minTenureMs: init.minTenureMs ?? DEFAULT_MIN_TENURE_MS,
    eligibility: eligibilityRule(init.eligibility)
  }
  checkFinite('clientsPerSupernode', config.clientsPerSupernode, Number.MIN_VALUE)
  checkInteger('minSupernodes', config.minSupernodes, 0)
  checkInteger('maxPromotionsPerRound', config.maxPromotionsPerRound, 1)
  checkFinite('headroom', config.headroom, 0)
  checkFinite('minTenureMs', config.minTenureMs, 0)
  return config
}

function isPeerId (id: unknown): id is string {
  return typeof id === 'string' && id.length > 0
}

/** A supernode whose every number can be trusted. */
function isTrustedSupernode (sn: SupernodeState): boolean {
  return isPeerId(sn.id) && isCount(sn.load) && isCount(sn.capacity) &&
    isCount(sn.promotedAtMs) && isCount(sn.lastReportMs)
}

/** A candidate whose every number can be trusted. */
function isTrustedCandidate (c: PromotionCandidate): boolean {
  return isPeerId(c.id) && c.profile != null && isCount(c.profile.capacity) &&
    isCount(c.profile.bandwidthKbps) && isCount(c.uptimeMs)
}

function compareIds (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Best first: capacity desc, then uptime desc, then id. */
function byPromotionRank (a: PromotionCandidate, b: PromotionCandidate): number {
  return (b.profile.capacity - a.profile.capacity) || (b.uptimeMs - a.uptimeMs) || compareIds(a.id, b.id)
}

/** Demotion victim first: load asc, then capacity asc, then id. */
function byDemotionRank (a: SupernodeState, b: SupernodeState): number {
  return (a.load - b.load) || (a.capacity - b.capacity) || compareIds(a.id, b.id)
}

/** One entry per id, the first of each in `items` order. */
function uniqueById<T extends { id: string }> (items: readonly T[]): T[] {
  const seen = new Set<string>()
  return items.filter(item => {
    if (seen.has(item.id)) return false
    seen.add(item.id)
    return true
  })
}

/**
 * The candidates a supernode names in one load report, at most `max`: first those of them
 * the login server has ordered promoted (`ordered`), then the rest best first (capacity,
 * then uptime, then id), as the promotion policy ranks them; untrusted entries are left
 * out. Uptimes must be as of now, not as last reported.
 *
 * Both rules keep an order deliverable. The order reaches its client in the answer to the
 * client's next heartbeat, and the login server keeps it only while the supernode offers
 * that client. Ranked by the uptime each client last reported, a supernode whose clients
 * heartbeat every few seconds named those that had heartbeated last, so the client the
 * login server had chosen dropped out of the reports just before its own heartbeat came,
 * every time: at 100 packed peers two orders were repeated for 30 s while 18 peers
 * waited for a free slot.
 */
export function offeredCandidates (candidates: readonly PromotionCandidate[], ordered: ReadonlySet<string>, max: number): PromotionCandidate[] {
  if (!Number.isFinite(max) || max <= 0) return []
  const isOrdered = (c: PromotionCandidate): number => ordered.has(c.id) ? 1 : 0
  return uniqueById(candidates.filter(isTrustedCandidate))
    .sort((a, b) => (isOrdered(b) - isOrdered(a)) || byPromotionRank(a, b))
    .slice(0, Math.floor(max))
}

const NO_CHANGE = (): PromotionDecision => ({ promote: [], demote: [] })

/**
 * Keeps the supernode count and capacity in proportion to demand (logged-in plus
 * recently unserved peers). When short of supernodes or of capacity it promotes the best
 * eligible candidates, at most `maxPromotionsPerRound`; when well over what it needs it
 * demotes the least loaded supernode that has served `minTenureMs` (never a dedicated
 * one, the operator's own), one per round. A
 * round never promotes and demotes together, and the demotion band sits well above the
 * promotion threshold so the count does not flap.
 *
 * Untrusted input is ignored: a supernode or candidate with a missing id or a negative,
 * NaN or infinite number does not count and is never chosen (a listed supernode's id is
 * still never promoted again). A round whose `nowMs`, `loggedIn` or `unserved` is such a
 * number changes nothing.
 */
export function thresholdPromotion (init: ThresholdPromotionInit = {}): PromotionPolicy {
  const config = thresholdConfig(init)

  function decide (input: PromotionInput): PromotionDecision {
    if (!isCount(input.nowMs) || !isCount(input.loggedIn) || !isCount(input.unserved)) {
      return NO_CHANGE()
    }

    const supernodes = uniqueById(input.supernodes.filter(isTrustedSupernode))
    const demand = input.loggedIn + input.unserved
    const needed = Math.max(config.minSupernodes, Math.ceil(demand / config.clientsPerSupernode))
    const wantedCapacity = demand * (1 + config.headroom)
    const totalCapacity = supernodes.reduce((sum, sn) => sum + sn.capacity, 0)

    if (supernodes.length < needed || totalCapacity < wantedCapacity) {
      return { promote: choosePromotions(input, needed - supernodes.length, wantedCapacity - totalCapacity), demote: [] }
    }

    const slack = Math.max(MIN_DEMOTION_SLACK, Math.ceil(needed * DEMOTION_SLACK_FRACTION))
    if (supernodes.length <= needed + slack) {
      return NO_CHANGE()
    }

    const victim = supernodes
      .filter(sn => sn.dedicated !== true && input.nowMs - sn.promotedAtMs >= config.minTenureMs)
      .sort(byDemotionRank)[0]
    if (victim == null || totalCapacity - victim.capacity < wantedCapacity) {
      return NO_CHANGE()
    }
    return { promote: [], demote: [victim.id] }
  }

  function choosePromotions (input: PromotionInput, countDeficit: number, capacityDeficit: number): string[] {
    const supernodeIds = new Set(input.supernodes.map(sn => sn.id))
    const ranked = uniqueById(
      input.candidates
        .filter(c => isTrustedCandidate(c) && !supernodeIds.has(c.id))
        .filter(c => isEligible(c.profile, c.uptimeMs, config.eligibility))
        .sort(byPromotionRank)
    )

    const promote: string[] = []
    let added = 0
    for (const candidate of ranked) {
      if (promote.length >= config.maxPromotionsPerRound) break
      const countCovered = promote.length >= countDeficit
      if (countCovered && added >= capacityDeficit) break
      // once the count is covered only capacity helps: an empty candidate adds nothing
      if (countCovered && candidate.profile.capacity === 0) continue
      promote.push(candidate.id)
      added += candidate.profile.capacity
    }
    return promote
  }

  return { name: 'threshold', decide }
}
