import {
  DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_FACTOR, DEFAULT_BACKOFF_JITTER, DEFAULT_BACKOFF_MAX_MS
} from './constants.js'
import { checkFinite, InvalidAllocationConfigError } from './errors.js'
import { drawUnit } from './random.js'
import type { Random } from './random.js'

/** `none`: the exact exponential delay. `full`: uniform in [0, that delay] (AWS full jitter). */
export type JitterMode = 'none' | 'full'

export interface BackoffInit {
  /**
   * Delay of attempt 0, before jitter; above zero.
   *
   * @default 200
   */
  baseMs?: number

  /**
   * No delay is longer than this; at least `baseMs`.
   *
   * @default 10_000
   */
  maxMs?: number

  /**
   * Growth per attempt; at least one.
   *
   * @default 2
   */
  factor?: number

  /**
   * @default 'full'
   */
  jitter?: JitterMode

  /**
   * Source of jitter.
   *
   * @default Math.random
   */
  random?: Random
}

export interface Backoff {
  /**
   * Delay before retry number `attempt` (from 0): `min(maxMs, baseMs * factor^attempt)`,
   * scaled by a uniform draw under full jitter. Never negative, never above `maxMs`,
   * finite for any attempt. A negative or NaN attempt throws a `RangeError`.
   */
  delayMs(attempt: number): number
}

const JITTER_MODES: readonly JitterMode[] = ['none', 'full']

/** Capped exponential backoff with optional full jitter. */
export function exponentialBackoff (init: BackoffInit = {}): Backoff {
  const baseMs = init.baseMs ?? DEFAULT_BACKOFF_BASE_MS
  const maxMs = init.maxMs ?? DEFAULT_BACKOFF_MAX_MS
  const factor = init.factor ?? DEFAULT_BACKOFF_FACTOR
  const jitter = init.jitter ?? DEFAULT_BACKOFF_JITTER
  const random = init.random ?? Math.random

  checkFinite('baseMs', baseMs, Number.MIN_VALUE)
  checkFinite('maxMs', maxMs, baseMs)
  checkFinite('factor', factor, 1)
  if (!JITTER_MODES.includes(jitter)) {
    throw new InvalidAllocationConfigError('jitter', `expected one of ${JITTER_MODES.join(', ')}, got ${String(jitter)}`)
  }
  if (typeof random !== 'function') {
    throw new InvalidAllocationConfigError('random', 'expected a function returning a number in [0, 1)')
  }

  function capped (attempt: number): number {
    // factor^attempt overflows to Infinity for huge attempts, which the cap absorbs;
    // factor 1 is special-cased since 1^Infinity is NaN
    const raw = factor === 1 ? baseMs : baseMs * factor ** attempt
    return Math.min(maxMs, raw)
  }

  return {
    delayMs (attempt: number): number {
      if (typeof attempt !== 'number' || Number.isNaN(attempt) || attempt < 0) {
        throw new RangeError(`attempt must be a number >= 0, got ${String(attempt)}`)
      }
      const delay = capped(attempt)
      return jitter === 'full' ? drawUnit(random) * delay : delay
    }
  }
}
