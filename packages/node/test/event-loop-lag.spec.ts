import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { lagMonitor } from '../src/metrics.js'
import type { EventLoopLag } from '../src/metrics.js'

/** Keep the event loop busy for `ms` (what a slow handler or a starved process looks like). */
function block (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* busy */ }
}

/** Read every 50 ms until a window is complete (timers run late on a busy machine), at most 5 s. */
async function nextWindow (read: () => EventLoopLag): Promise<EventLoopLag> {
  const until = Date.now() + 5_000
  let lag = read()
  while (lag.windowMs === 0 && Date.now() < until) {
    await sleep(50)
    lag = read()
  }
  return lag
}

describe('event-loop lag monitor', () => {
  it('answers zeros until its first window is complete, then a blocked loop shows in p99 and max', async () => {
    const { read, stop } = lagMonitor({ resolutionMs: 50, windowMs: 600 })
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'the first read starts the monitor')
    await sleep(100)
    block(400)
    // the first window closes 600 ms after the start (or later), with the block inside it
    const lag = await nextWindow(read)
    assert.ok(lag.windowMs >= 500, `a complete window (${lag.windowMs} ms)`)
    // a 400 ms block with a 50 ms timer: the timer was due at most 50 ms into it
    assert.ok(lag.maxMs >= 300, `max ${lag.maxMs} ms shows the 400 ms block`)
    assert.ok(lag.p99Ms >= 300, `p99 ${lag.p99Ms} ms shows it too: one of some 10 samples`)
    assert.ok(lag.meanMs <= lag.maxMs)
    stop()
  })

  it('stops when nobody reads it, and starts afresh on the next read', async () => {
    const { read, stop } = lagMonitor({ resolutionMs: 50, windowMs: 200, idleStopMs: 250 })
    read()
    // windows close at 200 ms (kept: read 200 ms ago) and 400 ms (stopped: 400 ms ago)
    await sleep(1_000)
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'a stopped monitor starts afresh')
    assert.ok((await nextWindow(read)).windowMs > 0, 'the new monitor, read in time, completes a window')
    stop()
  })

  it('stops when told to: the next read starts a new monitor, with no window yet', async () => {
    const { read, stop } = lagMonitor({ resolutionMs: 50, windowMs: 200 })
    assert.ok((await nextWindow(read)).windowMs > 0, 'a window is complete')
    stop()
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'started afresh')
    stop()
    stop()
  })
})
