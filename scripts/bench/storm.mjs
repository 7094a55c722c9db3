/**
 * 4. Restart storm: half the peers of a settled testnet (adaptive policy) are killed at
 * once with SIGKILL, supernodes first, and restarted all at once; how long until every
 * peer is logged in again. The floor, in the same run: as many bare libp2p nodes (TCP,
 * Noise, Yamux, identify; scripts/bench/bare-node.mjs, bundled and started the same way),
 * each connected to one fixed bare node that stays up (standing in for the login server),
 * half of them killed and restarted the same way; how long until each is connected again.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { seededRandom, shuffle } from '@stampede/allocation'
import * as testnetLib from '@stampede/testnet'
import { bringupTimeline, readPeerEvents } from './events.mjs'
import { CLK_TCK, readCpuTicks, watchLoad } from './proc.mjs'
import { median, pct, range, secs, sum } from './stats.mjs'

/** The issue's goal: a restart storm absorbed within this multiple of the floor. */
export const STORM_GOAL_RATIO = 1.5
/** Share of the victims drawn from the supernodes first (the headline scenario's kill). */
const SUPERNODE_BIAS = 0.7
const SEED = 2007
/** Peers a testnet spawns at once (the testnet's DEFAULT_SPAWN_CONCURRENCY); the floor uses the same. */
const SPAWN_CONCURRENCY = testnetLib.DEFAULT_SPAWN_CONCURRENCY ?? Math.max(4, availableParallelism() * 4)
/** A peer counts as logged in again from its last `attached` (client) or `supernode-active` event. */
const LOGGED_IN = new Set(['attached', 'supernode-active'])
/** The nodes' counters (status `counters`) of connections they opened, and of those refused before the handshake. */
const OUTBOUND = 'connections_opened{direction=outbound}'
const REFUSED = 'connections_refused{reason=client}'

/** `fn` over `items`, at most `limit` at once (as the testnet spawns nodes). */
async function mapLimit (items, limit, fn) {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  })
  await Promise.all(workers)
}

/** The latest event of `types` per node in [sinceMs, untilMs], from the nodes' own logs. */
function lastEventAt (eventsByNode, types, sinceMs, untilMs) {
  const out = new Map()
  for (const [name, events] of eventsByNode) {
    for (const e of events) {
      if (types.has(e.type) && e.ts >= sinceMs && e.ts <= untilMs) out.set(name, Math.max(out.get(name) ?? 0, e.ts))
    }
  }
  return out
}

export async function benchStorm (opts, ctx) {
  const peers = opts.quick ? 16 : 40
  const runs = opts.quick ? 1 : 3
  const settleMs = opts.quick ? 3_000 : 5_000
  const victimsPerRound = Math.floor(peers / 2)
  const rows = []
  const notes = []
  const random = seededRandom(SEED)
  // both sides start from code caches written by warm processes, as after any earlier run
  await ctx.warmCaches()

  const floor = await floorRounds({ peers, runs, victimsPerRound, random, ctx })
  ctx.checkInterrupted()
  const storm = await stormRounds({ peers, runs, settleMs, victimsPerRound, random, ctx, notes })

  const floorMs = median(floor.map(r => r.ms))
  const stormMs = median(storm.filter(r => r.ok).map(r => r.ms))
  const ratio = stormMs / floorMs
  const allOk = storm.every(r => r.ok)
  const met = allOk && ratio <= STORM_GOAL_RATIO
  const n = runs > 1 ? `median of ${runs}` : '1 run'
  rows.push({ section: `4. Restart storm: ${peers} peers, ${victimsPerRound} killed at once (SIGKILL) and restarted at once (${n})` })
  rows.push({
    figure: 'Storm: kill to every peer logged in again (adaptive policy)',
    value: allOk ? secs(stormMs) : 'not reached',
    context: `range ${range(storm.filter(r => r.ok).map(r => r.ms))}; victims ${storm.map(r => `${r.victims} (${r.supernodes}/${r.supernodesBefore} supernodes)`).join(', ')}; restarted processes ready ${secs(median(storm.map(r => r.readyMs)))} after the kill; refusals on the way: ${describeRefusals(storm)}`
  })
  rows.push({
    figure: 'Floor: kill to every bare libp2p node reconnected (TCP+Noise+Yamux+identify)',
    value: secs(floorMs),
    context: `range ${range(floor.map(r => r.ms))}; ${peers} bare nodes, ${victimsPerRound} killed and restarted, each dialling one bare node that stays up; same Node flags, bundled, ${SPAWN_CONCURRENCY} spawns at once as the testnet; identify on every connection, as libp2p's default (overlay peers identify only among supernodes)`
  })
  rows.push({
    figure: 'Storm / floor',
    value: Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a',
    context: `goal <= ${STORM_GOAL_RATIO}x: ${met ? 'MET' : 'NOT MET'}; per round ${storm.map((r, i) => r.ok && floor[i] != null ? `${(r.ms / floor[i].ms).toFixed(2)}x` : 'n/a').join(', ')}`
  })
  rows.push({
    figure: 'CPU per restarted process until all were back: storm / floor',
    value: `${secs(median(storm.flatMap(r => r.victimCpuMs)))} / ${secs(median(floor.flatMap(r => r.victimCpuMs)))}`,
    context: `machine busy from kill to all back: storm ${pct(median(storm.map(r => r.machinePct)), 0)}, floor ${pct(median(floor.map(r => r.machinePct)), 0)}; other processes ${pct(median([...storm, ...floor].map(r => r.foreignPct)), 1)}`
  })
  rows.push({
    figure: 'CPU of the whole storm, kill to all back: restarted / survivors / login server',
    value: `${secs(median(storm.map(r => sum(r.victimCpuMs))))} / ${secs(median(storm.map(r => r.survivorCpuMs)))} / ${secs(median(storm.map(r => r.loginCpuMs)))}`,
    context: `medians over the rounds; ${storm[0]?.victims ?? 0} restarted peers, ${storm[0]?.survivors ?? 0} survivors (clients whose supernode died re-attach, peers are promoted in its place); the floor's restarted nodes ${secs(median(floor.map(r => sum(r.victimCpuMs))))} in all`
  })
  rows.push({
    figure: 'Connections opened from kill to all back: restarted / survivors',
    value: `${median(storm.map(r => r.connections.victims)).toFixed(0)} / ${median(storm.map(r => r.connections.survivors)).toFixed(0)}`,
    context: `medians over the rounds, by the nodes' own counters (stampede_connections_opened_total, outbound): the restarted peers dial the login server, a supernode and, promoted, their DHT neighbours; the survivors their new supernodes; the floor's ${victimsPerRound} restarted nodes open ${victimsPerRound}; inbound connections refused before the handshake by clients: ${median(storm.map(r => r.connections.refused)).toFixed(0)}`
  })
  for (const [i, r] of storm.entries()) {
    notes.push(`Storm round ${i + 1}: killed ${r.victims} peers (${r.supernodes} of ${r.supernodesBefore} supernodes) at once; restarted processes ready after ${secs(r.readyMs)}; ${r.ok ? `all ${r.total} peers logged in again ${secs(r.ms)} after the kill (by their event logs; the status poll saw it after ${secs(r.detectedMs)})` : `not all logged in: ${r.message}`}; floor round ${i + 1}: ${floor[i] != null ? secs(floor[i].ms) : 'n/a'}.`)
  }
  const goal = { name: 'storm', ratio, met, floorMs, stormMs, peers, runs }
  return { rows, notes, goal }
}

function describeRefusals (storm) {
  const total = new Map()
  for (const r of storm) for (const [k, c] of r.refusals) total.set(k, (total.get(k) ?? 0) + c)
  if (total.size === 0) return 'none'
  return [...total].map(([k, c]) => `${k} ${(c / storm.length).toFixed(0)}/round`).join(', ')
}

/** The floor: bare nodes, one hub that stays up, half the dialers killed and restarted. */
async function floorRounds ({ peers, runs, victimsPerRound, random, ctx }) {
  const dir = join(ctx.stateDir, 'storm-floor')
  const entry = await ctx.bareEntry()
  const hubLauncher = ctx.launcherFor(entry, true, 'bare-nodes-have-no-control-endpoint')
  // as in the testnet: the dialers run peerNice steps nicer than the node they all dial,
  // which stands where the login server does
  const launcher = { ...hubLauncher, peerNice: testnetLib.defaultConfig().peerNice }
  const procs = []
  const results = []
  try {
    const hub = await ctx.makeNodeProcess(dir, 'hub', { role: 'peer' })
    procs.push(hub)
    ctx.live.procs.add(hub)
    await hub.start(hubLauncher)
    const dial = hub.addrs.find(a => a.includes('/p2p/'))
    const width = String(peers).length
    const nodes = []
    for (let i = 0; i < peers; i++) {
      const name = `bare-${String(i + 1).padStart(width, '0')}`
      const p = await ctx.makeNodeProcess(dir, name, { role: 'peer', dial, eventLog: join(dir, 'nodes', name, 'events.jsonl') })
      nodes.push(p)
      procs.push(p)
    }
    ctx.progress(`storm: floor: starting ${peers} bare libp2p nodes, each dialling a hub`)
    const t0 = performance.now()
    await mapLimit(nodes, SPAWN_CONCURRENCY, async (p) => { ctx.live.procs.add(p); await p.start(launcher) })
    ctx.progress(`storm: floor: all ${peers} connected after ${secs(performance.now() - t0)}`)
    await ctx.sleep(2_000)
    for (let round = 1; round <= runs; round++) {
      ctx.checkInterrupted()
      const victims = shuffle(nodes, random).slice(0, victimsPerRound)
      const load = watchLoad()
      const killedAt = Date.now()
      await Promise.all(victims.map(async p => { await p.stop('KILL') }))
      await mapLimit(victims, SPAWN_CONCURRENCY, async (p) => { await p.start(launcher) })
      const readyMs = Date.now() - killedAt
      const { machinePct, foreignPct } = load.end()
      const victimCpuMs = victims.map(p => 1000 * (readCpuTicks(p.pid) ?? NaN) / CLK_TCK).filter(Number.isFinite)
      const events = await readPeerEvents(dir)
      const back = lastEventAt(events, new Set(['back']), killedAt, Date.now())
      const missing = victims.filter(p => !back.has(p.name))
      if (missing.length > 0) throw new Error(`floor round ${round}: no 'back' event from ${missing.map(p => p.name).join(', ')}`)
      const ms = Math.max(...victims.map(p => back.get(p.name))) - killedAt
      results.push({ ms, readyMs, machinePct, foreignPct, victimCpuMs })
      ctx.progress(`storm: floor round ${round}/${runs}: ${victims.length} bare nodes killed, all reconnected after ${secs(ms)}`)
      await ctx.sleep(2_000)
    }
    return results
  } finally {
    await Promise.all(procs.map(async p => { await p.stop('TERM').catch(() => {}); ctx.live.procs.delete(p) }))
  }
}

/** The storm: a settled testnet, half its peers (supernodes first) killed and restarted. */
async function stormRounds ({ peers, runs, settleMs, victimsPerRound, random, ctx, notes }) {
  const config = testnetLib.applyOverrides(testnetLib.defaultConfig(), { nodes: peers, name: 'storm', seed: SEED })
  ctx.progress(`storm: launching a testnet of ${peers} peers (adaptive policy)`)
  const { testnet, unexpected } = await ctx.launchTestnet(config, 'storm')
  const results = []
  try {
    const s = await testnet.waitForLoggedIn({ timeoutMs: 90_000, share: 1 })
    ctx.progress(`storm: ${s.summary.loggedIn}/${s.summary.total} logged in, ${s.summary.supernodes} supernodes; settling ${settleMs / 1000} s`)
    await ctx.sleep(settleMs)
    for (let round = 1; round <= runs; round++) {
      ctx.checkInterrupted()
      const before = await testnet.status()
      // the nodes' own counters (stampede_connections_opened_total and the like) as of that status
      const countersBefore = new Map(testnet.lastCounters())
      const alive = before.nodes.filter(x => x.alive && x.kind === 'peer')
      // the scenario runner's kill rule: a share of the victims from the supernodes first
      const sns = shuffle(alive.filter(x => x.role === 'supernode'), random).map(x => x.name)
      const others = shuffle(alive.filter(x => x.role !== 'supernode'), random).map(x => x.name)
      const fromSns = Math.min(sns.length, Math.round(victimsPerRound * SUPERNODE_BIAS))
      const victims = [...sns.slice(0, fromSns), ...others.slice(0, victimsPerRound - fromSns), ...sns.slice(fromSns)].slice(0, victimsPerRound)
      const killedSns = victims.filter(v => sns.includes(v)).length
      ctx.progress(`storm round ${round}/${runs}: killing ${victims.length} of ${alive.length} peers (${killedSns} of ${sns.length} supernodes), restarting them at once`)
      // who used the machine from the kill to all back: the survivors (clients whose
      // supernode died, peers promoted in its place) and the login server, beside the victims
      const survivors = alive.map(x => x.name).filter(n => !victims.includes(n))
      const ticksBefore = new Map(['login', ...survivors].map(n => [n, readCpuTicks(testnet.process(n).pid) ?? NaN]))
      const load = watchLoad()
      const killedAt = Date.now()
      await testnet.kill(victims, 'KILL')
      await testnet.start(victims)
      const readyMs = Date.now() - killedAt
      let ok = true
      let message
      try {
        await testnet.waitForLoggedIn({ timeoutMs: 120_000, share: 1 })
      } catch (err) {
        if (ctx.interrupted()) throw err
        ok = false
        message = err.message
      }
      const detectedAt = Date.now()
      const { machinePct, foreignPct } = load.end()
      // as of the status poll that saw everyone back: a restarted peer's counters began at its restart
      const countersAfter = new Map(testnet.lastCounters())
      const counted = (names, key, since) => sum(names.map(n => (countersAfter.get(n)?.[key] ?? 0) - (since ? countersBefore.get(n)?.[key] ?? 0 : 0)))
      const connections = {
        victims: counted(victims, OUTBOUND, false),
        survivors: counted(survivors, OUTBOUND, true),
        refused: counted(victims, REFUSED, false) + counted(survivors, REFUSED, true)
      }
      const victimCpuMs = victims.map(n => 1000 * (readCpuTicks(testnet.process(n).pid) ?? NaN) / CLK_TCK).filter(Number.isFinite)
      const usedMs = (n) => 1000 * ((readCpuTicks(testnet.process(n).pid) ?? NaN) - ticksBefore.get(n)) / CLK_TCK
      const survivorCpuMs = sum(survivors.map(usedMs).filter(Number.isFinite))
      const loginCpuMs = usedMs('login')
      const events = await readPeerEvents(testnet.dir)
      const lastLogin = lastEventAt(events, LOGGED_IN, killedAt, detectedAt)
      const missing = victims.filter(v => !lastLogin.has(v))
      if (ok && missing.length > 0) {
        ok = false
        message = `no log-in event after the kill from ${missing.join(', ')}`
      }
      const ms = lastLogin.size > 0 ? Math.max(...lastLogin.values()) - killedAt : NaN
      const timeline = bringupTimeline(events, killedAt, detectedAt)
      results.push({ ok, message, ms, readyMs, detectedMs: detectedAt - killedAt, victims: victims.length, supernodes: killedSns, supernodesBefore: sns.length, total: alive.length, machinePct, foreignPct, victimCpuMs, survivorCpuMs, survivors: survivors.length, loginCpuMs, refusals: timeline.refusals, connections })
      ctx.progress(`storm round ${round}/${runs}: ${ok ? `everyone logged in again ${secs(ms)} after the kill` : message}`)
      if (round < runs) await ctx.sleep(settleMs)
    }
    if (unexpected.length > 0) notes.push(`Unexpected node exits in the storm benchmark: ${unexpected.join('; ')}.`)
    return results
  } finally {
    await ctx.stopTestnet(testnet).catch(() => {})
  }
}
