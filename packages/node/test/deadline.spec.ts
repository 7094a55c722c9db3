import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createServer, connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { resetReason, withDeadline } from '../src/framing.js'
import type { Socket } from 'node:net'

describe('withDeadline', () => {
  it('gives what the work returns, and its signal never fires afterwards', async () => {
    let seen: AbortSignal | undefined
    const value = await withDeadline(30, undefined, async (signal) => { seen = signal; return 42 })
    assert.equal(value, 42)
    await sleep(60)
    assert.equal(seen?.aborted, false, 'the timer was cleared when the work settled')
  })

  it('fires with a timeout (a TimeoutError, counted as such) when the work takes longer', async () => {
    let seen: AbortSignal | undefined
    await assert.rejects(withDeadline(20, undefined, async (signal) => {
      seen = signal
      await sleep(1_000, undefined, { signal })
    }))
    assert.equal(seen?.aborted, true)
    assert.equal((seen?.reason as Error).name, 'TimeoutError')
    assert.equal(resetReason(seen?.reason), 'timeout')
  })

  it('fires when the parent fires, with the parent\'s reason, and lets go of the parent after', async () => {
    const parent = new AbortController()
    let seen: AbortSignal | undefined
    const running = withDeadline(10_000, parent.signal, async (signal) => {
      seen = signal
      await sleep(10_000, undefined, { signal })
    })
    const why = new Error('stopping')
    parent.abort(why)
    await assert.rejects(running)
    assert.equal(seen?.reason, why)
  })

  it('starts aborted under an aborted parent', async () => {
    const parent = new AbortController()
    parent.abort(new Error('gone'))
    const aborted = await withDeadline(1_000, parent.signal, async (signal) => signal.aborted)
    assert.equal(aborted, true)
  })
})

describe('withDeadline on a stalled event loop', () => {
  it('reads what arrived during the stall before it times out', async () => {
    // the answer is written to the socket at once; the loop is then blocked past the
    // deadline, so the late timer and the unread answer are both due when it wakes: the
    // timer must not win
    let serverSide: Socket | undefined
    const server = createServer(socket => { serverSide = socket })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const client = connect(port, '127.0.0.1')
    await new Promise<void>(resolve => client.once('connect', () => { resolve() }))
    while (serverSide == null) await sleep(5)
    try {
      const answer = await withDeadline(50, undefined, async (signal) => {
        const reply = new Promise<string>((resolve, reject) => {
          client.once('data', (d) => { resolve(d.toString()) })
          signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
        })
        serverSide?.write('pong')
        const until = Date.now() + 200
        while (Date.now() < until) { /* the loop stalls */ }
        return reply
      })
      assert.equal(answer, 'pong')
    } finally {
      client.destroy()
      serverSide?.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('still times out when nothing arrives, stall or not', async () => {
    let seen: AbortSignal | undefined
    await assert.rejects(withDeadline(20, undefined, async (signal) => {
      seen = signal
      const until = Date.now() + 100
      while (Date.now() < until) { /* the loop stalls */ }
      await sleep(1_000, undefined, { signal })
    }))
    assert.equal((seen?.reason as Error).name, 'TimeoutError')
  })
})
