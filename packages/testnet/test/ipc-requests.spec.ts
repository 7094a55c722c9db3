import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IpcRequests } from '../src/ipc-requests.js'
import type { ChildProcess } from 'node:child_process'

/** A child whose channel records what is sent, or refuses it. */
function fakeChild (refuse = false): { child: ChildProcess, sent: Array<{ id: number, type: string }> } {
  const sent: Array<{ id: number, type: string }> = []
  const child = {
    send (msg: { id: number, type: string }, cb: (err: Error | null) => void): boolean {
      if (refuse) { queueMicrotask(() => { cb(new Error('channel closed')) }); return false }
      sent.push(msg)
      queueMicrotask(() => { cb(null) })
      return true
    }
  } as unknown as ChildProcess
  return { child, sent }
}

/** The id of the n-th message sent. */
function idOf (sent: Array<{ id: number }>, n: number): number {
  const m = sent[n]
  if (m == null) assert.fail(`no message ${n} was sent`)
  return m.id
}

const errors = {
  timeout: (ms: number) => new Error(`timed out after ${ms} ms`),
  send: (err: Error) => new Error(`not sent: ${err.message}`)
}

describe('IpcRequests', () => {
  it('sends each request with an id of its own and settles it with the answer under that id', async () => {
    const requests = new IpcRequests<string>()
    const { child, sent } = fakeChild()
    const a = requests.send(child, { type: 'status' }, 1_000, errors)
    const b = requests.send(child, { type: 'status' }, 1_000, errors)
    assert.deepEqual(sent.map(m => m.type), ['status', 'status'])
    assert.notEqual(idOf(sent, 0), idOf(sent, 1))
    assert.equal(requests.answer(idOf(sent, 1), 'second'), true)
    assert.equal(requests.answer(idOf(sent, 0), 'first'), true)
    assert.deepEqual(await Promise.all([a, b]), ['first', 'second'])
    // settled once: a late or unknown answer finds nobody waiting
    assert.equal(requests.answer(idOf(sent, 0), 'again'), false)
    assert.equal(requests.answer(999, 'stranger'), false)
  })

  it('fails a request on timeout, on a refused send and when the child exits', async () => {
    const requests = new IpcRequests<string>()
    const { child, sent } = fakeChild()
    await assert.rejects(requests.send(child, { type: 'status' }, 20, errors), /timed out after 20 ms/)
    assert.equal(requests.answer(idOf(sent, 0), 'late'), false)
    await assert.rejects(requests.send(fakeChild(true).child, { type: 'status' }, 1_000, errors), /not sent: channel closed/)
    const pending = [requests.send(child, { type: 'a' }, 10_000, errors), requests.send(child, { type: 'b' }, 10_000, errors)]
    requests.failAll(new Error('child exited'))
    for (const p of pending) await assert.rejects(p, /child exited/)
    assert.equal(requests.answer(idOf(sent, 1), 'after exit'), false)
  })
})
