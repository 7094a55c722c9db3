import { systemClock } from '@stampede/allocation'
import { createEventLog } from './event-log.js'
import { OverlayMetrics } from './metrics.js'
import type { EventLog } from './event-log.js'
import type { Clock } from '@stampede/allocation'

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
