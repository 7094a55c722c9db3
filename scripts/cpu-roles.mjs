#!/usr/bin/env node
/**
 * CPU per role of a testnet, from /proc: bring-up (spawn to everyone logged in), a quiet
 * window, then a mass restart (half the peers killed at once and restarted over a spread)
 * until everyone is logged in again. For before/after comparisons of CPU work; the
 * timing goals themselves are in `scripts/bench.mjs`.
 *
 *   node scripts/cpu-roles.mjs [--nodes 60] [--quiet 10] [--restart 50%] [--spread 20] [--entry FILE] [--json]
 *
 * Run it on a machine with nothing else busy (others' load skews every figure; the
 * output shows how much of the machine was not ours). Every process it starts is a child
 * of this one and is stopped at the end, on failure and on Ctrl-C. `--entry` runs another
 * node entry point (e.g. the unbundled packages/node/dist/src/bin/stampede-node.js).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Testnet, applyOverrides, defaultConfig, parseSelector } from '@stampede/testnet'
import { CLK_TCK, machineBusyPercent, readCpuTicks, readMachineTicks, testnetPids } from './bench/proc.mjs'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '60' },
    quiet: { type: 'string', default: '10' },
    restart: { type: 'string', default: '50%' },
    spread: { type: 'string', default: '20' },
    entry: { type: 'string' },
    json: { type: 'boolean', default: false }
  }
})
const nodes = Number(values.nodes)
const sleep = async (ms) => { await new Promise(resolve => setTimeout(resolve, ms)) }
const log = (line) => { process.stderr.write(`[${((performance.now()) / 1000).toFixed(1).padStart(6)} s] ${line}\n`) }
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const sum = (xs) => xs.reduce((a, b) => a + b, 0)
const r2 = (x) => Math.round(x * 100) / 100

/** Machine busy % once a second, until stopped. */
function machineSampler () {
  const samples = []
  let prev = readMachineTicks()
  const timer = setInterval(() => { const cur = readMachineTicks(); samples.push(machineBusyPercent(prev, cur)); prev = cur }, 1_000)
  return { stop () { clearInterval(timer); return samples } }
}

/** CPU seconds per role between two readings (`before` may be missing: a new process). */
function byRole (roles, after, before = new Map()) {
  const out = { login: [], supernode: [], client: [] }
  for (const [name, ticks] of after) {
    const role = name === 'login' ? 'login' : roles.get(name)
    if (out[role] == null || ticks == null) continue
    out[role].push((ticks - (before.get(name) ?? 0)) / CLK_TCK)
  }
  return Object.fromEntries(Object.entries(out).map(([r, xs]) => [r, { n: xs.length, median: r2(median(xs)), mean: r2(sum(xs) / Math.max(1, xs.length)), total: r2(sum(xs)) }]).filter(([, v]) => v.n > 0))
}

const readAll = (pids) => new Map([...pids].map(([n, pid]) => [n, readCpuTicks(pid)]))

const stateDir = await mkdtemp(join(tmpdir(), 'stampede-cpu-'))
let testnet
const stop = async () => { await testnet?.stop().catch(() => {}); await rm(stateDir, { recursive: true, force: true }) }
process.on('SIGINT', () => { void stop().then(() => process.exit(130)) })
const result = { nodes }
try {
  const config = applyOverrides(defaultConfig(), { nodes, name: 'cpu' })
  const sampler = machineSampler()
  const t0 = performance.now()
  log(`launching ${nodes} peers`)
  testnet = await Testnet.launch({ config, stateDir, ...(values.entry != null ? { entry: values.entry } : {}) })
  const spawnedMs = performance.now() - t0
  let s = await testnet.waitForLoggedIn({ timeoutMs: 180_000 })
  const loggedInMs = performance.now() - t0
  let pids = testnetPids(testnet)
  let roles = new Map(s.nodes.map(n => [n.name, n.role]))
  const atUp = readAll(pids)
  const up = sampler.stop()
  result.bringup = {
    spawnedS: r2(spawnedMs / 1000),
    loggedInS: r2(loggedInMs / 1000),
    supernodes: s.summary.supernodes,
    cpuS: byRole(roles, atUp),
    machineMeanPct: r2(sum(up) / Math.max(1, up.length)),
    secondsAt95: up.filter(x => x >= 95).length
  }
  log(`all logged in after ${result.bringup.loggedInS} s; quiet window of ${values.quiet} s`)

  await sleep(2_000)
  const q0 = readAll(pids)
  const qSampler = machineSampler()
  const qt0 = performance.now()
  await sleep(Number(values.quiet) * 1000)
  const qs = (performance.now() - qt0) / 1000
  const q1 = readAll(pids)
  const quiet = qSampler.stop()
  const pct = (role) => byRole(roles, q1, q0)[role]
  const oursPct = 100 * sum([...q1].map(([n, t]) => (t ?? 0) - (q0.get(n) ?? 0))) / CLK_TCK / qs / cpus().length
  result.quiet = {
    nodesPctOfMachine: r2(oursPct),
    pctOfCore: Object.fromEntries(['login', 'supernode', 'client'].filter(r => pct(r) != null).map(r => [r, { median: r2(100 * pct(r).median / qs), mean: r2(100 * pct(r).mean / qs) }])),
    machineMeanPct: r2(sum(quiet) / Math.max(1, quiet.length))
  }

  if (values.restart !== '0' && values.restart !== 'none') {
    const victims = await testnet.select(parseSelector(values.restart), { alive: true })
    s = testnet.lastStatus()
    roles = new Map(s.nodes.map(n => [n.name, n.role]))
    const survivors = new Map([...pids].filter(([n]) => !victims.includes(n)))
    const r0 = readAll(survivors)
    const rSampler = machineSampler()
    const rt0 = performance.now()
    log(`killing ${victims.length} peers (${victims.filter(v => roles.get(v) === 'supernode').length} supernodes), restarting them over ${values.spread} s`)
    await testnet.kill(victims)
    await testnet.restart(victims, { spreadMs: Number(values.spread) * 1000 })
    const lastRestartMs = performance.now() - rt0
    s = await testnet.waitForLoggedIn({ timeoutMs: 180_000 })
    const doneMs = performance.now() - rt0
    pids = testnetPids(testnet)
    const r1 = readAll(pids)
    const busy = rSampler.stop()
    const rolesNow = new Map(s.nodes.map(n => [n.name, n.role]))
    // survivors: CPU since the kill; restarted peers: their whole new life
    const survivorCpu = byRole(rolesNow, new Map([...r1].filter(([n]) => survivors.has(n))), r0)
    const restartedCpu = byRole(rolesNow, new Map([...r1].filter(([n]) => victims.includes(n))))
    result.restart = {
      victims: victims.length,
      lastRestartS: r2(lastRestartMs / 1000),
      allLoggedInS: r2(doneMs / 1000),
      survivorsCpuS: survivorCpu,
      restartedCpuS: restartedCpu,
      nodesCpuS: r2(sum([...r1].map(([n, t]) => (t ?? 0) - (r0.get(n) ?? 0))) / CLK_TCK),
      machineMeanPct: r2(sum(busy) / Math.max(1, busy.length)),
      secondsAt95: busy.filter(x => x >= 95).length
    }
    log(`everyone logged in ${result.restart.allLoggedInS} s after the kill`)
  }
} finally {
  await stop()
}
// one line per object of figures: compact, and still JSON
const pretty = JSON.stringify(result, null, 2).replace(/\{\n\s+("n"|"median")[^}]*\}/g, (m) => m.replace(/\s*\n\s*/g, ' '))
process.stdout.write(values.json === true ? JSON.stringify(result) + '\n' : pretty + '\n')
