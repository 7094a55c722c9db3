import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CounterDeltas } from '../src/recorder.js'

describe('CounterDeltas', () => {
  it('turns running totals into what happened since the last sample', () => {
    const d = new CounterDeltas()
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 1 }), { 'login_attempts{result=ok}': 1 })
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 1 }), {})
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 3, 'messages{direction=in}': 2 }), { 'login_attempts{result=ok}': 2, 'messages{direction=in}': 2 })
  })

  it('counts a restarted node from zero, even when its new totals reach the old ones', () => {
    const d = new CounterDeltas()
    d.take('peer-01', { 'login_attempts{result=ok}': 1 }, 0)
    // killed and restarted: one log-in in the new process, the same total as before
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 1 }, 1), { 'login_attempts{result=ok}': 1 })
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 1 }, 1), {})
  })

  it('treats a drop in a total as a restart it did not see', () => {
    const d = new CounterDeltas()
    d.take('peer-01', { 'login_attempts{result=ok}': 5 })
    assert.deepEqual(d.take('peer-01', { 'login_attempts{result=ok}': 2 }), { 'login_attempts{result=ok}': 2 })
  })

  it('keeps nodes apart and ignores a node with no counters', () => {
    const d = new CounterDeltas()
    d.take('a', { x: 1 })
    assert.deepEqual(d.take('b', { x: 1 }), { x: 1 })
    assert.deepEqual(d.take('a', undefined), {})
    assert.deepEqual(d.take('a', { x: 2 }), { x: 1 })
  })
})
