import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mapLimit } from '../src/testnet.js'

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and returns results in order', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise(resolve => setTimeout(resolve, n))
      inFlight--
      return n * 10
    })
    assert.deepEqual(out, [50, 10, 40, 20, 30])
    assert.equal(most, 2)
  })

  it('starts nothing new after a failure, and rejects with it once the rest settled', async () => {
    const started: number[] = []
    let settled = 0
    await assert.rejects(mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      started.push(n)
      await new Promise(resolve => setTimeout(resolve, n === 1 ? 1 : 20))
      settled++
      if (n === 1) throw new Error('spawn failed')
      return n
    }), /spawn failed/)
    assert.deepEqual(started, [0, 1])
    assert.equal(settled, 2, 'the one in flight finished before the rejection')
  })
})
