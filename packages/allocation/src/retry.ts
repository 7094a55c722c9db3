import { checkFinite, InvalidAllocationConfigError } from './errors.js'
import { drawUnit } from './random.js'
import type { Random } from './random.js'

export type BackoffKind = 'none' | 'exponential' | 'full-jitter' | 'decorrelated-jitter'

/** How a client retries a failed log-in or attach. */
export interface RetrySettings {
  /**
   * `none`: retry at once (after `baseMs`); `exponential`: base * 2^attempt, no jitter;
   * `full-jitter`: uniform in [0, base * 2^attempt] (AWS); `decorrelated-jitter`:
   * uniform in [base, previous * 3]
   */
  backoff: BackoffKind
  baseMs: number
  maxMs: number
  /** attempts in a row before the client gives up for `cooldownMs`; null: never */
  maxAttempts: number | null
  /** pause after giving up (attempts or budget exhausted) */
  cooldownMs: number
  /**
   * retry budget (gRPC retry throttling): each failure costs a token, each success
   * returns `ratio` of one; retries stop while fewer than half of `maxTokens` are left.
   * null: no budget
   */
  budget: { maxTokens: number, ratio: number } | null
  /** wait at least the retry-after a server's refusal asks for */
  honorRetryAfter: boolean
  /**
   * give a slow server more time (TCP's retransmission timeout): after a request timed
   * out, the next one may take twice as long, up to this; any answer, a refusal included,
   * brings it back to the node's request timeout. Under CPU overload a fixed timeout
   * abandons every request the server was about to answer, and the retries that replace
   * them keep it overloaded. null: every request gets the node's request timeout
   */
  timeoutMaxMs: number | null
}

export interface RetryState {
  /** the wait before the next attempt after a failure, with the server's retry-after if any */
  failure(retryAfterMs?: number): number
  /** an attempt succeeded: the attempt count resets and the budget refills a little */
  success(): void
  readonly attempts: number
  /** tokens left in the budget (Infinity without one) */
  readonly tokens: number
  /** how long the next request may take, given the node's request timeout */
  timeoutMs(requestTimeoutMs: number): number
  /** a request got no answer in time: the next one is given twice as long (up to `timeoutMaxMs`) */
  timedOut(): void
  /** a request got an answer of any kind: requests get the node's request timeout again */
  answered(): void
}

export function checkRetry (field: string, s: RetrySettings): void {
  if (!['none', 'exponential', 'full-jitter', 'decorrelated-jitter'].includes(s.backoff)) {
    throw new InvalidAllocationConfigError(`${field}.backoff`, `unknown backoff ${String(s.backoff)}`)
  }
  checkFinite(`${field}.baseMs`, s.baseMs, 0)
  checkFinite(`${field}.maxMs`, s.maxMs, s.baseMs)
  checkFinite(`${field}.cooldownMs`, s.cooldownMs, 0)
  if (s.maxAttempts !== null) checkFinite(`${field}.maxAttempts`, s.maxAttempts, 1)
  if (s.timeoutMaxMs !== null) checkFinite(`${field}.timeoutMaxMs`, s.timeoutMaxMs, 1)
  if (s.budget !== null) {
    checkFinite(`${field}.budget.maxTokens`, s.budget.maxTokens, 1)
    checkFinite(`${field}.budget.ratio`, s.budget.ratio, 0)
  }
}

/** One client's retry state under `settings`. */
export function retryState (settings: RetrySettings, random: Random): RetryState {
  checkRetry('retry', settings)
  let attempts = 0
  let previous = settings.baseMs
  let tokens = settings.budget?.maxTokens ?? Infinity
  /** timeouts in a row since the last answer */
  let timeouts = 0
  const backoff = (attempt: number): number => {
    const exp = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(attempt, 40))
    switch (settings.backoff) {
      case 'none': return settings.baseMs
      case 'exponential': return exp
      case 'full-jitter': return drawUnit(random) * exp
      case 'decorrelated-jitter': {
        const upper = Math.min(settings.maxMs, Math.max(settings.baseMs, previous * 3))
        previous = settings.baseMs + drawUnit(random) * (upper - settings.baseMs)
        return previous
      }
    }
  }
  return {
    get attempts () { return attempts },
    get tokens () { return tokens },
    failure (retryAfterMs) {
      const attempt = attempts++
      if (settings.budget !== null) tokens = Math.max(0, tokens - 1)
      const overBudget = settings.budget !== null && tokens < settings.budget.maxTokens / 2
      const overAttempts = settings.maxAttempts !== null && attempts >= settings.maxAttempts
      let wait = backoff(attempt)
      if (overBudget || overAttempts) {
        attempts = 0
        previous = settings.baseMs
        wait = settings.cooldownMs * (0.5 + drawUnit(random))
      }
      if (settings.honorRetryAfter && retryAfterMs != null && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
        wait = Math.max(wait, retryAfterMs)
      }
      return Math.max(0, wait)
    },
    timeoutMs (requestTimeoutMs) {
      if (settings.timeoutMaxMs === null || requestTimeoutMs >= settings.timeoutMaxMs) return requestTimeoutMs
      return Math.min(settings.timeoutMaxMs, requestTimeoutMs * 2 ** timeouts)
    },
    timedOut () {
      timeouts = Math.min(timeouts + 1, 30)
    },
    answered () {
      timeouts = 0
    },
    success () {
      attempts = 0
      previous = settings.baseMs
      if (settings.budget !== null) tokens = Math.min(settings.budget.maxTokens, tokens + settings.budget.ratio)
    }
  }
}
