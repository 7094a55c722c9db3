import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Sandbox, cli, cliBackground, eventually, isAlive, SMALL_CONFIG } from './harness.js'
import type { JsonStatus } from './harness.js'

async function nodePids (box: Sandbox, name: string, count: number): Promise<number[]> {
  const s = await eventually<JsonStatus>('testnet up', async () => {
    const st = await box.status(name)
    return st.summary.loggedIn === count ? st : undefined
  }, 90_000)
  return [...s.nodes.map(n => n.pid), s.loginServer.pid].filter((p): p is number => p != null)
}

async function allGone (pids: number[], ms = 15_000): Promise<void> {
  await eventually('node processes gone', async () => pids.every(p => !isAlive(p)) ? true : undefined, ms, 200)
}

describe('testnet lifecycle and bad input', () => {
  const box = new Sandbox()

  before(async () => { await box.setup() })
  after(async () => { await box.teardown() })

  it('leaves no node behind when the CLI running it is killed with SIGKILL', async () => {
    const name = box.track('it-sigkill')
    const up = cliBackground(['up', '--config', SMALL_CONFIG, '--nodes', '6', '--name', name, '--state-dir', box.stateDir])
    try {
      const pids = await nodePids(box, name, 6)
      up.kill('SIGKILL')
      await allGone(pids)
    } finally {
      if (up.exitCode == null) up.kill('SIGKILL')
    }
  })

  it('stops everything on Ctrl-C (SIGINT) and exits 0', async () => {
    const name = box.track('it-sigint')
    const up = cliBackground(['up', '--config', SMALL_CONFIG, '--nodes', '6', '--name', name, '--state-dir', box.stateDir])
    try {
      const pids = await nodePids(box, name, 6)
      const exited = new Promise<number | null>(resolve => up.once('exit', code => { resolve(code) }))
      up.kill('SIGINT')
      assert.equal(await exited, 0, up.output())
      for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} survived Ctrl-C`)
      assert.equal(existsSync(join(box.stateDir, name, 'supervisor.json')), false)
    } finally {
      if (up.exitCode == null) up.kill('SIGKILL')
    }
  })

  it('runs two testnets side by side under different names', async () => {
    const a = box.track('it-side-a')
    const b = box.track('it-side-b')
    for (const name of [a, b]) {
      const r = await cli(['up', '--config', SMALL_CONFIG, '--nodes', '4', '--name', name, '--state-dir', box.stateDir, '--detach'])
      assert.equal(r.code, 0, r.stderr)
    }
    const pa = await nodePids(box, a, 4)
    const pb = await nodePids(box, b, 4)
    assert.equal(new Set([...pa, ...pb]).size, pa.length + pb.length)
    const again = await cli(['up', '--config', SMALL_CONFIG, '--nodes', '4', '--name', a, '--state-dir', box.stateDir, '--detach'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already running/)
    assert.equal((await cli(['down', '--name', a, '--state-dir', box.stateDir])).code, 0)
    await allGone(pa)
    assert.ok(pb.every(isAlive), 'the other testnet is untouched')
    assert.equal((await cli(['down', '--name', b, '--state-dir', box.stateDir])).code, 0)
    await allGone(pb)
  })

  it('rejects an invalid config naming the field, with exit code 2 and nothing started', async () => {
    const bad = join(box.stateDir, 'bad.yaml')
    await writeFile(bad, 'nodes: 4\ntiming:\n  heartbeatIntervalMs: -5\n')
    const r = await cli(['up', '--config', bad, '--name', 'it-bad', '--state-dir', box.stateDir, '--detach'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /bad\.yaml:3:\d+: timing\.heartbeatIntervalMs/)
    assert.equal(existsSync(join(box.stateDir, 'it-bad', 'nodes')), false)
  })

  it('rejects bad arguments with exit code 2', async () => {
    for (const args of [['up', '--nodes', 'many'], ['kill'], ['restart', '50%', '--spread', 'soon'], ['frobnicate']]) {
      const r = await cli([...args, '--state-dir', box.stateDir])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    }
  })

  it('says clearly when a missing config file is given', async () => {
    const r = await cli(['up', '--config', join(box.stateDir, 'missing.yaml'), '--state-dir', box.stateDir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /missing\.yaml/)
  })
})
