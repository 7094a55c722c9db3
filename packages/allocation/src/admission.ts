import { checkFinite, InvalidAllocationConfigError } from './errors.js'
import type { Clock } from './clock.js'

/**
 * How a server (the login server, or a supernode for attaches) admits work: a service
 * rate with a burst, a queue in front of it, and what it answers when the queue is full.
 */
export interface AdmissionSettings {
  /** requests served per second */
  ratePerSecond: number
  /** requests served back to back before the rate applies */
  burst: number
  /**
   * the longest a request may wait in the queue; `null` is an unbounded queue (the
   * legacy fault: under overload every request waits longer than its client does)
   */
  maxQueueDelayMs: number | null
  /** what a full queue answers: an explicit refusal with retry-after, or nothing at all */
  refusal: 'explicit' | 'silent'
}

export type AdmissionTicket =
  /** serve this request after `delayMs` (0: now) */
  | { kind: 'admit', delayMs: number }
  /** refuse it; a slot frees up in `retryAfterMs` */
  | { kind: 'refuse', retryAfterMs: number, silent: boolean }

export interface AdmissionScheduler {
  readonly settings: AdmissionSettings
  /** reserve a service slot for a request arriving now */
  reserve(): AdmissionTicket
  /** how long a request arriving now would wait */
  queueDelayMs(): number
}

export function checkAdmission (field: string, s: AdmissionSettings): void {
  checkFinite(`${field}.ratePerSecond`, s.ratePerSecond, Number.MIN_VALUE)
  checkFinite(`${field}.burst`, s.burst, 1)
  if (s.maxQueueDelayMs !== null) checkFinite(`${field}.maxQueueDelayMs`, s.maxQueueDelayMs, 0)
  if (s.refusal !== 'explicit' && s.refusal !== 'silent') {
    throw new InvalidAllocationConfigError(`${field}.refusal`, `expected 'explicit' or 'silent', got ${String(s.refusal)}`)
  }
}

/** The queue bound {@link sheddingAdmission} puts on a policy that has none. */
export const SHEDDING_MAX_QUEUE_DELAY_MS = 1_000

/**
 * The same service rate with the queue bounded and refusals explicit: how a server that
 * sheds load admits work whatever the network's policy. The operator's own ("mega")
 * supernodes run it: under the legacy policy's unbounded queue a few of them, herded onto
 * by hundreds of clients, promised slots seconds away, every client gave up first and
 * retried into a longer queue, and the lever that should end the outage did not. A bound
 * already set is kept; with none, `maxQueueDelayMs` (default
 * {@link SHEDDING_MAX_QUEUE_DELAY_MS}) applies.
 */
export function sheddingAdmission (settings: AdmissionSettings, maxQueueDelayMs = SHEDDING_MAX_QUEUE_DELAY_MS): AdmissionSettings {
  const shed: AdmissionSettings = { ...settings, maxQueueDelayMs: settings.maxQueueDelayMs ?? maxQueueDelayMs, refusal: 'explicit' }
  checkAdmission('sheddingAdmission', shed)
  return shed
}

/**
 * A FIFO service queue as a virtual schedule (the generic cell rate algorithm): each
 * admitted request is given the next service slot `1000 / ratePerSecond` ms after the
 * previous one, with `burst` slots of tolerance. No timers: the caller waits `delayMs`.
 * A request whose wait would exceed `maxQueueDelayMs` is refused and takes no slot.
 */
export function admissionScheduler (settings: AdmissionSettings, clock: Clock): AdmissionScheduler {
  checkAdmission('admission', settings)
  const intervalMs = 1000 / settings.ratePerSecond
  const toleranceMs = (settings.burst - 1) * intervalMs
  /** theoretical arrival time of the next request */
  let tat = clock.now()
  /** the latest future slot promised to a refused request */
  let promised = 0
  const delayAt = (now: number): number => Math.max(0, Math.max(tat, now) - toleranceMs - now)
  return {
    settings,
    queueDelayMs () {
      return delayAt(clock.now())
    },
    reserve () {
      const now = clock.now()
      const delay = delayAt(now)
      if (settings.maxQueueDelayMs !== null && delay > settings.maxQueueDelayMs) {
        // each refused request is told a slot of its own, one interval after the last one
        // promised, so the refused come back spread at the service rate, not as a herd
        const firstFree = now + delay - settings.maxQueueDelayMs + intervalMs
        promised = Math.max(promised + intervalMs, firstFree)
        return { kind: 'refuse', retryAfterMs: Math.ceil(promised - now), silent: settings.refusal === 'silent' }
      }
      tat = Math.max(tat, now) + intervalMs
      return { kind: 'admit', delayMs: delay }
    }
  }
}
