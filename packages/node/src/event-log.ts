import { createWriteStream } from 'node:fs'
import { DEFAULT_EVENT_LOG_HIGH_WATER } from './constants.js'
import type { WriteStream } from 'node:fs'

/** A structured event. `type` names what happened; the rest is its detail. */
export interface OverlayEvent {
  type: string
  [key: string]: unknown
}

export interface EventLog {
  write(event: OverlayEvent): void
  /** events dropped because the disk could not keep up */
  readonly dropped: number
  close(): Promise<void>
}

/**
 * JSON lines, one object a line with `ts` (ms since epoch) and `node`. Bounded: when the
 * file cannot keep up, events are dropped and counted rather than buffered without end.
 */
export function createEventLog (path: string | undefined, node: string, onEvent?: (e: OverlayEvent & { ts: number, node: string }) => void): EventLog {
  let stream: WriteStream | undefined
  let pending = 0
  let dropped = 0
  let failed = false
  if (path != null) {
    stream = createWriteStream(path, { flags: 'a' })
    stream.on('error', () => { failed = true })
  }
  return {
    get dropped () { return dropped },
    write (event) {
      const line = { ts: Date.now(), node, ...event }
      onEvent?.(line)
      if (stream == null || failed) return
      if (pending >= DEFAULT_EVENT_LOG_HIGH_WATER) {
        dropped++
        return
      }
      pending++
      stream.write(JSON.stringify(line) + '\n', () => { pending-- })
    },
    async close () {
      if (stream == null) return
      const s = stream
      stream = undefined
      await new Promise<void>(resolve => s.end(resolve))
    }
  }
}

/**
 * Call `onSettled` once, at the first event that says the node has a place in the overlay:
 * attached to a supernode as a client, or serving as a supernode. The launcher paces a
 * bring-up on it (testnet's launch window).
 */
export function settleOnEvents<E extends { type: string }> (onSettled: () => void, next?: (event: E) => void): (event: E) => void {
  let settled = false
  return (event) => {
    if (!settled && (event.type === 'attached' || event.type === 'supernode-active')) {
      settled = true
      onSettled()
    }
    next?.(event)
  }
}
