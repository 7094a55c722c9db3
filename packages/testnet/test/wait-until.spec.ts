import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Testnet, carriesOver } from '../src/testnet.js'
import type { NodeView, TestnetStatus } from '../src/testnet.js'

function view (over: Partial<NodeView> = {}): NodeView {
  return {
    name: 'peer-1',
    kind: 'peer',
    pid: 100,
    alive: true,
    paused: false,
    role: 'client',
    lastRole: 'client',
    loggedIn: true,
    supernode: null,
    load: 0,
    capacity: 0,
    presenceQueued: 0,
    profile: 'desktop',
    peerId: null,
    controlPort: 1,
    responding: true,
    restarts: 0,
    worker: null,
    ...over
  }
}

const running = { pid: 100, alive: true, paused: false, starts: 1 }

describe('carriesOver', () => {
  it('holds for the same process, answering then, alive and unpaused then and now', () => {
    assert.equal(carriesOver(view(), running), true)
  })

  it('does not hold once the node restarted, stopped, was paused or did not answer', () => {
    assert.equal(carriesOver(view(), { ...running, starts: 2, pid: 101 }), false, 'restarted')
    assert.equal(carriesOver(view(), { ...running, starts: 2 }), false, 'restarted, same pid')
    assert.equal(carriesOver(view(), { ...running, alive: false }), false, 'stopped')
    assert.equal(carriesOver(view(), { ...running, paused: true }), false, 'paused now')
    assert.equal(carriesOver(view({ paused: true }), running), false, 'paused then')
    assert.equal(carriesOver(view({ responding: false }), running), false, 'did not answer')
    assert.equal(carriesOver(view({ pid: null }), { ...running, pid: null }), false, 'no process')
  })
})

/** A testnet stand-in whose status() answers from a script of logged-in counts, recording how it was asked. */
function scripted (loggedIn: number[]): { fake: Pick<Testnet, 'status' | 'waitUntil'>, calls: Array<{ reuse: boolean }> } {
  const calls: Array<{ reuse: boolean }> = []
  const fake = {
    async status (opts: { reuse?(v: NodeView): boolean } = {}): Promise<TestnetStatus> {
      const n = loggedIn[Math.min(calls.length, loggedIn.length - 1)]
      calls.push({ reuse: opts.reuse != null })
      return { summary: { total: 3, alive: 3, paused: 0, loggedIn: n, supernodes: 0, capacity: 0, presenceQueued: 0 }, nodes: [] } as unknown as TestnetStatus
    },
    waitUntil: Testnet.prototype.waitUntil
  }
  return { fake, calls }
}

describe('Testnet.waitForLoggedIn', () => {
  it('asks only the nodes not yet logged in after a full first poll, and returns a full poll', async () => {
    const { fake, calls } = scripted([1, 2, 3, 3])
    const s = await Testnet.prototype.waitForLoggedIn.call(fake as Testnet, { timeoutMs: 5_000, intervalMs: 1 })
    assert.equal(s.summary.loggedIn, 3)
    assert.deepEqual(calls.map(c => c.reuse), [false, true, true, false], 'full, partial, partial (all in), full to confirm')
  })

  it('goes on waiting when the confirming full poll finds someone logged out', async () => {
    const { fake, calls } = scripted([1, 3, 2, 3, 3])
    const s = await Testnet.prototype.waitForLoggedIn.call(fake as Testnet, { timeoutMs: 5_000, intervalMs: 1 })
    assert.equal(s.summary.loggedIn, 3)
    assert.deepEqual(calls.map(c => c.reuse), [false, true, false, true, false])
  })

  it('returns the first poll when everyone is already logged in', async () => {
    const { fake, calls } = scripted([3])
    await Testnet.prototype.waitForLoggedIn.call(fake as Testnet, { timeoutMs: 5_000, intervalMs: 1 })
    assert.deepEqual(calls.map(c => c.reuse), [false])
  })
})
