import assert from 'node:assert/strict'
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { applyOverrides, LAUNCH_SETTLE_TIMEOUT_MS, LaunchAbortedError, loadConfig, Testnet } from '../../src/index.js'
import { cli, cliBackground, eventually, isAlive, SMALL_CONFIG } from './harness.js'

interface NodeEvent { ts: number, type: string }

/** Each peer's start and the moment it first attached or began serving, from its event log. */
async function lifetimes (dir: string): Promise<Array<{ name: string, start: number, settle: number }>> {
  const out: Array<{ name: string, start: number, settle: number }> = []
  for (const name of await readdir(join(dir, 'nodes'))) {
    if (!name.startsWith('peer-')) continue
    const events = (await readFile(join(dir, 'nodes', name, 'events.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as NodeEvent)
    const start = events.find(e => e.type === 'started')?.ts
    const settle = events.find(e => e.type === 'attached' || e.type === 'supernode-active')?.ts
    assert.ok(start != null && settle != null, `${name} started and settled`)
    out.push({ name, start, settle })
  }
  return out
}

/** No process named in the testnet's nodes.json (if written) still runs. */
async function assertNoneRuns (dir: string): Promise<void> {
  const list = JSON.parse(await readFile(join(dir, 'nodes.json'), 'utf8').catch(() => '{"nodes":[]}')) as { nodes: Array<{ pid: number | null }> }
  for (const n of list.nodes) if (n.pid != null) assert.equal(isAlive(n.pid), false, `pid ${n.pid} still runs`)
}

/** The supervisor.json of a testnet, as soon as there is one. */
async function supervisorInfo (dir: string): Promise<{ pid: number, starting?: boolean }> {
  return eventually('supervisor.json', async () => {
    const text = await readFile(join(dir, 'supervisor.json'), 'utf8').catch(() => undefined)
    return text == null ? undefined : JSON.parse(text) as { pid: number, starting?: boolean }
  }, 30_000, 50)
}

describe('bring-up pacing and cancelling', () => {
  const dirs: string[] = []
  const launched: Testnet[] = []
  const pids = new Set<number>()
  const remember = async (t: Testnet): Promise<void> => {
    const s = await t.status()
    for (const n of [s.loginServer, ...s.nodes, ...s.workers]) if (n.pid != null) pids.add(n.pid)
  }
  const stateDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'stampede-launch-'))
    dirs.push(d)
    return d
  }

  after(async () => {
    for (const t of launched) await t.stop().catch(() => {})
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('keeps at most launchWindow peers between their start and their first attach', async () => {
    const small = applyOverrides(await loadConfig(SMALL_CONFIG), { nodes: 10, nodesPerProcess: 5, name: 'it-window' })
    // every peer supernode material: the first two can settle without waiting for a third
    const desktop = small.profiles.find(p => p.reachable && p.capacity > 0)
    assert.ok(desktop != null)
    const config = { ...small, profiles: [{ ...desktop, share: 1 }] }
    const dir = await stateDir()
    const window = 2
    const t = await Testnet.launch({ config, stateDir: dir, launchWindow: window })
    launched.push(t)
    await remember(t)
    await t.waitForLoggedIn({ timeoutMs: 60_000 })
    const peers = await lifetimes(join(dir, config.name))
    assert.equal(peers.length, 10)
    for (const p of peers) {
      // peers started before p, not yet settled and not yet timed out when p started each held a slot
      const holding = peers.filter(q => q !== p && q.start < p.start && Math.min(q.settle, q.start + LAUNCH_SETTLE_TIMEOUT_MS) > p.start)
      assert.ok(holding.length <= window - 1, `${p.name} started while ${holding.map(q => q.name).join(', ')} had not settled`)
    }
    // and the window was used: without it every peer would have started within a few hundred ms
    const starts = peers.map(p => p.start).sort((a, b) => a - b)
    const lastSettleOfFirst = Math.min(...peers.map(p => p.settle))
    assert.ok((starts.at(-1) ?? 0) > lastSettleOfFirst, 'the last peer started after the first had settled')
    await t.stop()
  })

  it('an aborted bring-up starts no more peers, stops the started ones and rejects with LaunchAbortedError', async () => {
    const config = applyOverrides(await loadConfig(SMALL_CONFIG), { nodes: 12, nodesPerProcess: 1, name: 'it-abort' })
    const dir = await stateDir()
    const abort = new AbortController()
    let spawned = 0
    const launch = Testnet.launch({ config, stateDir: dir, signal: abort.signal, launchWindow: 2 }, (started) => {
      spawned = started
      if (started === 3) abort.abort()
    })
    await assert.rejects(launch, (err: unknown) => {
      assert.ok(err instanceof LaunchAbortedError, String(err))
      assert.match(err.message, /of 12 peers had started/)
      return true
    })
    assert.ok(spawned >= 3 && spawned < 12, `${spawned} peers had started`)
    await assertNoneRuns(join(dir, config.name))
  })

  it('Ctrl-C on a detached `up` while the testnet comes up cancels the bring-up (exit 130)', async () => {
    const dir = await stateDir()
    const name = 'it-cancel'
    const up = cliBackground(['up', '--config', SMALL_CONFIG, '--nodes', '30', '--name', name, '--state-dir', dir, '--detach'])
    const exited = new Promise<number | null>(resolve => up.once('exit', code => { resolve(code) }))
    const info = await supervisorInfo(join(dir, name))
    pids.add(info.pid)
    assert.equal(info.starting, true)
    up.kill('SIGINT')
    assert.equal(await exited, 130, up.output())
    await eventually('supervisor gone', async () => isAlive(info.pid) ? undefined : true, 30_000, 100)
    await assertNoneRuns(join(dir, name))
  })

  it('`down` stops a detached testnet that is still coming up; `status` says it is starting', async () => {
    const dir = await stateDir()
    const name = 'it-down-early'
    // a window of 32 and 30 process-mode peers: the bring-up takes several seconds
    const up = cliBackground(['up', '--config', SMALL_CONFIG, '--nodes', '30', '--name', name, '--state-dir', dir, '--detach'])
    const info = await supervisorInfo(join(dir, name))
    pids.add(info.pid)
    if (info.starting === true) {
      const st = await cli(['status', '--name', name, '--state-dir', dir], 30_000)
      assert.notEqual(st.code, 0)
      assert.match(st.stderr, /still starting/)
    }
    const down = await cli(['down', '--name', name, '--state-dir', dir], 60_000)
    assert.equal(down.code, 0, down.stderr)
    await eventually('supervisor gone', async () => isAlive(info.pid) ? undefined : true, 30_000, 100)
    await eventually('`up` returned', async () => up.exitCode !== null ? true : undefined, 30_000, 100)
    await assertNoneRuns(join(dir, name))
  })
})
