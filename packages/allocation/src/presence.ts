import { InvalidAllocationConfigError, checkFinite } from './errors.js'

/**
 * When a supernode puts a due presence record into the DHT. Publishing is background work:
 * a put is a DHT query and a store on the closest supernodes, about as much CPU as a log-in
 * and an attach together, and none of it is needed to log anyone in. A supernode that is
 * busy (its event loop running most of the time, or its host's CPU contended: runnable
 * work waiting for a core, as in a log-in flood or, on a testnet, every node's bring-up on
 * a few cores) lets due records wait, and publishes a record anyway once it has waited
 * `maxDeferMs`, so a host that never calms down still publishes, only later.
 */
export interface PresencePacing {
  /**
   * The busy share (0-1) at or above which due records wait: over the last `retryMs` or so,
   * the larger of the share of time the supernode's event loop ran code and the share of
   * time its host had runnable work waiting for a core (CPU pressure).
   */
  busyShare: number
  /** a waiting record is looked at again after this long */
  retryMs: number
  /** the longest a record waits past its due time for a quiet moment; 0 never waits */
  maxDeferMs: number
}

export type PresenceDecision = { publish: true } | { publish: false, waitMs: number }

/** Default pacing: wait while busy half the time or more, look again every second, at most 30 s. */
export const DEFAULT_PRESENCE_PACING: Readonly<PresencePacing> = Object.freeze({
  busyShare: 0.5,
  retryMs: 1_000,
  maxDeferMs: 30_000
})

/** Throws InvalidAllocationConfigError naming the field unless `p` is usable. */
export function checkPresencePacing (field: string, p: PresencePacing): void {
  if (typeof p.busyShare !== 'number' || !Number.isFinite(p.busyShare) || p.busyShare <= 0 || p.busyShare > 1) {
    throw new InvalidAllocationConfigError(`${field}.busyShare`, `expected a number in (0, 1], got ${String(p.busyShare)}`)
  }
  checkFinite(`${field}.retryMs`, p.retryMs, 1)
  checkFinite(`${field}.maxDeferMs`, p.maxDeferMs, 0)
}

/**
 * Publish a due record now, or wait? `busy` is the supernode's busy share over the recent
 * past (0-1, see PresencePacing.busyShare; anything else counts as unknown, which
 * publishes); `deferredMs` is how long the record has been due. With `pacing` null every
 * due record is published at once.
 */
export function presenceDecision (pacing: PresencePacing | null, input: { busy: number, deferredMs: number }): PresenceDecision {
  if (pacing == null) return { publish: true }
  const { deferredMs } = input
  const busy = Number.isFinite(input.busy) && input.busy >= pacing.busyShare
  const left = pacing.maxDeferMs - (Number.isFinite(deferredMs) ? Math.max(0, deferredMs) : Infinity)
  if (!busy || left <= 0) return { publish: true }
  return { publish: false, waitMs: Math.min(pacing.retryMs, left) }
}
