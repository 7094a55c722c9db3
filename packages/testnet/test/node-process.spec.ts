import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { NodeProcess } from '../src/node-process.js'
import type { NodeLauncher } from '../src/node-process.js'

/**
 * A stand-in for stampede-node: says `ready` over IPC, with `ipcStatus` when told to, and
 * answers status requests with how many it has been asked, unless told to stay silent.
 */
const FAKE_NODE = `
const mode = process.env.FAKE_MODE
let asked = 0
process.on('message', (m) => {
  if (m?.type === 'status' && mode !== 'silent') process.send({ type: 'status', id: m.id, status: { role: 'client', loggedIn: true, asked: ++asked } })
})
process.send({ type: 'ready', name: 'fake', peerId: 'p', addrs: [], pid: process.pid, ipcStatus: mode !== 'http-only' })
process.on('SIGTERM', () => process.exit(0))
setInterval(() => {}, 1000)
`

describe('NodeProcess.ipcStatus', () => {
  let dir: string
  let entry: string
  const started: NodeProcess[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampede-node-process-'))
    entry = join(dir, 'fake-node.cjs')
    await writeFile(entry, FAKE_NODE)
    await writeFile(join(dir, 'config.json'), '{}')
  })

  after(async () => {
    await Promise.all(started.map(async p => { await p.stop('KILL') }))
    await rm(dir, { recursive: true, force: true })
  })

  async function start (mode: string): Promise<NodeProcess> {
    const p = new NodeProcess({ name: `fake-${mode}`, kind: 'peer', configPath: join(dir, 'config.json'), dataDir: dir, stdoutPath: join(dir, `${mode}.out`), stderrPath: join(dir, `${mode}.err`), profile: 'desktop' })
    started.push(p)
    const launcher: NodeLauncher = { entry, execArgv: [], env: { ...process.env, FAKE_MODE: mode }, startupTimeoutMs: 10_000 }
    await p.start(launcher)
    return p
  }

  it('asks a node that said it answers there, and matches each answer to its request', async () => {
    const p = await start('answers')
    assert.equal(p.statusOverIpc, true)
    const answers = await Promise.all([p.ipcStatus(2_000), p.ipcStatus(2_000), p.ipcStatus(2_000)])
    assert.deepEqual(answers.map(a => (a as { asked: number }).asked).sort(), [1, 2, 3])
    assert.deepEqual(await p.ipcStatus(2_000), { role: 'client', loggedIn: true, asked: 4 })
  })

  it('does not ask a node that did not say so (its status then comes over HTTP)', async () => {
    const p = await start('http-only')
    assert.equal(p.statusOverIpc, false)
    assert.equal(await p.ipcStatus(2_000), undefined)
  })

  it('gives up on a silent node after the timeout, and answers nothing for a paused or stopped one', async () => {
    const p = await start('silent')
    const t0 = Date.now()
    assert.equal(await p.ipcStatus(200), undefined)
    assert.ok(Date.now() - t0 >= 190)
    p.pause()
    assert.equal(await p.ipcStatus(2_000), undefined)
    p.resume()
    // a request in flight when the process dies is answered (with nothing) at its exit
    const pending = p.ipcStatus(10_000)
    const t1 = Date.now()
    await p.stop('KILL')
    assert.equal(await pending, undefined)
    assert.ok(Date.now() - t1 < 5_000)
    assert.equal(p.statusOverIpc, false)
    assert.equal(await p.ipcStatus(2_000), undefined)
  })
})
