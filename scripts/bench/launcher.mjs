/**
 * 6. The launcher's own cost: `stampede run` (the CLI process, which launches the testnet,
 * supervises every node over IPC and samples the whole testnet once a second with the
 * scenario Recorder) runs a scenario that waits for a steady state and then observes; over
 * a window of the observation, its CPU time from /proc/<pid>/stat against the whole
 * machine's from /proc/stat, next to its nodes' CPU in the same window.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ChildScript } from './child.mjs'
import { childPids, readCpuTicks, readMachineTicks } from './proc.mjs'
import { pct, secs, sum } from './stats.mjs'

/** The goal: sampling and control under this share of the machine's CPU. */
export const LAUNCHER_GOAL_PCT = 5
const SAMPLE_INTERVAL_MS = 1_000

/** The scenario's step events so far (`events.jsonl` of the run directory, appended live). */
async function runEvents (outDir) {
  const text = await readFile(join(outDir, 'events.jsonl'), 'utf8').catch(() => '')
  const out = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try { out.push(JSON.parse(line)) } catch { /* a line being written */ }
  }
  return out
}

async function tail (file, lines = 5) {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.trim().split('\n').slice(-lines).join(' | ')
}

export async function benchLauncher (opts, ctx) {
  const peers = opts.quick ? 10 : 30
  const windowMs = opts.quick ? 10_000 : 60_000
  const dir = join(ctx.stateDir, 'launcher')
  const outDir = join(dir, 'run')
  await mkdir(dir, { recursive: true })
  const scenarioPath = join(dir, 'launcher.yaml')
  await writeFile(scenarioPath, `# written by scripts/bench/launcher.mjs
name: bench-launcher
description: a steady testnet, observed; the benchmark measures the launcher meanwhile
policies: [adaptive]
sampleInterval: ${SAMPLE_INTERVAL_MS}ms
testnet:
  nodes: ${peers}
  seed: 1
steps:
  - wait: { loggedInShare: 1, stable: 3s, timeout: 120s }
  - observe: ${windowMs + 5_000}ms
`)
  const cli = join(dirname(fileURLToPath(import.meta.resolve('@stampede/testnet'))), 'bin', 'stampede.js')
  const proc = new ChildScript({
    name: 'stampede run',
    // as a user runs it: plain node, no flags
    args: [cli, 'run', scenarioPath, '--policy', 'adaptive', '--out', outDir, '--state-dir', join(dir, 'state')],
    // not named stderr.log: the scan of node logs would take its progress lines for node errors
    stdoutPath: join(dir, 'run-stdout.log'),
    stderrPath: join(dir, 'run-stderr.log')
  })
  ctx.live.procs.add(proc)
  const rows = []
  const notes = []
  try {
    ctx.progress(`launcher: stampede run with ${peers} peers, Recorder every ${SAMPLE_INTERVAL_MS / 1000} s; waiting for its steady state`)
    const started = Date.now()
    await proc.start()
    // the window starts with the scenario's second step (observe), after its steady state
    let observeAt
    while (observeAt == null) {
      ctx.checkInterrupted()
      if (!proc.alive) throw new Error(`stampede run exited (code ${proc.exit?.code}) before its observe step: ${await tail(join(dir, 'run-stderr.log'))}`)
      if (Date.now() - started > 240_000) throw new Error(`stampede run did not reach its observe step within 240 s: ${await tail(join(dir, 'run-stderr.log'))}`)
      const step = (await runEvents(outDir)).find(e => e.type === 'step' && e.index === 2)
      if (step != null) observeAt = Date.now()
      else await ctx.sleep(250)
    }
    ctx.progress(`launcher: steady after ${secs(observeAt - started)}; measuring ${windowMs / 1000} s`)
    const pid = proc.pid
    const nodePids = childPids(pid)
    const cli0 = readCpuTicks(pid)
    const nodes0 = new Map(nodePids.map(p => [p, readCpuTicks(p)]))
    const m0 = readMachineTicks()
    const perSecond = []
    let prevCli = cli0
    let prevM = m0
    const t0 = Date.now()
    while (Date.now() - t0 < windowMs) {
      await ctx.sleep(Math.min(1_000, windowMs - (Date.now() - t0)))
      const c = readCpuTicks(pid)
      const m = readMachineTicks()
      if (c == null) throw new Error('stampede run exited during the window')
      if (m.total > prevM.total) perSecond.push(100 * (c - prevCli) / (m.total - prevM.total))
      prevCli = c
      prevM = m
    }
    const cli1 = readCpuTicks(pid)
    const m1 = readMachineTicks()
    const nodeDeltas = nodePids.map(p => (readCpuTicks(p) ?? NaN) - (nodes0.get(p) ?? NaN)).filter(Number.isFinite)
    const total = m1.total - m0.total
    const launcherPct = 100 * (cli1 - cli0) / total
    const machinePct = 100 * (m1.busy - m0.busy) / total
    const nodesPct = 100 * sum(nodeDeltas) / total
    const windowEnd = Date.now()
    const seconds = (windowEnd - t0) / 1000
    const corePct = 100 * (cli1 - cli0) / ctx.clkTck / seconds
    const events = await runEvents(outDir)
    const samplesText = await readFile(join(outDir, 'timeseries.csv'), 'utf8').catch(() => '')
    const samples = Math.max(0, samplesText.trim().split('\n').length - 1)
    ctx.progress(`launcher: ${pct(launcherPct)} of the machine (${pct(corePct, 1)} of one core); waiting for stampede run to finish`)
    const finished = await proc.waitExit(120_000)
    if (!finished) notes.push('Launcher benchmark: stampede run did not finish within 120 s of the window and was stopped.')
    else if (proc.exit?.code !== 0) notes.push(`Launcher benchmark: stampede run exited with code ${proc.exit?.code} (its scenario has no assertions; see its stderr): ${await tail(join(dir, 'run-stderr.log'), 3)}`)

    const met = launcherPct < LAUNCHER_GOAL_PCT
    rows.push({ section: `6. Launcher cost: stampede run, ${peers}-peer testnet at steady state, Recorder sampling every ${SAMPLE_INTERVAL_MS / 1000} s (${windowMs / 1000} s window)` })
    rows.push({
      figure: 'Launcher process CPU, % of the whole machine',
      value: pct(launcherPct),
      context: `goal < ${LAUNCHER_GOAL_PCT} %: ${met ? 'MET' : 'NOT MET'}; ${pct(corePct, 1)} of one core; peak 1 s ${pct(Math.max(...perSecond), 1)} of the machine; ${nodePids.length} node processes supervised`
    })
    rows.push({
      figure: 'Same window: whole machine busy / the testnet\'s nodes',
      value: `${pct(machinePct, 1)} / ${pct(nodesPct, 1)}`,
      context: `launcher / nodes = ${(launcherPct / nodesPct).toFixed(3)}; the launcher's CPU from its start to the window's end, bring-up included: ${secs(1000 * cli1 / ctx.clkTck)} over ${secs(windowEnd - started)}`
    })
    notes.push(`Launcher benchmark: stampede run reached its steady state ${secs(observeAt - started)} after its start; ${samples} Recorder samples in all (${events.filter(e => e.type === 'step').length} steps).`)
    return { rows, notes, goal: { name: 'launcher', pct: launcherPct, met, peers, windowMs } }
  } finally {
    await proc.stop('TERM', 10_000).catch(() => {})
    ctx.live.procs.delete(proc)
  }
}
