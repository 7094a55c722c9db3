import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { Sandbox, cli, eventually, healthy, isAlive, SMALL_CONFIG } from './harness.js'

describe('a testnet of real processes', () => {
  const box = new Sandbox()
  const name = 'it-main'
  const nodes = 14

  before(async () => {
    await box.setup()
    box.track(name)
    const up = await cli(['up', '--config', SMALL_CONFIG, '--nodes', String(nodes), '--name', name, '--state-dir', box.stateDir, '--detach'])
    assert.equal(up.code, 0, up.stderr)
  })

  after(async () => {
    await box.teardown()
  })

  it('logs every peer in and attaches every client to a supernode', async () => {
    const s = await eventually('all logged in', async () => {
      const st = await box.status(name)
      return healthy(st, nodes) ? st : undefined
    })
    assert.equal(s.summary.total, nodes)
    assert.ok(s.summary.supernodes >= 2, `expected at least 2 supernodes, got ${s.summary.supernodes}`)
    for (const n of s.nodes.filter(n => n.role === 'supernode')) {
      assert.ok(n.load <= n.capacity, `${n.name} holds ${n.load} clients over its capacity ${n.capacity}`)
    }
  })

  it('runs the peers 10 steps nicer than the login server (peerNice), which keeps the launcher\'s priority', async () => {
    // field 19 of /proc/<pid>/stat, counted after the command name's closing parenthesis
    const nice = (pid: number): number => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    }
    const s = await box.status(name)
    assert.ok(s.loginServer.pid != null)
    const login = nice(s.loginServer.pid)
    assert.equal(login, nice(process.pid), 'the login server runs at the launcher\'s (and this test\'s) priority')
    for (const n of s.nodes) {
      assert.ok(n.pid != null)
      assert.equal(nice(n.pid), Math.min(19, login + 10), `${n.name}'s niceness`)
    }
  })

  it('moves the clients of a killed supernode to other supernodes', async () => {
    const before = await box.status(name)
    const victim = before.nodes
      .filter(n => n.alive && n.role === 'supernode')
      .sort((a, b) => b.load - a.load)[0]
    assert.ok(victim != null && victim.load > 0, 'a supernode with clients')
    const orphans = before.nodes.filter(n => n.supernode === victim.name).map(n => n.name)
    const killed = await cli(['kill', victim.name, '--name', name, '--state-dir', box.stateDir])
    assert.equal(killed.code, 0, killed.stderr)
    assert.deepEqual(JSON.parse(killed.stdout).nodes, [victim.name])
    assert.ok(victim.pid != null && !isAlive(victim.pid), 'the victim process is gone')
    const s = await eventually('orphans re-attached', async () => {
      const st = await box.status(name)
      return healthy(st, nodes - 1) ? st : undefined
    })
    for (const o of orphans) {
      const n = s.nodes.find(x => x.name === o)
      assert.ok(n?.loggedIn === true && n.supernode !== victim.name, `${o} re-attached elsewhere`)
    }
    const back = await cli(['restart', victim.name, '--name', name, '--state-dir', box.stateDir])
    assert.equal(back.code, 0, back.stderr)
  })

  it('brings everyone back after half the nodes are killed and restarted', async () => {
    await eventually('settled', async () => healthy(await box.status(name), nodes) ? true : undefined)
    const killed = await cli(['kill', '50%', '--name', name, '--state-dir', box.stateDir])
    assert.equal(killed.code, 0, killed.stderr)
    const victims = JSON.parse(killed.stdout).nodes as string[]
    assert.equal(victims.length, nodes / 2)
    const mid = await box.status(name)
    assert.equal(mid.summary.alive, nodes / 2)
    const restarted = await cli(['restart', victims.join(','), '--spread', '2s', '--name', name, '--state-dir', box.stateDir])
    assert.equal(restarted.code, 0, restarted.stderr)
    assert.deepEqual([...JSON.parse(restarted.stdout).nodes].sort(), [...victims].sort())
    const s = await eventually('all back', async () => {
      const st = await box.status(name)
      return healthy(st, nodes) ? st : undefined
    }, 90_000)
    assert.equal(s.summary.loggedIn, nodes)
  })

  it('pauses and resumes nodes with SIGSTOP/SIGCONT', async () => {
    const r = await cli(['pause', '2', '--role', 'client', '--name', name, '--state-dir', box.stateDir])
    assert.equal(r.code, 0, r.stderr)
    const paused = JSON.parse(r.stdout).nodes as string[]
    assert.equal(paused.length, 2)
    const s = await box.status(name)
    for (const p of paused) assert.equal(s.nodes.find(n => n.name === p)?.paused, true)
    const res = await cli(['resume', 'all', '--name', name, '--state-dir', box.stateDir])
    assert.deepEqual([...JSON.parse(res.stdout).nodes].sort(), [...paused].sort())
    await eventually('resumed nodes logged in', async () => healthy(await box.status(name), nodes) ? true : undefined)
  })

  it('refuses an unknown node name with exit code 2', async () => {
    const r = await cli(['kill', 'no-such-node', '--name', name, '--state-dir', box.stateDir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no-such-node/)
  })

  it('down stops every process and keeps the logs', async () => {
    const s = await box.status(name)
    const pids = [...s.nodes.map(n => n.pid), s.loginServer.pid].filter((p): p is number => p != null)
    const r = await cli(['down', '--name', name, '--state-dir', box.stateDir])
    assert.equal(r.code, 0, r.stderr)
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive after down`)
    const { existsSync } = await import('node:fs')
    assert.ok(existsSync(`${box.stateDir}/${name}/nodes/peer-01/events.jsonl`), 'event log kept')
    const again = await cli(['status', '--name', name, '--state-dir', box.stateDir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /not running|no testnet/)
  })
})
