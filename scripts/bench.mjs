#!/usr/bin/env node
/**
 * Stampede benchmarks: what one node process costs, what the esbuild bundle buys at
 * start-up, how long a 100-node testnet takes to come up on this machine, how long a
 * restart storm takes against the floor of bare libp2p nodes, how many attaches one
 * supernode admits against the raw handshake rate, what the launcher itself costs, how many
 * peers reach steady state in process and packed mode, and how long 300 and 1,000 take to
 * come up.
 * Each figure is set against a baseline measured in the same run.
 *
 *   npm run bench                         # build, run everything, rewrite docs/benchmarks.md
 *   node scripts/bench.mjs --quick        # smaller sizes, a smoke run (docs left alone)
 *   node scripts/bench.mjs --only startup # one benchmark (see BENCHMARKS)
 *
 * Prints one table on stdout; progress goes to stderr. Every process it starts is a child
 * of this one and is stopped at the end, on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { NODE_EXEC_ARGV, NodeProcess, Testnet, applyOverrides, defaultConfig } from '@stampede/testnet'
import { CODE_CACHE_ENV, WARM_SUPERNODE } from '@stampede/node/code-cache'
import { CLK_TCK, childPids, machineBusyPercent, machineInfo, pidsWithArg, readCpuTicks, readMachineTicks, readMemory, testnetPids, watchLoad } from './bench/proc.mjs'
import { bringupTimeline, readPeerEvents } from './bench/events.mjs'
import { renderMarkdown, renderTable, scanStderr } from './bench/report.mjs'
import { mb, median, pct, percentile, range, secs, sum } from './bench/stats.mjs'
import { bundleScript } from './bench/bundle.mjs'
import { benchStorm } from './bench/storm.mjs'
import { benchThroughput } from './bench/throughput.mjs'
import { benchLauncher } from './bench/launcher.mjs'
import { benchDensity } from './bench/density.mjs'
import { benchBringupLarge } from './bench/bringup-large.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DOC = join(ROOT, 'docs', 'benchmarks.md')
/** Everything in docs/benchmarks.md from this line on is kept when the page is rewritten. */
const KEEP_MARKER = '<!-- kept by npm run bench: measured by other commands -->'
const BENCHMARKS = ['process', 'startup', 'bringup', 'storm', 'throughput', 'launcher', 'density', 'bringup-large']
/** The issue's goal for a 100-node bring-up on a 2-core machine. */
const BRINGUP_GOAL_MS = 30_000

const HELP = `Usage: node scripts/bench.mjs [--quick] [--only NAME[,NAME]] [--docs | --no-docs] [--keep-state]

Benchmarks (all by default, in this order):
  process   per node process in a settled testnet of 20 peers: idle RSS, idle CPU,
            spawn-to-logged-in of restarted clients
  startup   spawn-to-ready and RSS of one stampede-node: bundle vs compiled bin,
            with and without the compile cache, against a bare Node.js process
  bringup   a 100-peer testnet from launch to everyone logged in (goal: under 30 s)
  storm     40 peers settled (adaptive), half killed at once (SIGKILL, supernodes first)
            and restarted at once: kill to everyone logged in again, against the floor
            of 40 bare libp2p nodes killed and restarted the same way (goal: within 1.5x)
  throughput
            attaches per second one supernode (no admission limit) admits, new
            connection each, against new Noise connections per second to a bare
            libp2p listener from the same load processes; the supernode's CPU share
  launcher  CPU share of the stampede run process (supervision and the Recorder's
            sampling every second) over 60 s of a steady 30-peer testnet, against the
            whole machine (goal: under 5 %)
  density   the most peers at steady state (all logged in, every process's event-loop
            lag p99 under 100 ms), stepping sizes up until one fails: process mode
            50-300 (goal 300), packed mode 25 per worker 50-1000 (goal 1000); RSS per
            node, lag p99 and time to all logged in of the largest passing size
  bringup-large
            300 peers in process mode and 1,000 packed (50 per worker), one run each:
            launch to all logged in, or the share logged in at 240 s (goal for 1,000
            packed: under 60 s)

Options:
  --quick        smaller sizes (10 to 100 peers, shorter windows, fewer repetitions):
                 a smoke run, each benchmark well under a minute
  --only NAME    run only these benchmarks (comma-separated)
  --docs         rewrite docs/benchmarks.md (the default for a full run only)
  --no-docs      never rewrite docs/benchmarks.md
  --keep-state   keep the temporary state directory (node logs) instead of removing it`

const started = performance.now()
const live = { testnets: new Set(), procs: new Set() }
let stateDir
let keepState = false
let interrupted = false

function progress (line) {
  const t = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[${t} s] ${line}\n`)
}

const sleep = async (ms) => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Throws once Ctrl-C was pressed, so a benchmark stops at its next step. */
function checkInterrupted () {
  if (interrupted) throw new Error('interrupted')
}

// ---------------------------------------------------------------------------------------
// Clean-up: every node is a child of this process. Stop them politely on a signal, and
// SIGKILL whatever child is left (by pid) when this process exits for any reason.

async function stopEverything (graceMs) {
  await Promise.all([...live.testnets].map(async t => { await t.stop(graceMs).catch(() => {}) }))
  await Promise.all([...live.procs].map(async p => { await p.stop('TERM', graceMs).catch(() => {}) }))
  // nodes of a testnet still being launched are children we hold no handle on yet
  const rest = childPids()
  for (const pid of rest) {
    try { process.kill(pid, 'SIGTERM') } catch { /* already gone */ }
  }
  const until = Date.now() + graceMs
  while (rest.length > 0 && childPids().length > 0 && Date.now() < until) await sleep(100)
}

function onSignal (signal) {
  if (interrupted) {
    progress(`${signal} again: killing every node now`)
    process.exit(130)
  }
  interrupted = true
  progress(`${signal}: stopping every node (press Ctrl-C again to kill them at once)`)
  setTimeout(() => { process.exit(130) }, 15_000).unref()
  void stopEverything(2_000).finally(() => { process.exit(130) })
}
process.on('SIGINT', () => { onSignal('SIGINT') })
process.on('SIGTERM', () => { onSignal('SIGTERM') })
process.on('SIGHUP', () => { onSignal('SIGHUP') })
process.on('exit', () => {
  for (const pid of childPids()) {
    try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
  }
  if (stateDir != null && !keepState) rmSync(stateDir, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------
// Helpers shared by the benchmarks

function nodeEntries () {
  const bin = fileURLToPath(import.meta.resolve('@stampede/node/bin'))
  const bundle = fileURLToPath(import.meta.resolve('@stampede/node/bundle'))
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle}: run npm run build first`)
  return { bin, bundle, bare: fileURLToPath(new URL('./bench/idle-node.mjs', import.meta.url)) }
}

/** One node's status straight from its control endpoint (cheaper than testnet.status()). */
async function nodeStatus (testnet, name) {
  const p = testnet.process(name)
  if (!p.alive || p.controlPort == null) return undefined
  try {
    const res = await globalThis.fetch(`http://127.0.0.1:${p.controlPort}/status`, {
      headers: { authorization: `Bearer ${testnet.token}` },
      signal: AbortSignal.timeout(1_000)
    })
    return res.ok ? await res.json() : undefined
  } catch {
    return undefined
  }
}

async function launchTestnet (config, what) {
  const unexpected = []
  const t0 = performance.now()
  let lastShown = 0
  const testnet = await Testnet.launch({
    config,
    stateDir,
    onUnexpectedExit: (name, code, signal) => {
      unexpected.push(`${name} (code ${code}, signal ${signal})`)
      progress(`${what}: node ${name} exited unexpectedly (code ${code}, signal ${signal})`)
    }
  }, (n, total) => {
    const now = performance.now()
    if (n === total || now - lastShown > 2_000) {
      lastShown = now
      progress(`${what}: spawned ${n}/${total} peers (${secs(now - t0)})`)
    }
  })
  live.testnets.add(testnet)
  return { testnet, unexpected, spawnedMs: performance.now() - t0, t0 }
}

async function stopTestnet (testnet) {
  const t0 = performance.now()
  await testnet.stop()
  live.testnets.delete(testnet)
  return performance.now() - t0
}

/** Per-process CPU (% of one core) of `pids` and the machine's busy share over `ms` of rest. */
async function idleWindow (pids, ms) {
  const before = new Map([...pids].map(([name, pid]) => [name, readCpuTicks(pid)]))
  const load = watchLoad()
  const t0 = performance.now()
  await sleep(ms)
  const { machinePct, foreignPct } = load.end()
  const elapsedS = (performance.now() - t0) / 1000
  const perNode = new Map()
  for (const [name, pid] of pids) {
    const a = before.get(name)
    const b = readCpuTicks(pid)
    if (a != null && b != null) perNode.set(name, 100 * (b - a) / CLK_TCK / elapsedS)
  }
  return { perNode, machinePct, foreignPct, elapsedS }
}

/** Pids of the nodes this benchmark holds a handle on. */
function ownedPids () {
  const owned = new Set()
  for (const t of live.testnets) for (const pid of testnetPids(t).values()) owned.add(pid)
  for (const p of live.procs) if (p.pid != null) owned.add(p.pid)
  return owned
}

/**
 * After a failed Testnet.launch(): its other spawn workers keep starting nodes after it
 * gave up, and nothing holds those. Stop every child we hold no handle on (TERM, then
 * KILL after 5 s) until none has appeared for \`quietMs\`.
 */
async function sweepStrays (quietMs = 3_000, maxMs = 90_000) {
  const signalled = new Map()
  const begun = Date.now()
  let quietSince = Date.now()
  while (Date.now() - begun < maxMs) {
    const owned = ownedPids()
    const strays = childPids().filter(pid => !owned.has(pid))
    for (const pid of strays) {
      const at = signalled.get(pid)
      try {
        if (at == null) { process.kill(pid, 'SIGTERM'); signalled.set(pid, Date.now()); quietSince = Date.now() } else if (Date.now() - at > 5_000) process.kill(pid, 'SIGKILL')
      } catch { /* gone meanwhile */ }
    }
    if (strays.length === 0 && Date.now() - quietSince >= quietMs) break
    await sleep(250)
  }
  return signalled.size
}

/** The testnets' caches (Node's compile cache, the bundles' V8 code cache) under the state directory. */
const compileCacheDir = () => join(stateDir, '.compile-cache')
const codeCacheDir = () => join(stateDir, '.code-cache')

/** A code cache file of `bundle` (stampede-node or stampede-worker) of a supernode's level. */
function hasWarmCodeCache (bundle) {
  const dir = codeCacheDir()
  return existsSync(dir) && readdirSync(dir).some(f => f.startsWith(`${bundle}.bundle.js-`) && f.endsWith(`.L${WARM_SUPERNODE}.v8`))
}

/**
 * The caches a testnet leaves behind, made before a benchmark measures, as after any
 * earlier run in the same state directory: a 6-peer testnet (with `packed`, a packed one
 * too, for the worker's bundle) runs until a supernode has served long enough to write
 * the code cache (@stampede/node's code-cache.ts).
 */
async function warmCaches ({ packed = false } = {}) {
  const bundles = packed ? [['stampede-node', 1], ['stampede-worker', 3]] : [['stampede-node', 1]]
  for (const [bundle, nodesPerProcess] of bundles) {
    if (hasWarmCodeCache(bundle)) continue
    progress(`warming the caches of ${bundle} (a 6-peer testnet until a supernode has served)`)
    const config = applyOverrides(defaultConfig(), { nodes: 6, nodesPerProcess, name: `warm-${bundle}` })
    const { testnet } = await launchTestnet(config, 'warm-up')
    try {
      const until = Date.now() + 60_000
      while (!hasWarmCodeCache(bundle)) {
        checkInterrupted()
        if (Date.now() > until) throw new Error(`no code cache of ${bundle} in ${codeCacheDir()} after 60 s`)
        await sleep(250)
      }
    } finally {
      await stopTestnet(testnet)
    }
  }
}

/** How stampede-node is started; `caches` false: neither Node's compile cache nor the code cache. */
function launcherFor (entry, caches, token) {
  const env = { ...process.env, STAMPEDE_CONTROL_TOKEN: token }
  delete env.NODE_COMPILE_CACHE
  delete env[CODE_CACHE_ENV]
  if (caches !== false) {
    env.NODE_COMPILE_CACHE = compileCacheDir()
    env[CODE_CACHE_ENV] = codeCacheDir()
  }
  return { entry, execArgv: NODE_EXEC_ARGV, env, startupTimeoutMs: 60_000 }
}

async function makeNodeProcess (dir, name, settings) {
  const nodeDir = join(dir, 'nodes', name)
  const dataDir = join(nodeDir, 'data')
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const configPath = join(nodeDir, 'node.json')
  await writeFile(configPath, JSON.stringify({ name, dataDir, control: { host: '127.0.0.1', port: 0 }, ...settings }, null, 2))
  return new NodeProcess({
    name,
    kind: settings.role === 'login' ? 'login' : 'peer',
    configPath,
    dataDir,
    stdoutPath: join(nodeDir, 'stdout.log'),
    stderrPath: join(nodeDir, 'stderr.log'),
    profile: settings.profile?.name ?? settings.role
  })
}

// ---------------------------------------------------------------------------------------
// 1. Per node process, in a settled testnet

async function benchProcess (opts, entries) {
  const peers = opts.quick ? 10 : 20
  const restarts = opts.quick ? 3 : 5
  const settleMs = opts.quick ? 5_000 : 15_000
  const idleMs = opts.quick ? 5_000 : 10_000
  const rows = []
  const notes = []
  await warmCaches()

  progress(`process: machine at rest before any testnet (${idleMs / 1000} s)`)
  const rest = await idleWindow(new Map(), idleMs)

  // a bare Node.js process with the same flags: the floor under a node's RSS and idle CPU
  const bare = await makeNodeProcess(join(stateDir, 'baseline'), 'bare', { role: 'peer' })
  live.procs.add(bare)
  await bare.start(launcherFor(entries.bare, false, randomBytes(24).toString('hex')))

  const config = applyOverrides(defaultConfig(), { nodes: peers, name: 'process' })
  progress(`process: launching a testnet of ${peers} peers`)
  const { testnet, unexpected, spawnedMs, t0 } = await launchTestnet(config, 'process')
  try {
    const s = await testnet.waitForLoggedIn({ timeoutMs: 60_000, share: 1 })
    const loggedInMs = performance.now() - t0
    progress(`process: ${s.summary.loggedIn}/${s.summary.total} logged in after ${secs(loggedInMs)}; settling ${settleMs / 1000} s`)
    await sleep(settleMs)
    checkInterrupted()
    const settled = await testnet.status()
    const roles = new Map(settled.nodes.map(n => [n.name, n.role]))

    progress(`process: idle window of ${idleMs / 1000} s (nothing polls the nodes meanwhile)`)
    const pids = testnetPids(testnet)
    pids.set('bare', bare.pid)
    const idle = await idleWindow(pids, idleMs)
    const bareCpu = idle.perNode.get('bare')
    idle.perNode.delete('bare')
    const after = await testnet.status()

    const mem = new Map()
    for (const [name, pid] of testnetPids(testnet)) {
      const m = readMemory(pid)
      if (m != null) mem.set(name, m)
    }
    const bareMem = readMemory(bare.pid)
    await bare.stop('TERM')
    live.procs.delete(bare)

    const peerNames = testnet.nodeNames()
    const peerRss = peerNames.map(n => mem.get(n)?.rssKb).filter(x => x != null)
    const snRss = peerNames.filter(n => roles.get(n) === 'supernode').map(n => mem.get(n)?.rssKb).filter(x => x != null)
    const clRss = peerNames.filter(n => roles.get(n) === 'client').map(n => mem.get(n)?.rssKb).filter(x => x != null)
    const peerCpu = peerNames.map(n => idle.perNode.get(n)).filter(x => x != null)
    const snCpu = peerNames.filter(n => roles.get(n) === 'supernode').map(n => idle.perNode.get(n)).filter(x => x != null)
    const clCpu = peerNames.filter(n => roles.get(n) === 'client').map(n => idle.perNode.get(n)).filter(x => x != null)
    const loginCpu = idle.perNode.get('login')
    const testnetCpu = sum([...idle.perNode.values()]) / machineInfo().cores

    // restart settled clients one at a time: spawn -> ready -> logged in
    const victims = settled.nodes.filter(n => n.role === 'client' && n.loggedIn).slice(0, restarts).map(n => n.name)
    const toReady = []
    const toLoggedIn = []
    const failures = []
    for (const name of victims) {
      checkInterrupted()
      await testnet.kill([name], 'KILL')
      const a = performance.now()
      await testnet.start([name])
      const ready = performance.now() - a
      let loggedIn
      while (performance.now() - a < 30_000) {
        const st = await nodeStatus(testnet, name)
        if (st?.loggedIn === true) { loggedIn = performance.now() - a; break }
        await sleep(20)
      }
      if (loggedIn == null) {
        failures.push(name)
        progress(`process: ${name} not logged in 30 s after its restart`)
      } else {
        toReady.push(ready)
        toLoggedIn.push(loggedIn)
        progress(`process: restarted ${name}: ready after ${secs(ready)}, logged in after ${secs(loggedIn)}`)
      }
      await sleep(1_000)
    }

    const stopMs = await stopTestnet(testnet)
    const unit = `${peers}-peer testnet, settled (${after.summary.loggedIn}/${after.summary.total} logged in, ${after.summary.supernodes} supernodes)`
    rows.push({ section: `1. Per node process — ${unit}` })
    rows.push({
      figure: 'RSS at idle, peers: median / p90',
      value: `${mb(median(peerRss))} / ${mb(percentile(peerRss, 90))}`,
      context: `bare Node.js (same flags) ${mb(bareMem?.rssKb)}; supernodes ${mb(median(snRss))}, clients ${mb(median(clRss))}; login server ${mb(mem.get('login')?.rssKb)}; all ${peers + 1} processes ${mb(sum([...mem.values()].map(m => m.rssKb)))}`
    })
    rows.push({
      figure: `Spawn to logged in, restarted client (median of ${toLoggedIn.length})`,
      value: secs(median(toLoggedIn)),
      context: `range ${range(toLoggedIn)}; spawn to ready ${secs(median(toReady))} of it`
    })
    rows.push({
      figure: `Idle CPU per peer, % of one core (median / p90, ${idle.elapsedS.toFixed(0)} s)`,
      value: `${pct(median(peerCpu))} / ${pct(percentile(peerCpu, 90))}`,
      context: `mean ${pct(sum(peerCpu) / peerCpu.length)}; supernodes ${pct(median(snCpu))}, clients ${pct(median(clCpu))}; login server ${pct(loginCpu)}; bare Node.js ${pct(bareCpu)} (1 tick = ${pct(100 / CLK_TCK / idle.elapsedS)})`
    })
    rows.push({
      figure: 'Idle CPU of the whole testnet, % of the machine',
      value: pct(testnetCpu),
      context: `machine busy ${pct(idle.machinePct)} in the same window (other processes ${pct(idle.foreignPct)}); ${pct(rest.machinePct)} before the testnet (other processes ${pct(rest.foreignPct)})`
    })
    notes.push(`Process benchmark: ${peers} peers spawned in ${secs(spawnedMs)} and all logged in ${secs(loggedInMs)} after launch; stopping the testnet took ${secs(stopMs)}.`)
    if (failures.length > 0) notes.push(`Restarted clients not logged in within 30 s: ${failures.join(', ')}.`)
    if (unexpected.length > 0) notes.push(`Unexpected node exits in the process benchmark: ${unexpected.join('; ')}.`)
    if (after.summary.loggedIn < after.summary.total) notes.push(`After the idle window only ${after.summary.loggedIn}/${after.summary.total} peers were logged in.`)
    return { rows, notes }
  } finally {
    await stopTestnet(testnet).catch(() => {})
    await bare.stop('TERM').catch(() => {})
    live.procs.delete(bare)
  }
}

// ---------------------------------------------------------------------------------------
// 2. Start-up of one node process: bundle vs compiled bin, compile cache or not

async function benchStartup (opts, entries) {
  const reps = opts.quick ? 3 : 5
  const rssDelayMs = 1_000
  const dir = join(stateDir, 'startup')
  // the caches a testnet run leaves behind (the bin's compile cache fills in round 0)
  await warmCaches()
  const token = randomBytes(24).toString('hex')
  const rows = []
  const notes = []

  // the peers need a login server to talk to
  const login = await makeNodeProcess(dir, 'login', { role: 'login', seed: 1 })
  live.procs.add(login)
  await login.start(launcherFor(entries.bundle, false, token))
  const loginServer = { id: login.peerId, addrs: login.addrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')) }

  const variants = [
    { label: 'esbuild bundle + code cache of a warm node (the testnet default)', entry: entries.bundle, cache: true },
    { label: 'esbuild bundle, no cache', entry: entries.bundle, cache: false },
    { label: 'compiled bin (tsc output) + compile cache', entry: entries.bin, cache: true },
    { label: 'compiled bin, no compile cache', entry: entries.bin, cache: false },
    { label: 'baseline: bare Node.js process, same flags', entry: entries.bare, cache: false }
  ]
  const profile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }
  for (const [i, v] of variants.entries()) {
    v.proc = await makeNodeProcess(dir, `peer-${i + 1}`, { role: 'peer', seed: i + 1, loginServer, profile })
    v.ready = []
    v.rss = []
    v.hwm = []
    v.cpu = []
  }
  try {
    // round 0 warms up: it creates each peer's identity and fills the compile cache
    for (let round = 0; round <= reps; round++) {
      progress(`startup: round ${round}/${reps}${round === 0 ? ' (warm-up, not counted)' : ''}`)
      for (const v of variants) {
        checkInterrupted()
        live.procs.add(v.proc)
        const a = performance.now()
        await v.proc.start(launcherFor(v.entry, v.cache, token))
        const ms = performance.now() - a
        const ticks = readCpuTicks(v.proc.pid)
        await sleep(rssDelayMs)
        const m = readMemory(v.proc.pid)
        await v.proc.stop('TERM')
        live.procs.delete(v.proc)
        if (round === 0) {
          v.cold = ms
        } else {
          v.ready.push(ms)
          if (ticks != null) v.cpu.push(1000 * ticks / CLK_TCK)
          if (m != null) { v.rss.push(m.rssKb); v.hwm.push(m.hwmKb) }
        }
      }
    }
  } finally {
    for (const v of variants) { await v.proc.stop('TERM').catch(() => {}); live.procs.delete(v.proc) }
    await login.stop('TERM').catch(() => {})
    live.procs.delete(login)
  }

  rows.push({ section: `2. Start-up of one stampede-node peer: spawn to 'ready' (median of ${reps}, interleaved)` })
  for (const v of variants) {
    rows.push({
      figure: v.label,
      value: secs(median(v.ready)),
      context: `range ${range(v.ready)}; CPU used by ready ${secs(median(v.cpu))}; RSS ${mb(median(v.rss))} (peak ${mb(median(v.hwm))}) ${rssDelayMs / 1000} s after ready`
    })
  }
  const [bundleCache, bundle, binCache, bin, bare] = variants
  const saved = median(bin.ready) - median(bundleCache.ready)
  rows.push({
    figure: 'What the bundle + cache buys over the plain compiled bin',
    value: `${secs(saved)} per start (${pct(100 * saved / median(bin.ready), 0)})`,
    context: `${mb(median(bin.rss) - median(bundleCache.rss))} less RSS; node code above bare Node.js: ${secs(median(bundleCache.ready) - median(bare.ready))} (bundle + cache) vs ${secs(median(bin.ready) - median(bare.ready))} (bin)`
  })
  notes.push(`Start-up warm-up round (first start of each variant, not counted): ${variants.slice(0, 4).map(v => `${v.label.replace(/ \(.*\)$/, '')} ${secs(v.cold)}`).join('; ')} (the bundle's code cache was written beforehand by a warm supernode of a 6-peer testnet; the compiled bin's compile cache was empty here, and filled).`)
  notes.push(`Caches alone: bundle ${secs(median(bundle.ready))} without vs ${secs(median(bundleCache.ready))} with its code cache; compiled bin ${secs(median(bin.ready))} without vs ${secs(median(binCache.ready))} with.`)
  return { rows, notes }
}

// ---------------------------------------------------------------------------------------
// 3. A 100-node testnet from launch to everyone logged in

async function benchBringup (opts) {
  const peers = opts.quick ? 20 : 100
  const runs = opts.quick ? 1 : 3
  const afterMs = opts.quick ? 5_000 : 10_000
  const rows = []
  const notes = []
  await warmCaches()
  const results = []
  const failures = []
  // a launch that fails (e.g. a node cannot bind its port) is retried, at most twice
  for (let attempt = 1; results.length < runs && attempt <= runs + 2; attempt++) {
    checkInterrupted()
    if (attempt > 1) await sleep(3_000)
    const r = await bringupOnce(peers, afterMs, `bringup-${attempt}`, `bringup ${results.length + 1}/${runs}`)
    if (r.launchError != null) failures.push({ attempt, ...r })
    else results.push(r)
  }
  for (const f of failures) notes.push(`Bring-up attempt ${f.attempt} failed to launch after ${secs(f.ms)} and was not counted: ${f.launchError}${f.swept > 0 ? ` (${f.swept} nodes it went on spawning after the failure were stopped by the benchmark)` : ''}.`)
  if (results.length === 0) {
    rows.push({ section: `3. Bring-up of a ${peers}-peer testnet` })
    rows.push({ figure: 'Launch to all logged in', value: 'failed', context: `every launch failed (${failures.length}); see the notes` })
    return { rows, notes, goal: { ms: undefined, met: false, peers, runs: 0, metRuns: 0 } }
  }
  const cores = machineInfo().cores
  const ok = results.filter(r => r.ok)
  const loggedIn = ok.map(r => r.ms)
  const met = results.filter(r => r.ok && r.ms < BRINGUP_GOAL_MS).length
  const goalMet = ok.length === results.length && median(loggedIn) < BRINGUP_GOAL_MS
  const failedLaunches = failures.length > 0 ? `; ${failures.length} failed launch${failures.length === 1 ? '' : 'es'} not counted (see notes)` : ''
  const all = (f) => results.flatMap(f)
  const med = (f) => median(results.map(f).filter(Number.isFinite))
  const refusals = new Map()
  for (const r of results) for (const [k, n] of r.timeline.refusals) refusals.set(k, (refusals.get(k) ?? 0) + n)
  const n = results.length > 1 ? `median of ${results.length} runs` : '1 run'

  rows.push({ section: `3. Bring-up of a ${peers}-peer testnet (default config, warm compile cache; ${n})` })
  rows.push({
    figure: 'Launch to all spawned (every process ready)',
    value: secs(median(results.map(r => r.spawnedMs))),
    context: `range ${range(results.map(r => r.spawnedMs))}; ${(peers / (median(results.map(r => r.spawnedMs)) / 1000)).toFixed(1)} peers/s`
  })
  rows.push({
    figure: 'Launch to all logged in (waitForLoggedIn, share 1)',
    value: ok.length > 0 ? secs(median(loggedIn)) : 'not reached',
    context: `goal < 30 s on this ${cores}-core machine: ${goalMet ? 'MET' : 'NOT MET'} (${met}/${results.length} run${results.length === 1 ? '' : 's'} under 30 s${opts.quick ? '; the goal is for 100 peers, this is a quick run' : ''}); range ${range(results.map(r => r.ms))}${failedLaunches}`
  })
  rows.push({
    figure: 'Logged-in curve from the nodes\' event logs: 50 / 90 / 100 %',
    value: `${secs(med(r => r.timeline.at(0.5)))} / ${secs(med(r => r.timeline.at(0.9)))} / ${secs(med(r => r.timeline.at(1)))}`,
    context: `per peer, own start to logged in: median ${secs(median(all(r => r.timeline.startToLoggedIn)))}, p90 ${secs(percentile(all(r => r.timeline.startToLoggedIn), 90))}; refusals: ${refusals.size === 0 ? 'none' : [...refusals].map(([k, c]) => `${k} ${(c / runs).toFixed(0)}/run`).join(', ')}`
  })
  rows.push({
    figure: 'CPU per peer process, spawn to end of bring-up: median / p90',
    value: `${secs(median(all(r => r.peerCpuMs)))} / ${secs(percentile(all(r => r.peerCpuMs), 90))}`,
    context: `supernodes ${secs(median(all(r => r.snCpuMs)))} (${(all(r => r.snCpuMs).length / results.length).toFixed(0)}), clients ${secs(median(all(r => r.clientCpuMs)))}; login server ${secs(med(r => r.loginCpuMs))}; all nodes ${secs(med(r => r.treeCpuMs))} of CPU = ${secs(med(r => r.treeCpuMs) / cores)} of wall time on ${cores} cores`
  })
  rows.push({
    figure: 'Machine CPU during bring-up: mean / peak 1 s',
    value: `${pct(med(r => r.cpuMean), 0)} / ${pct(Math.max(...results.map(r => r.cpuPeak)), 0)}`,
    context: `this benchmark process itself (launcher, status polls) ${pct(med(r => r.selfPct) / cores, 1)} of it, other processes on the machine ${pct(med(r => r.foreignPct), 1)}`
  })
  rows.push({
    figure: `Idle in the ${afterMs / 1000} s right after bring-up, % of the machine`,
    value: pct(med(r => r.after.machinePct), 0),
    context: `other processes ${pct(med(r => r.after.foreignPct), 0)} of it; login server ${pct(median(all(r => r.after.login)), 1)} of a core; peers median ${pct(median(all(r => r.after.peers)), 2)}, supernodes ${pct(median(all(r => r.after.supernodes)), 2)}, clients ${pct(median(all(r => r.after.clients)), 2)}`
  })
  rows.push({
    figure: `RSS of all ${peers + 1} processes after bring-up`,
    value: mb(med(r => r.rssTotal)),
    context: `median ${mb(median(all(r => r.rss)))} per process`
  })
  for (const [i, r] of results.entries()) {
    notes.push(`Bring-up run ${i + 1}: all spawned ${secs(r.spawnedMs)}, ${r.ok ? `all logged in ${secs(r.ms)}` : `not all logged in (${r.message})`}, ${r.atSpawned}/${peers} logged in when the last spawn finished; ${r.endStatus.summary.loggedIn}/${r.endStatus.summary.total} logged in and ${r.endStatus.summary.supernodes} supernodes after the idle window; stopping ${peers + 1} processes took ${secs(r.stopMs)}; other processes used ${pct(r.foreignPct, 1)} of the machine during its bring-up.${r.unexpected.length > 0 ? ` Unexpected exits: ${r.unexpected.join('; ')}.` : ''}`)
  }
  return { rows, notes, goal: { ms: ok.length > 0 ? median(loggedIn) : undefined, met: goalMet, peers, runs: results.length, metRuns: met, failedLaunches: failures.length } }
}

/** One bring-up: launch, wait for everyone logged in, then a quiet window, then stop. */
async function bringupOnce (peers, afterMs, name, what) {
  const config = applyOverrides(defaultConfig(), { nodes: peers, name })
  // machine CPU, sampled every second from /proc/stat
  const samples = []
  let prev = readMachineTicks()
  const sampler = setInterval(() => {
    const cur = readMachineTicks()
    samples.push(machineBusyPercent(prev, cur))
    prev = cur
  }, 1_000)
  const load = watchLoad()
  const self0 = process.cpuUsage()
  const wall0 = Date.now()
  progress(`${what}: launching a testnet of ${peers} peers`)
  const t0Launch = performance.now()
  let launched
  try {
    launched = await launchTestnet(config, what)
  } catch (err) {
    clearInterval(sampler)
    if (interrupted) throw err
    const ms = performance.now() - t0Launch
    progress(`${what}: launch failed after ${secs(ms)}: ${err.message}; stopping what it started`)
    const swept = await sweepStrays()
    return { launchError: `${err.name}: ${err.message}`, ms, swept }
  }
  const { testnet, unexpected, spawnedMs, t0 } = launched
  try {
    const atSpawned = (await testnet.status()).summary.loggedIn
    let lastShown = 0
    let result
    try {
      await testnet.waitForLoggedIn({
        timeoutMs: 120_000,
        share: 1,
        onStatus: (st) => {
          if (performance.now() - lastShown > 3_000) {
            lastShown = performance.now()
            progress(`${what}: ${st.summary.loggedIn}/${st.summary.total} logged in, ${st.summary.supernodes} supernodes (${secs(lastShown - t0)})`)
          }
        }
      })
      result = { ok: true, ms: performance.now() - t0 }
    } catch (err) {
      if (interrupted) throw err
      result = { ok: false, ms: performance.now() - t0, message: err.message }
    }
    const wall1 = Date.now()
    const during = load.end()
    const self = process.cpuUsage(self0)
    clearInterval(sampler)
    progress(`${what}: ${result.ok ? `all logged in after ${secs(result.ms)}` : result.message}; quiet window of ${afterMs / 1000} s`)

    const roles = new Map((testnet.lastStatus()?.nodes ?? []).map(n => [n.name, n.role]))
    const pids = testnetPids(testnet)
    // CPU each process used from its spawn to the end of bring-up
    const spent = new Map([...pids].map(([n, pid]) => [n, 1000 * (readCpuTicks(pid) ?? NaN) / CLK_TCK]))
    const rss = [...pids.values()].map(pid => readMemory(pid)?.rssKb).filter(x => x != null)
    const idle = await idleWindow(pids, afterMs)
    const endStatus = await testnet.status()
    const stopMs = await stopTestnet(testnet)
    const timeline = bringupTimeline(await readPeerEvents(testnet.dir), wall0, wall1)
    const peerCpu = (role) => testnet.nodeNames().filter(n => role == null || roles.get(n) === role).map(n => idle.perNode.get(n)).filter(x => x != null)
    return {
      ...result,
      spawnedMs,
      atSpawned,
      unexpected,
      endStatus,
      stopMs,
      timeline,
      cpuMean: during.machinePct,
      foreignPct: during.foreignPct,
      cpuPeak: samples.length > 0 ? Math.max(...samples) : NaN,
      selfPct: 100 * (self.user + self.system) / 1000 / result.ms,
      rss,
      rssTotal: sum(rss),
      peerCpuMs: testnet.nodeNames().map(n => spent.get(n)).filter(Number.isFinite),
      snCpuMs: testnet.nodeNames().filter(n => roles.get(n) === 'supernode').map(n => spent.get(n)).filter(Number.isFinite),
      clientCpuMs: testnet.nodeNames().filter(n => roles.get(n) === 'client').map(n => spent.get(n)).filter(Number.isFinite),
      loginCpuMs: spent.get('login') ?? NaN,
      treeCpuMs: sum([...spent.values()].filter(Number.isFinite)),
      after: {
        machinePct: idle.machinePct,
        foreignPct: idle.foreignPct,
        login: [idle.perNode.get('login')].filter(x => x != null),
        peers: peerCpu(),
        supernodes: peerCpu('supernode'),
        clients: peerCpu('client')
      }
    }
  } finally {
    clearInterval(sampler)
    await stopTestnet(testnet).catch(() => {})
  }
}

// ---------------------------------------------------------------------------------------
// 4-8. Storm, throughput, launcher, density, large bring-ups (scripts/bench/*.mjs): what
// they need from this process

let bareBundle
/** The bare libp2p node (scripts/bench/bare-node.mjs), bundled like stampede-node, once per run. */
async function bareEntry () {
  bareBundle ??= bundleScript('./bare-node.mjs', join(stateDir, 'bare-node.mjs'))
  return bareBundle
}

function benchContext (entries) {
  return {
    stateDir,
    entries,
    live,
    cores: machineInfo().cores,
    clkTck: CLK_TCK,
    progress,
    sleep,
    checkInterrupted,
    interrupted: () => interrupted,
    launchTestnet,
    stopTestnet,
    makeNodeProcess,
    launcherFor,
    warmCaches,
    sweepStrays,
    bareEntry
  }
}

// ---------------------------------------------------------------------------------------

function commandLine () {
  const args = process.argv.slice(2)
  if (process.env.npm_lifecycle_event === 'bench') return ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ')
  return ['node scripts/bench.mjs', ...args].join(' ')
}

async function main () {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      'keep-state': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  })
  if (values.help === true) {
    console.log(HELP)
    return 0
  }
  const only = values.only != null ? values.only.split(',').map(s => s.trim()).filter(s => s !== '') : BENCHMARKS
  const unknown = only.filter(n => !BENCHMARKS.includes(n))
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')} (choose from ${BENCHMARKS.join(', ')})`)
    return 2
  }
  const major = Number(process.versions.node.split('.')[0])
  if (major < 22) {
    console.error(`bench: Node ${process.version} cannot run libp2p 3; run it with the workspace's Node (npx node scripts/bench.mjs or npm run bench)`)
    return 2
  }
  const full = !values.quick && values.only == null
  const writeDocs = values['no-docs'] === true ? false : values.docs === true || full
  keepState = values['keep-state']
  const opts = { quick: values.quick }

  const leftovers = pidsWithArg('stampede-node')
  if (leftovers.length > 0) progress(`warning: stampede-node processes already running (pids ${leftovers.join(', ')}); they will skew the figures`)

  stateDir = await mkdtemp(join(tmpdir(), 'stampede-bench-'))
  progress(`state in ${stateDir}; running ${only.join(', ')}${opts.quick ? ' (quick)' : ''}`)
  const entries = nodeEntries()
  const machine = machineInfo()
  const date = new Date()

  const results = []
  const foreign = []
  for (const name of BENCHMARKS.filter(n => only.includes(n))) {
    checkInterrupted()
    const fn = { process: benchProcess, startup: benchStartup, bringup: benchBringup, storm: benchStorm, throughput: benchThroughput, launcher: benchLauncher, density: benchDensity, 'bringup-large': benchBringupLarge }[name]
    const a = performance.now()
    const load = watchLoad()
    const result = await fn(opts, ['process', 'startup', 'bringup'].includes(name) ? entries : benchContext(entries))
    const { foreignPct } = load.end()
    results.push(result)
    foreign.push(`${name} ${pct(foreignPct, 1)}`)
    if (foreignPct > 5) progress(`warning: other processes used ${pct(foreignPct, 1)} of the machine during ${name}; its figures are skewed`)
    progress(`${name}: done in ${secs(performance.now() - a)}`)
  }

  const rows = results.flatMap(r => r.rows)
  const notes = results.flatMap(r => r.notes)
  const stderr = await scanStderr(stateDir)
  notes.push(`CPU used by other processes on the machine (not this benchmark or its nodes), as a share of the machine: ${foreign.join(', ')}.`)
  notes.push(stderr.summary)
  const remaining = pidsWithArg(stateDir)
  notes.push(remaining.length === 0 ? 'No node process was left running at the end.' : `Node processes still running at the end: ${remaining.join(', ')} (killed by the exit handler).`)
  const totalMs = performance.now() - started

  console.log(renderTable(rows))
  console.log()
  for (const n of notes) console.log(`- ${n}`)
  console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM, Node ${machine.node}, ${machine.os}`)
  console.log(`total run time of the benchmarks: ${secs(totalMs)}`)

  if (writeDocs) {
    const goal = results.find(r => r.goal != null && r.goal.name == null)?.goal
    const goals = results.filter(r => r.goal?.name != null).map(r => r.goal)
    // sections written by other measurements (the headline scenario) are kept as they are
    const previous = await readFile(DOC, 'utf8').catch(() => '')
    const kept = previous.includes(KEEP_MARKER) ? previous.slice(previous.indexOf(KEEP_MARKER)) : ''
    await writeFile(DOC, renderMarkdown({ rows, notes, machine, date, command: commandLine(), totalMs, quick: opts.quick, only: values.only, goal, goals }) + (kept !== '' ? '\n' + kept : ''))
    progress(`wrote ${resolve(DOC)}`)
  } else {
    progress(`docs/benchmarks.md left alone (${full ? '--no-docs' : 'partial or quick run; pass --docs to write it anyway'})`)
  }
  if (keepState) progress(`state kept in ${stateDir}`)
  return 0
}

main().then((code) => {
  process.exitCode = code
}, async (err) => {
  if (interrupted) return
  console.error(`bench: ${err.stack ?? err.message}`)
  await stopEverything(2_000)
  // the exit handler kills any child still running (even one a failed launch went on spawning)
  process.exit(1)
})
