import { systemClock } from '@stampede/allocation'
import { createEventLog } from './event-log.js'
import { OverlayMetrics } from './metrics.js'
import type { EventLog } from './event-log.js'
import { resetReason } from './framing.js'
import type { Clock } from '@stampede/allocation'
import type { Logger, Stream } from '@libp2p/interface'

/** What every overlay service of one node shares: its name, clock, metrics and event log. */
export interface OverlayContext {
  name: string
  clock: Clock
  metrics: OverlayMetrics
  events: EventLog
}

/** A context for a service used on its own (tests, experiments): no file, fresh metrics. */
export function defaultContext (name = 'node'): OverlayContext {
  return { name, clock: systemClock, metrics: new OverlayMetrics(name), events: createEventLog(undefined, name) }
}

/** Reset an inbound stream for bad input, counting why (and which field, for absurd values). */
export function resetStream (ctx: OverlayContext, log: Logger, stream: Stream, protocol: string, err: unknown): void {
  const reason = resetReason(err)
  ctx.metrics.streamResets.inc({ protocol, reason })
  if ((err as Error)?.name === 'InvalidMessageError') ctx.metrics.rejectedInput.inc({ field: (err as { field?: string }).field ?? 'unknown' })
  log('reset %s stream: %s', protocol, reason)
  stream.abort(err instanceof Error ? err : new Error(String(err)))
}
