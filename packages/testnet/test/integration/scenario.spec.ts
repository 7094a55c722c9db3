import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Sandbox, cli, isAlive } from './harness.js'

const SCENARIO = `# a small cascade: every supernode killed, restarted over 3 s; then a little churn
name: tiny-cascade
policies: [adaptive]
testnet:
  nodes: 10
  seed: 11
  profiles:
    - { name: desktop, share: 0.5, reachable: true, capacity: 6, bandwidthKbps: 1000, attachesPerSecond: 5 }
    - { name: laptop, share: 0.5, reachable: false, capacity: 0, bandwidthKbps: 200 }
  loginServer: { loginsPerSecond: 10, burst: 5 }
  promotion: { clientsPerSupernode: 3, minUptimeMs: 500, minTenureMs: 60000 }
  timing: { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 1750, reportIntervalMs: 500, supernodeExpiryMs: 1750, requestTimeoutMs: 2000, retryBaseMs: 200, retryMaxMs: 2000, startupTimeoutMs: 60000 }
steps:
  - wait: { loggedInShare: 1, stable: 2s, timeout: 60s }
  - observe: 4s
  - kill: { share: 0.5, supernodeBias: 1 }
  - restart: { nodes: killed, spread: 3s }
  - observe: 12s
  - churn: { for: 6s, share: 0.5, sessionShape: 0.5, meanSession: 1s, meanDowntime: 500ms }
  - observe: 8s
assertions:
  - { metric: finalLoggedInShare, min: 0.9 }
  - { metric: minLoggedInShare, max: 1 }
`

describe('stampede run', () => {
  const box = new Sandbox()

  before(async () => { await box.setup() })
  after(async () => { await box.teardown() })

  it('runs a scenario and writes its timeline, events, summary and report', async () => {
    const file = join(box.stateDir, 'tiny.yaml')
    await writeFile(file, SCENARIO)
    const out = join(box.stateDir, 'run-1')
    const r = await cli(['run', file, '--out', out, '--state-dir', box.stateDir], 240_000)
    assert.equal(r.code, 0, r.stderr)
    for (const f of ['run.json', 'timeseries.csv', 'events.jsonl', 'summary.json', 'report.html', 'figure.svg']) {
      assert.ok(existsSync(join(out, f)), `${f} written`)
    }
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))
    for (const key of ['policy', 'seed', 'nodes', 'minLoggedInShare', 'recovery50Seconds', 'recovery95Seconds', 'attemptsPerLogin', 'loginServerPeakRatio', 'overloadDemotions', 'assertionsPassed']) {
      assert.ok(key in summary, `summary has ${key}`)
    }
    assert.equal(summary.policy, 'adaptive')
    assert.equal(summary.nodes, 10)
    assert.equal(summary.assertionsPassed, true)
    assert.ok(summary.minLoggedInShare < 1, 'the kill was seen in the timeline')
    const csv = (await readFile(join(out, 'timeseries.csv'), 'utf8')).trim().split('\n')
    assert.ok(csv.length > 15, `about one sample a second (${csv.length - 1} rows)`)
    assert.match(csv[0] ?? '', /^t,phase,online,loggedIn,loggedInShare,supernodes,capacity,demand,loginAttempts/)
    const events = (await readFile(join(out, 'events.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as { type: string, nodes?: unknown })
    const types = new Set(events.map(e => e.type))
    for (const t of ['trigger', 'kill', 'restart-begin', 'restart-end', 'churn-begin', 'churn-leave', 'churn-join', 'churn-end']) assert.ok(types.has(t), `event ${t}`)
    // churn crashed real processes and brought each one back
    const left = events.filter(e => e.type === 'churn-leave').length
    assert.equal(events.filter(e => e.type === 'churn-join').length, left)
    // every node of the run is gone
    const nodes = JSON.parse(await readFile(join(box.stateDir, 'tiny-cascade-adaptive', 'nodes.json'), 'utf8')) as { nodes: Array<{ pid: number | null }> }
    for (const n of nodes.nodes) assert.ok(n.pid == null || !isAlive(n.pid), 'no node left running')
  })

  it('rejects an invalid scenario before starting anything, naming file, line and field', async () => {
    const file = join(box.stateDir, 'bad.yaml')
    await writeFile(file, SCENARIO.replace('share: 0.5, supernodeBias: 1', 'share: 1.5, supernodeBias: 1'))
    const r = await cli(['run', file, '--out', join(box.stateDir, 'run-bad'), '--state-dir', box.stateDir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /bad\.yaml:\d+:\d+: steps\[2\]\.kill\.share/)
    assert.equal(existsSync(join(box.stateDir, 'run-bad')), false)
  })
})
