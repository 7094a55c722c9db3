/**
 * Reads the nodes' own event logs (`<testnet>/nodes/<name>/events.jsonl`, written by each
 * stampede-node with wall-clock timestamps) to see a bring-up from the inside: when each
 * peer started and when it was first logged in, and what was refused on the way.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Events of every peer (not the login server), by node name. */
export async function readPeerEvents (testnetDir) {
  const out = new Map()
  const names = await readdir(join(testnetDir, 'nodes')).catch(() => [])
  for (const name of names) {
    if (name === 'login') continue
    const text = await readFile(join(testnetDir, 'nodes', name, 'events.jsonl'), 'utf8').catch(() => '')
    const events = []
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      try {
        events.push(JSON.parse(line))
      } catch {
        // a torn last line of a killed node
      }
    }
    out.set(name, events)
  }
  return out
}

/** A peer counts as logged in from its first `attached` (client) or `supernode-active` event. */
const LOGGED_IN = new Set(['attached', 'supernode-active'])

/**
 * From `sinceMs` (wall clock, ms): when each peer first logged in, how long each took from
 * its own `started` event, and refusals seen before `untilMs`.
 */
export function bringupTimeline (eventsByPeer, sinceMs, untilMs) {
  const loggedInAt = []
  const startToLoggedIn = []
  const refusals = new Map()
  let missing = 0
  for (const events of eventsByPeer.values()) {
    const started = events.find(e => e.type === 'started' && e.ts >= sinceMs)
    const first = events.find(e => LOGGED_IN.has(e.type) && e.ts >= sinceMs)
    if (first == null) missing++
    else {
      loggedInAt.push(first.ts - sinceMs)
      if (started != null) startToLoggedIn.push(first.ts - started.ts)
    }
    for (const e of events) {
      if (e.ts < sinceMs || e.ts > untilMs) continue
      if (e.type === 'login-refused' || e.type === 'attach-refused') {
        const key = `${e.type}${e.reason != null ? ` ${e.reason}` : ''}`
        refusals.set(key, (refusals.get(key) ?? 0) + 1)
      }
    }
  }
  loggedInAt.sort((a, b) => a - b)
  const total = eventsByPeer.size
  const at = (share) => {
    const k = Math.ceil(share * total)
    return k >= 1 && k <= loggedInAt.length ? loggedInAt[k - 1] : NaN
  }
  return { total, missing, loggedInAt, startToLoggedIn, refusals, at }
}
