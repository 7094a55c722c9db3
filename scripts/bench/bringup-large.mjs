/**
 * 8. Large bring-ups: 300 peers in process mode with the default config, and 1,000 packed
 * with testnet/large.yaml (as `stampede up --config testnet/large.yaml` brings them up),
 * one run each: launch to every peer logged in, or the share
 * logged in at a bounded timeout. A size the capacity check refuses is reported as the
 * machine's limit, not run.
 */
import { measureSize } from './scale.mjs'
import { mb, pct, secs } from './stats.mjs'

/** The issue's goal for 1,000 packed peers; the 300-peer size has no time goal of its own. */
export const BRINGUP_LARGE_GOAL_MS = 60_000
/** Peers per worker for the packed size: testnet/large.yaml's nodesPerProcess. */
const PACKED_K = 25

const sizes = (quick) => quick
  ? [{ peers: 30, k: 1, timeoutMs: 40_000 }, { peers: 100, k: 25, timeoutMs: 40_000 }]
  : [{ peers: 300, k: 1, timeoutMs: 240_000 }, { peers: 1_000, k: PACKED_K, timeoutMs: 240_000, goalMs: BRINGUP_LARGE_GOAL_MS, large: true }]

export async function benchBringupLarge (opts, ctx) {
  const rows = []
  const notes = []
  const results = []
  await ctx.warmCaches({ packed: true })
  for (const s of sizes(opts.quick)) {
    ctx.checkInterrupted()
    const mode = s.k > 1 ? 'packed' : 'process'
    const r = await measureSize(ctx, { peers: s.peers, nodesPerProcess: s.k, name: `bringup-${mode}-${s.peers}`, what: `bringup-large ${mode} ${s.peers}`, timeoutMs: s.timeoutMs, steadyMs: null, fast: false, large: s.large === true })
    results.push({ ...s, mode, r })
    await ctx.sleep(2_000)
  }

  rows.push({ section: '8. Large bring-ups (300: default config; 1,000: testnet/large.yaml; 1 run each): launch to every peer logged in' })
  const goals = []
  for (const { peers, k, timeoutMs, goalMs, mode, r } of results) {
    const label = `${peers.toLocaleString('en-US')} peers, ${k > 1 ? `packed ${k} per worker process` : 'a process each'}`
    let value
    let context
    if (r.refused != null) {
      value = 'refused'
      context = `the capacity check refused it, so this size is beyond this machine: ${r.refused}`
    } else if (r.launchError != null) {
      value = 'launch failed'
      context = `${r.launchError} after ${secs(r.ms)}`
    } else {
      value = r.loggedInMs != null ? secs(r.loggedInMs) : `${pct(100 * r.loggedInShare, 0)} at ${secs(timeoutMs)}`
      const ever = r.timeline.loggedInAt.length
      context = `${r.loggedInMs != null ? 'all logged in' : `only ${r.loggedInAtEnd}/${peers} logged in at the last status poll (${r.unresponsive} did not answer it), ${ever}/${peers} had logged in at least once by their event logs`}; all spawned ${secs(r.spawnedMs)}; event logs 50/90/100 % ${secs(r.timeline.at(0.5))} / ${secs(r.timeline.at(0.9))} / ${secs(r.timeline.at(1))}; ${r.supernodes} supernodes; machine busy ${pct(r.bringupMachinePct, 0)}; RSS ${mb(r.rssPerNodeKb)} (PSS ${mb(r.pssPerNodeKb)}) per node`
    }
    const met = !opts.quick && goalMs != null && r.loggedInMs != null && r.loggedInMs < goalMs
    if (goalMs != null) context = `goal < ${secs(goalMs)}: ${opts.quick ? 'quick run, goal not assessed' : met ? 'MET' : 'NOT MET'}; ${context}`
    rows.push({ figure: label, value, context })
    notes.push(`Large bring-up, ${label}: ${r.refused != null ? `refused (${r.refused})` : r.launchError != null ? `launch failed: ${r.launchError}` : `${r.loggedInMs != null ? `all logged in ${secs(r.loggedInMs)} after launch` : `${r.loggedInAtEnd}/${peers} logged in at the bound (${r.message})`}, stopping took ${secs(r.stopMs)}${r.workers > 0 ? `, ${r.workers} workers` : ''}; other processes used ${pct(r.foreignPct, 1)} of the machine${r.unexpected.length > 0 ? `; unexpected exits: ${r.unexpected.slice(0, 5).join('; ')}${r.unexpected.length > 5 ? ` and ${r.unexpected.length - 5} more` : ''}` : ''}`}.`)
    goals.push({ mode, peers, k, goalMs, met, ms: r.loggedInMs, share: r.loggedInShare, timeoutMs, refused: r.refused, launchError: r.launchError })
  }
  return { rows, notes, goal: { name: 'bringup-large', quick: opts.quick, sizes: goals } }
}
