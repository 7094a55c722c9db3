import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createOverlayNode, OverlayMetrics } from '../src/index.js'
import { makeTempDir, removeTempDir } from './helpers.js'
import type { OverlayNode } from '../src/index.js'

const PROCESS_SERIES = /^stampede_process_\w+/m

describe('process metrics', () => {
  it('are left out unless asked for, then exported once however often they are asked for', async () => {
    const metrics = new OverlayMetrics('m-1')
    assert.doesNotMatch(await metrics.registry.metrics(), PROCESS_SERIES)
    await Promise.all([metrics.enableProcessMetrics(), metrics.enableProcessMetrics()])
    await metrics.enableProcessMetrics()
    const text = await metrics.registry.metrics()
    assert.match(text, /^stampede_process_process_cpu_user_seconds_total\{node="m-1"\} /m)
    assert.match(text, /^stampede_process_process_resident_memory_bytes\{node="m-1"\} /m)
    // asking again registered nothing twice (prom-client throws on a duplicate name)
    assert.equal(text.match(/^# TYPE stampede_process_process_cpu_user_seconds_total /gm)?.length, 1)
  })

  let dir: string | undefined
  let node: OverlayNode | undefined
  after(async () => {
    await node?.stop()
    await removeTempDir(dir)
  })

  it('are exported by a node started with processMetrics, and only then', async () => {
    dir = await makeTempDir('stampede-process-metrics-')
    node = await createOverlayNode({ name: 'login', role: 'login', dataDir: dir, eventLog: false, processMetrics: true })
    const text = await node.metrics.registry.metrics()
    assert.match(text, /^stampede_process_process_cpu_user_seconds_total\{node="login"\} /m)
  })
})
