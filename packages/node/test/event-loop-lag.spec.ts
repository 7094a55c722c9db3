import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { lagMonitor } from '../src/metrics.js'

/** Keep the event loop busy for `ms` (what a slow handler or a starved process looks like). */
function block (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* busy */ }
}

describe('event-loop lag monitor', () => {
  it('answers zeros until its first window is complete, then a blocked loop shows in p99 and max', async () => {
    const { read, stop } = lagMonitor({ resolutionMs: 50, windowMs: 600 })
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'the first read starts the monitor')
    await sleep(100)
    block(400)
    // the first window closes 600 ms after the start, with the block inside it; the next at 1.2 s
    await sleep(300)
    const lag = read()
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
    await sleep(600)
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'a stopped monitor starts afresh')
    await sleep(100)
    read()
    await sleep(250)
    assert.ok(read().windowMs > 0, 'the new monitor, read in time, has completed a window')
    stop()
  })

  it('stops when told to: the next read starts a new monitor, with no window yet', async () => {
    const { read, stop } = lagMonitor({ resolutionMs: 50, windowMs: 200 })
    read()
    await sleep(300)
    assert.ok(read().windowMs > 0, 'a window is complete')
    stop()
    assert.deepEqual(read(), { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'started afresh')
    stop()
    stop()
  })
})
