import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { busyMark, busySince, cpuStalledUs } from '../src/index.js'
import { TempDirs } from './helpers.js'

/** Block the event loop for `ms`. */
function spin (ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) { /* busy */ }
}

describe('busy share: event loop and host CPU pressure', () => {
  const dirs = new TempDirs('stampede-busy-')
  after(async () => { await dirs.removeAll() })

  it('reads the cumulative stall time from a pressure file, and undefined without one', async () => {
    const dir = await dirs.make()
    const file = join(dir, 'cpu')
    await writeFile(file, 'some avg10=1.00 avg60=2.00 avg300=3.00 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')
    assert.equal(cpuStalledUs(file), 123_456)
    await writeFile(file, 'garbage\n')
    assert.equal(cpuStalledUs(file), undefined)
    assert.equal(cpuStalledUs(join(dir, 'missing')), undefined)
  })

  it('gives the host\'s contended share from two readings of the pressure file', async () => {
    const dir = await dirs.make()
    const file = join(dir, 'cpu')
    await writeFile(file, 'some avg10=0 avg60=0 avg300=0 total=1000000\n')
    const mark = busyMark(file)
    await new Promise(resolve => setTimeout(resolve, 200))
    // far more stall than wall time: capped at 1
    await writeFile(file, 'some avg10=0 avg60=0 avg300=0 total=9000000\n')
    const share = busySince(mark, file)
    assert.equal(share.host, 1)
    assert.equal(share.busy, 1)
    // no stall since the mark: the loop's own share decides
    const again = busyMark(file)
    await new Promise(resolve => setTimeout(resolve, 200))
    const idle = busySince(again, file)
    assert.equal(idle.host, 0)
    assert.ok(idle.loop < 0.5, `loop ${idle.loop} while idle`)
    assert.equal(idle.busy, idle.loop)
  })

  it('sees its own event loop busy, with or without a pressure file', async () => {
    const dir = await dirs.make()
    const missing = join(dir, 'none')
    const mark = busyMark(missing)
    spin(150)
    const share = busySince(mark, missing)
    assert.equal(share.host, undefined)
    assert.ok(share.loop > 0.9, `loop ${share.loop} after a 150 ms block`)
    assert.equal(share.busy, share.loop)
  })
})
