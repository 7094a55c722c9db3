import { drawUnit } from './random.js'
import type { Random } from './random.js'

/** A supernode as seen by whoever refers clients to it. */
export interface SupernodeLoad {
  id: string
  load: number
  capacity: number
}

/** Which supernodes a client is sent to (login server) or tries (client). */
export interface ReferralPolicy {
  readonly name: string
  /** up to `count` distinct supernodes with a free slot, best first */
  choose(supernodes: readonly SupernodeLoad[], count: number, random: Random): SupernodeLoad[]
}

function trusted (s: SupernodeLoad): boolean {
  return Number.isFinite(s.load) && Number.isFinite(s.capacity) && s.load >= 0 && s.capacity > 0 && s.load < s.capacity
}

/** The trusted entries with a free slot, one per id (the first listed). */
function available (supernodes: readonly SupernodeLoad[]): SupernodeLoad[] {
  const seen = new Set<string>()
  return supernodes.filter(s => {
    if (!trusted(s) || seen.has(s.id)) return false
    seen.add(s.id)
    return true
  })
}

/**
 * Legacy herding: every client gets the same supernodes, in a fixed order (the order in
 * which they registered), until they are full.
 */
export function firstFitReferral (): ReferralPolicy {
  return {
    name: 'first-fit',
    choose (supernodes, count) {
      return available(supernodes).slice(0, Math.max(0, count))
    }
  }
}

/**
 * Load-aware choice: for each referral, draw two supernodes at random and keep the one
 * with the lower utilisation (the power of two choices), which keeps the maximum load
 * close to the mean without anyone knowing every load exactly.
 */
export function twoChoicesReferral (): ReferralPolicy {
  return {
    name: 'two-choices',
    choose (supernodes, count, random) {
      const pool = available(supernodes)
      const out: SupernodeLoad[] = []
      while (out.length < count && pool.length > 0) {
        // drawUnit may return 1 for a misbehaving source: keep the index inside the pool
        const a = Math.min(pool.length - 1, Math.floor(drawUnit(random) * pool.length))
        const b = Math.min(pool.length - 1, Math.floor(drawUnit(random) * pool.length))
        const pa = pool[a] as SupernodeLoad
        const pb = pool[b] as SupernodeLoad
        const pick = pb.load / pb.capacity < pa.load / pa.capacity ? b : a
        out.push(pool[pick] as SupernodeLoad)
        pool.splice(pick, 1)
      }
      return out
    }
  }
}
