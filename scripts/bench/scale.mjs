/**
 * One size of a testnet measured at scale, shared by the density and bringup-large
 * benchmarks: the capacity check first (a size that does not fit is reported, not run),
 * then launch (process mode, or packed with K nodes per worker), wait a bounded time for
 * every peer to log in, optionally hold a steady window in which every process reports its
 * event-loop lag, read the RSS of every process, and stop the testnet.
 */
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import * as testnetLib from '@stampede/testnet'
import { bringupTimeline, readPeerEvents } from './events.mjs'
import { readMemory, watchLoad } from './proc.mjs'
import { secs, sum } from './stats.mjs'

/** The steady-state goal for event-loop lag: every process's p99 under this. */
export const LAG_GOAL_MS = 100
/** Windows of the nodes' event-loop monitor (packages/node/src/metrics.ts EVENT_LOOP_LAG_WINDOW_MS). */
const LAG_WINDOW_MS = 5_000
const LAG_REQUEST_TIMEOUT_MS = 3_000
/**
 * Steady state, after everyone has logged in: at least the caller's settle time, and then
 * until the overlay has finished the work a mass log-in leaves behind, i.e. no supernode
 * has a presence record still to put into the DHT (`summary.presenceQueued`). At 400-600
 * packed peers that work kept the machine busy for some 20-40 s after the last log-in
 * (a 400-peer run: 99 %, 63 %, then ~20 % in 10 s windows), so a fixed 20 s measured
 * part of the bring-up's tail, not the steady state. Polled this often, given up after
 * SETTLE_MAX_MS (then the windows are read anyway and the result says so).
 */
const SETTLE_POLL_MS = 5_000
const SETTLE_MAX_MS = 120_000
/** --quick: a smoke run does not wait that long (a lone supernode keeps its records queued). */
const SETTLE_MAX_QUICK_MS = 20_000

/** testnet/large.yaml: the supernode ratio for a thousand peers (40 clients a supernode, 1 per 25). */
export const LARGE_CONFIG = fileURLToPath(new URL('../../testnet/large.yaml', import.meta.url))

/**
 * The default config (testnet/default.yaml), or with `large` testnet/large.yaml's, with
 * `peers` at `nodesPerProcess`; with `fast` the settle options a testnet config offers:
 * every start at once (startSpreadMs 0) and the peers counted as up for 10 minutes already
 * (priorUptimeMs), so they are eligible for promotion at once instead of after minUptimeMs.
 */
export async function scaleConfig ({ peers, nodesPerProcess, name, fast, large }) {
  const base = large ? await testnetLib.loadConfig(LARGE_CONFIG) : testnetLib.defaultConfig()
  const cfg = fast
    ? { ...base, timing: { ...base.timing, startSpreadMs: 0, priorUptimeMs: 600_000, startupTimeoutMs: Math.max(base.timing.startupTimeoutMs, 120_000) } }
    : base
  return testnetLib.applyOverrides(cfg, { nodes: peers, nodesPerProcess, name })
}

/**
 * Wait at least `minMs`, then until no supernode has presence records queued (polled every
 * SETTLE_POLL_MS, at most `maxMs` in all). Resolves to how long it took, whether the
 * queues emptied, and the machine's busy share meanwhile.
 */
async function settleOverlay (ctx, testnet, { minMs, maxMs }) {
  const t0 = performance.now()
  const load = watchLoad()
  while (true) {
    const elapsed = performance.now() - t0
    const wait = elapsed < minMs ? Math.min(SETTLE_POLL_MS, minMs - elapsed) : SETTLE_POLL_MS
    await ctx.sleep(wait)
    ctx.checkInterrupted()
    const ms = performance.now() - t0
    if (ms < minMs) continue
    const queued = (await testnet.status()).summary.presenceQueued
    if (queued === 0 || ms >= maxMs) {
      return { ms, settled: queued === 0, presenceQueued: queued, machinePct: load.end().machinePct }
    }
  }
}

/**
 * One process's event-loop lag from a node's control endpoint (`?eventLoop=1`; the first
 * request starts the process's monitor), or with `off` its monitor switched off.
 */
async function readLag (testnet, name, off = false) {
  const p = testnet.process(name)
  if (!p.alive || p.controlPort == null) return undefined
  try {
    const res = await globalThis.fetch(`http://127.0.0.1:${p.controlPort}/status?eventLoop=${off ? 'off' : '1'}`, {
      headers: { authorization: `Bearer ${testnet.token}` },
      signal: AbortSignal.timeout(LAG_REQUEST_TIMEOUT_MS)
    })
    if (!res.ok) return undefined
    const body = await res.json()
    return body.eventLoop
  } catch {
    return undefined
  }
}

/**
 * Processes whose lag is measured at once. Each monitor is load of its own (see
 * EVENT_LOOP_LAG_RESOLUTION_MS in packages/node/src/metrics.ts: all 301 processes of a
 * 300-peer testnet at once were some 40 % of this machine); 50 at a time is a sixth of that.
 */
const LAG_GROUP = 50

/**
 * The event-loop lag of each process over `windows` 5 s windows, LAG_GROUP processes at a
 * time: their monitors started, the windows read, the monitors switched off.
 */
async function measureLag (ctx, testnet, probes, windows) {
  const out = []
  for (let i = 0; i < probes.length; i += LAG_GROUP) {
    ctx.checkInterrupted()
    const group = probes.slice(i, i + LAG_GROUP)
    await Promise.all(group.map(async ([, n]) => readLag(testnet, n)))
    // each window is the node's last complete one: read them fresh
    await ctx.sleep(LAG_WINDOW_MS + 500)
    const first = await Promise.all(group.map(async ([, n]) => readLag(testnet, n)))
    let second = first
    if (windows > 1) {
      await ctx.sleep(LAG_WINDOW_MS)
      second = await Promise.all(group.map(async ([, n]) => readLag(testnet, n)))
    }
    await Promise.all(group.map(async ([, n]) => readLag(testnet, n, true)))
    group.forEach(([pid, name], j) => { out.push({ pid, name, first: first[j], second: second[j] }) })
  }
  return out
}

/** One node per process (the login server, each node process or each worker), by pid. */
function oneNodePerProcess (testnet) {
  const byPid = new Map()
  for (const name of ['login', ...testnet.nodeNames()]) {
    const pid = testnet.process(name).pid
    if (pid != null && !byPid.has(pid)) byPid.set(pid, name)
  }
  return byPid
}

/**
 * Launch `peers` at `nodesPerProcess` and measure. `timeoutMs` bounds launch to all logged
 * in; `steadyMs` (null for no steady window) is the settle time before the lag windows, `lagWindows`
 * (1 or 2) how many 5 s windows are read.
 * Resolves to `{ refused }` when the capacity check says no, `{ launchError }` when the
 * launch failed, else the measurements; `pass` says whether the size reached steady state.
 */
export async function measureSize (ctx, { peers, nodesPerProcess, name, what, timeoutMs, steadyMs, lagWindows = 2, fast, large = false, quick = false }) {
  const estimate = testnetLib.estimateCapacity(peers, nodesPerProcess)
  const base = { peers, nodesPerProcess, timeoutMs }
  if (estimate.problems.length > 0) {
    ctx.progress(`${what}: refused by the capacity check: ${estimate.problems.join('; ')}`)
    return { ...base, refused: estimate.problems.join('; '), pass: false }
  }
  const config = await scaleConfig({ peers, nodesPerProcess, name, fast, large })
  const mode = nodesPerProcess > 1 ? `${peers} peers packed ${nodesPerProcess} per process` : `${peers} peers, a process each`
  ctx.progress(`${what}: launching ${mode}`)
  const wall0 = Date.now()
  const t0 = performance.now()
  const load = watchLoad()
  let launched
  try {
    launched = await ctx.launchTestnet(config, what)
  } catch (err) {
    if (ctx.interrupted()) throw err
    const ms = performance.now() - t0
    ctx.progress(`${what}: launch failed after ${secs(ms)}: ${err.message}; stopping what it started`)
    const swept = await ctx.sweepStrays()
    return { ...base, launchError: `${err.name}: ${err.message}`, ms, swept, pass: false }
  }
  const { testnet, unexpected, spawnedMs } = launched
  try {
    let lastShown = 0
    let loggedInMs
    let message
    let last
    try {
      last = await testnet.waitForLoggedIn({
        timeoutMs: Math.max(1, timeoutMs - (performance.now() - t0)),
        share: 1,
        onStatus: (st) => {
          last = st
          if (performance.now() - lastShown > 5_000) {
            lastShown = performance.now()
            ctx.progress(`${what}: ${st.summary.loggedIn}/${st.summary.total} logged in, ${st.summary.supernodes} supernodes (${secs(lastShown - t0)})`)
          }
        }
      })
      loggedInMs = performance.now() - t0
    } catch (err) {
      if (ctx.interrupted()) throw err
      // a status round over many overloaded nodes takes long: say when the wait really ended
      message = `not all logged in ${secs(performance.now() - t0)} after launch (bound ${secs(timeoutMs)})`
    }
    const bringupLoad = load.end()
    const wall1 = Date.now()
    const atEnd = last?.summary ?? { loggedIn: 0, total: peers, supernodes: 0, alive: 0 }
    const result = {
      ...base,
      spawnedMs,
      loggedInMs,
      message,
      loggedInShare: atEnd.total > 0 ? atEnd.loggedIn / atEnd.total : 0,
      loggedInAtEnd: atEnd.loggedIn,
      // peers whose control endpoint did not answer the last status poll count as not logged in there
      unresponsive: (last?.nodes ?? []).filter(n => n.alive && !n.responding).length,
      supernodes: atEnd.supernodes,
      bringupMachinePct: bringupLoad.machinePct,
      foreignPct: bringupLoad.foreignPct,
      unexpected,
      workers: testnet.workerNames().length
    }
    ctx.progress(`${what}: ${loggedInMs != null ? `all ${peers} logged in after ${secs(loggedInMs)}` : `${atEnd.loggedIn}/${atEnd.total} logged in at the ${secs(timeoutMs)} bound`}`)

    if (loggedInMs != null && steadyMs != null) {
      // let the testnet settle, then measure every process's lag, a group at a time
      const probes = [...oneNodePerProcess(testnet)]
      const groups = Math.ceil(probes.length / LAG_GROUP)
      ctx.progress(`${what}: steady window: at least ${steadyMs / 1000} s to settle (until no presence record is queued), then the event-loop lag of ${probes.length} processes over ${lagWindows * LAG_WINDOW_MS / 1000} s${groups > 1 ? `, ${LAG_GROUP} at a time` : ''}`)
      const settle = await settleOverlay(ctx, testnet, {
        minMs: steadyMs,
        maxMs: quick ? SETTLE_MAX_QUICK_MS : SETTLE_MAX_MS
      })
      ctx.progress(`${what}: ${settle.settled ? `settled ${secs(settle.ms)} after everyone logged in` : `still ${settle.presenceQueued} presence records queued after ${secs(settle.ms)}; measuring anyway`}`)
      const steadyLoad = watchLoad()
      const measured = await measureLag(ctx, testnet, probes, lagWindows)
      const steadyCpu = steadyLoad.end()
      const lags = measured.map(({ pid, name: n, first: a, second: b }) => {
        const ok = a != null && b != null && a.windowMs > 0 && b.windowMs > 0
        return { pid, name: n, ok, p99Ms: ok ? Math.max(a.p99Ms, b.p99Ms) : NaN, maxMs: ok ? Math.max(a.maxMs, b.maxMs) : NaN }
      })
      const answered = lags.filter(l => l.ok)
      const peerLags = answered.filter(l => l.name !== 'login').map(l => l.p99Ms)
      const worst = answered.reduce((w, l) => (w == null || l.p99Ms > w.p99Ms ? l : w), undefined)
      const after = await testnet.status()
      // RSS: each peer process (node process or worker) once, the login server apart
      const loginPid = testnet.process('login').pid
      const peerPids = [...new Set(testnet.nodeNames().map(n => testnet.process(n).pid).filter(p => p != null))]
      const peerMem = peerPids.map(pid => readMemory(pid)).filter(x => x != null)
      const peerRss = peerMem.map(m => m.rssKb)
      const loginMem = loginPid != null ? readMemory(loginPid) : undefined
      Object.assign(result, {
        steady: true,
        processes: probes.length,
        unanswered: lags.filter(l => !l.ok).map(l => l.name),
        lagP99Ms: worst?.p99Ms ?? NaN,
        lagWorst: worst?.name,
        lagPeerMedianMs: peerLags.length > 0 ? [...peerLags].sort((x, y) => x - y)[Math.floor(peerLags.length / 2)] : NaN,
        lagLoginMs: lags.find(l => l.name === 'login')?.p99Ms ?? NaN,
        lagMaxMs: Math.max(...answered.map(l => l.maxMs)),
        lagOver: answered.filter(l => l.p99Ms >= LAG_GOAL_MS).length,
        settleMs: settle.ms,
        settled: settle.settled,
        settleMachinePct: settle.machinePct,
        steadyLoggedIn: after.summary.loggedIn,
        steadyAlive: after.summary.alive,
        steadyMachinePct: steadyCpu.machinePct,
        steadyForeignPct: steadyCpu.foreignPct,
        rssPerNodeKb: peerRss.length > 0 ? sum(peerRss) / peers : NaN,
        rssPeersKb: sum(peerRss),
        pssPerNodeKb: peerMem.length > 0 ? sum(peerMem.map(m => m.pssKb)) / peers : NaN,
        pssPeersKb: sum(peerMem.map(m => m.pssKb)),
        rssLoginKb: loginMem?.rssKb,
        pssLoginKb: loginMem?.pssKb
      })
      result.pass = result.unanswered.length === 0 && result.lagP99Ms < LAG_GOAL_MS && after.summary.loggedIn === peers && after.summary.alive === peers
      if (!result.pass) {
        result.message = result.unanswered.length > 0
          ? `${result.unanswered.length} processes did not report their lag within ${LAG_REQUEST_TIMEOUT_MS / 1000} s`
          : result.lagP99Ms >= LAG_GOAL_MS
            ? `event-loop lag p99 ${result.lagP99Ms.toFixed(0)} ms in ${result.lagWorst} (>= ${LAG_GOAL_MS} ms)`
            : `only ${after.summary.loggedIn}/${peers} logged in (${after.summary.alive} alive) at the end of the steady window`
      }
      ctx.progress(`${what}: lag p99 worst ${result.lagP99Ms.toFixed(1)} ms (${result.lagWorst}), ${after.summary.loggedIn}/${peers} logged in, RSS ${(result.rssPerNodeKb / 1024).toFixed(1)} MB (PSS ${(result.pssPerNodeKb / 1024).toFixed(1)} MB) per node: ${result.pass ? 'PASS' : `FAIL (${result.message})`}`)
    } else {
      const peerPids = [...new Set(testnet.nodeNames().map(n => testnet.process(n).pid).filter(p => p != null))]
      const peerMem = peerPids.map(pid => readMemory(pid)).filter(x => x != null)
      result.rssPerNodeKb = peerMem.length > 0 ? sum(peerMem.map(m => m.rssKb)) / peers : NaN
      result.pssPerNodeKb = peerMem.length > 0 ? sum(peerMem.map(m => m.pssKb)) / peers : NaN
      result.pass = loggedInMs != null
    }
    result.stopMs = await ctx.stopTestnet(testnet)
    // the event logs once every node has stopped and flushed its log
    result.timeline = bringupTimeline(await readPeerEvents(testnet.dir), wall0, wall1)
    return result
  } finally {
    await ctx.stopTestnet(testnet).catch(() => {})
  }
}
