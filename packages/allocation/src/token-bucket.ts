import { checkFinite, InvalidAllocationConfigError } from './errors.js'
import type { Clock } from './clock.js'

export interface TokenBucketInit {
  /** tokens added per second; must be above zero */
  ratePerSecond: number
  /** the most tokens the bucket holds, and what it starts with; at least one */
  burst: number
  clock: Clock
}

function checkTake (n: number): void {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new RangeError(`token count must be a finite number >= 0, got ${String(n)}`)
  }
}

/**
 * A token bucket refilled lazily from an injected clock: no timers. It starts full. A
 * clock that steps backward adds nothing and restarts the refill from the new time.
 */
export class TokenBucket {
  private readonly ratePerMs: number
  private readonly burst: number
  private readonly clock: Clock
  private tokens: number
  private refilledAtMs: number

  constructor (init: TokenBucketInit) {
    checkFinite('ratePerSecond', init.ratePerSecond, Number.MIN_VALUE)
    checkFinite('burst', init.burst, 1)
    if (init.clock == null || typeof init.clock.now !== 'function') {
      throw new InvalidAllocationConfigError('clock', 'expected a Clock with a now() method')
    }
    this.ratePerMs = init.ratePerSecond / 1000
    this.burst = init.burst
    this.clock = init.clock
    this.tokens = init.burst
    this.refilledAtMs = init.clock.now()
  }

  /** Takes `n` tokens (default one) if the bucket holds them; otherwise takes none. */
  tryTake (n = 1): boolean {
    checkTake(n)
    this.refill()
    if (this.tokens < n) return false
    this.tokens -= n
    return true
  }

  /**
   * Milliseconds until `n` tokens (default one) will be available, 0 if they are now.
   * `Infinity` when `n` exceeds the burst, since such a request can never succeed.
   */
  msUntilAvailable (n = 1): number {
    checkTake(n)
    if (n > this.burst) return Number.POSITIVE_INFINITY
    this.refill()
    if (this.tokens >= n) return 0
    const ms = Math.ceil((n - this.tokens) / this.ratePerMs)
    // rounding may leave the refill a hair short of n; one more millisecond covers it
    return this.tokens + ms * this.ratePerMs >= n ? ms : ms + 1
  }

  /** Tokens available now, possibly fractional. */
  available (): number {
    this.refill()
    return this.tokens
  }

  private refill (): void {
    const nowMs = this.clock.now()
    if (!Number.isFinite(nowMs)) return
    if (nowMs > this.refilledAtMs) {
      this.tokens = Math.min(this.burst, this.tokens + (nowMs - this.refilledAtMs) * this.ratePerMs)
    }
    this.refilledAtMs = nowMs
  }
}

/** A `TokenBucket` that starts full. */
export function createTokenBucket (init: TokenBucketInit): TokenBucket {
  return new TokenBucket(init)
}
