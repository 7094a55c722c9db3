import { cpus, totalmem } from 'node:os'
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { seededRandom, shuffle } from '@stampede/allocation'
import { exponential, weibull } from './churn.js'
import { Recorder } from './recorder.js'
import { stepKind } from './scenario.js'
import { summarize } from './summary.js'
import { Testnet, TestnetError } from './testnet.js'
import type { RecordedEvent } from './recorder.js'
import type { Assertion, Scenario, Step } from './scenario.js'
import type { Markers, RunSummary } from './summary.js'
import type { TestnetConfig } from './config.js'

export interface RunScenarioOptions {
  scenario: Scenario
  policy: 'legacy' | 'adaptive'
  /** overrides the scenario's testnet seed: the same seed picks the same victims and restart times */
  seed?: number
  /** overrides the scenario's testnet size */
  nodes?: number
  /** overrides the scenario's testnet.nodesPerProcess (packed mode when > 1) */
  nodesPerProcess?: number
  /** the run directory: timeseries.csv, events.jsonl, summary.json, run.json */
  outDir: string
  /** where the testnet's own state (node data and logs) lives */
  stateDir: string
  onProgress?(line: string): void
  /** aborting stops the run early; what was recorded is kept and summarised */
  signal?: AbortSignal
  /** writes report.html into the run directory (from @stampede/report) */
  report?(dir: string): Promise<string>
}

export interface RunResult {
  dir: string
  summary: RunSummary
  reportPath?: string
  /** why the run ended early, if it did */
  error?: string
}

export class ScenarioError extends Error {
  override name = 'ScenarioError'
}

/** Evaluate a scenario's assertions against a run's summary. */
export function checkAssertions (assertions: readonly Assertion[], summary: Omit<RunSummary, 'assertionsPassed' | 'assertions'>): RunSummary['assertions'] {
  return assertions
    .filter(a => a.policy == null || a.policy === summary.policy)
    .map(a => {
      const value = summary[a.metric]
      const bounds = [a.min != null ? `>= ${a.min}` : '', a.max != null ? `<= ${a.max}` : ''].filter(Boolean).join(' and ')
      const name = `${a.metric} ${bounds}${a.policy != null ? ` (${a.policy})` : ''}`
      if (value == null) return { name, passed: a.nullPasses, detail: 'no value (never reached)' }
      const passed = (a.min == null || value >= a.min) && (a.max == null || value <= a.max)
      return { name, passed, detail: `measured ${value}` }
    })
}

async function nodeEvents (testnet: Testnet, startedAt: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = []
  const nodesDir = join(testnet.dir, 'nodes')
  let names: string[] = []
  try { names = await readdir(nodesDir) } catch { return out }
  const wanted = new Set(['promoted', 'demoted', 'role-dropped'])
  for (const name of names) {
    let text = ''
    try { text = await readFile(join(nodesDir, name, 'events.jsonl'), 'utf8') } catch { continue }
    for (const line of text.split('\n')) {
      if (line === '') continue
      try {
        const e = JSON.parse(line) as { ts: number, type: string, [k: string]: unknown }
        if (!wanted.has(e.type) || e.ts < startedAt) continue
        const { ts, type, node: _node, ...rest } = e
        out.push({ ...rest, t: Math.round((ts - startedAt) / 100) / 10, type: type === 'promoted' ? 'promotion' : type === 'demoted' ? 'demotion' : 'role-dropped', node: name })
      } catch { /* a torn last line of a killed node */ }
    }
  }
  return out
}

/**
 * Run one scenario under one policy on a fresh testnet: launch it, record the timeline,
 * carry out the steps, then summarise, check the assertions, write the report and stop
 * every node (also when interrupted or failing).
 */
export async function runScenario (opts: RunScenarioOptions): Promise<RunResult> {
  const { scenario, policy } = opts
  const progress = opts.onProgress ?? (() => {})
  const seed = opts.seed ?? scenario.testnet.seed
  const config: TestnetConfig = {
    ...scenario.testnet,
    name: `${scenario.name}-${policy}`.slice(0, 32).replace(/-+$/, ''),
    seed,
    nodes: opts.nodes ?? scenario.testnet.nodes,
    nodesPerProcess: opts.nodesPerProcess ?? scenario.testnet.nodesPerProcess,
    policy: { ...scenario.testnet.policy, family: policy }
  }
  const dir = opts.outDir
  await mkdir(dir, { recursive: true })
  if (scenario.file != null) await copyFile(scenario.file, join(dir, basename(scenario.file))).catch(() => {})
  const startedAt = Date.now()
  const runInfo = {
    id: basename(dir),
    scenario: scenario.name,
    policy,
    seed,
    nodes: config.nodes,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: null as string | null,
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30) },
    config
  }
  await writeFile(join(dir, 'run.json'), JSON.stringify(runInfo, null, 2))

  const random = seededRandom(seed * 31 + 7)
  const markers: Markers = { trigger: null, restartEnd: null, inject: null }
  let error: string | undefined
  let testnet: Testnet | undefined
  let recorder: Recorder | undefined
  const down = new Set<string>()
  const signal = opts.signal
  const pause = async (ms: number): Promise<void> => { await sleep(ms, undefined, { signal }).catch(() => {}) }

  try {
    if (config.nodesPerProcess <= 1 && scenario.steps.some(st => 'kill' in st && st.kill.workers != null)) {
      throw new ScenarioError('a kill step names workers, which exist in packed mode only: run with --nodes-per-process above 1')
    }
    progress(`[${policy}] starting ${config.nodes} peers${config.nodesPerProcess > 1 ? `, ${config.nodesPerProcess} per worker process,` : ''} and a login server`)
    testnet = await Testnet.launch({
      config,
      stateDir: opts.stateDir,
      // a worker process that dies takes its nodes with it: on the timeline, with their names
      onWorkerExit: (exit) => {
        progress(`[${policy}] worker ${exit.worker} (pid ${exit.pid ?? '?'}) ${exit.expected ? 'stopped' : 'died'} (${exit.signal ?? `code ${exit.code}`}), taking ${exit.nodes.length} nodes`)
        void recorder?.event('worker-exit', { worker: exit.worker, pid: exit.pid, code: exit.code, signal: exit.signal, expected: exit.expected, nodes: exit.nodes }).catch(() => {})
      }
    }, (n, total) => {
      if (n === total || n % 20 === 0) progress(`[${policy}] spawned ${n}/${total}`)
    })
    const t = testnet
    const rec = recorder = new Recorder(t, dir, scenario.sampleIntervalMs, startedAt)
    let lastLine = 0
    rec.onSample = (s) => {
      if (Date.now() - lastLine < 5_000) return
      lastLine = Date.now()
      progress(`[${policy}] t=${s.t.toFixed(0)}s ${s.phase}: logged in ${s.loggedIn}/${s.online} (${(s.loggedInShare * 100).toFixed(0)}%), ${s.supernodes} supernodes, ${s.loginAttempts} log-in attempts/s, cpu ${(s.hostCpu * 100).toFixed(0)}%`)
    }
    await rec.start()
    for (const [i, step] of scenario.steps.entries()) {
      if (signal?.aborted === true) throw new ScenarioError('interrupted')
      rec.phase = `${i + 1}:${stepKind(step)}`
      await rec.event('step', { index: i + 1, step: stepKind(step) })
      await runStep(step, { t, rec, random, markers, down, pause, progress, policy, signal })
    }
  } catch (err: unknown) {
    error = (err as Error).message
    progress(`[${policy}] run ended early: ${error}`)
    await recorder?.event('error', { message: error }).catch(() => {})
  } finally {
    await recorder?.stop()
    if (testnet != null) {
      progress(`[${policy}] stopping the testnet`)
      const extra = await nodeEvents(testnet, startedAt).catch(() => [])
      await testnet.stop()
      if (recorder != null) {
        const events = [...recorder.events, ...extra].sort((a, b) => a.t - b.t)
        await writeFile(join(dir, 'events.jsonl'), events.map(e => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : ''))
      }
    }
  }

  const base = summarize(recorder?.samples ?? [], markers, { policy, seed, nodes: config.nodes })
  const assertions = checkAssertions(scenario.assertions, base)
  if (error != null) assertions.push({ name: 'run completed', passed: false, detail: error })
  const summary: RunSummary = { ...base, assertionsPassed: assertions.every(a => a.passed), assertions }
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, null, 2))
  runInfo.endedAt = new Date().toISOString()
  await writeFile(join(dir, 'run.json'), JSON.stringify(runInfo, null, 2))
  let reportPath: string | undefined
  if (opts.report != null) {
    try {
      reportPath = await opts.report(dir)
    } catch (err: unknown) {
      progress(`[${policy}] report failed: ${(err as Error).message}`)
    }
  }
  return { dir, summary, ...(reportPath != null ? { reportPath } : {}), ...(error != null ? { error } : {}) }
}

interface StepContext {
  t: Testnet
  rec: Recorder
  random: () => number
  markers: Markers
  down: Set<string>
  pause(ms: number): Promise<void>
  progress(line: string): void
  policy: string
  signal?: AbortSignal
}

async function runStep (step: Step, c: StepContext): Promise<void> {
  if ('observe' in step) {
    await c.pause(step.observe)
    return
  }
  if ('wait' in step) {
    const { loggedInShare, stable, timeout } = step.wait
    const until = Date.now() + timeout
    let since: number | null = null
    while (true) {
      if (c.signal?.aborted === true) return
      const s = c.rec.samples[c.rec.samples.length - 1]
      if (s != null && s.online > 0 && s.loggedInShare >= loggedInShare) {
        since ??= Date.now()
        if (Date.now() - since >= stable) return
      } else {
        since = null
      }
      if (Date.now() > until) throw new ScenarioError(`wait: logged-in share did not reach ${loggedInShare} within ${timeout} ms (last ${s?.loggedInShare ?? 'none'})`)
      await c.pause(250)
    }
  }
  if ('kill' in step && step.kill.workers != null) {
    await killWorkers(step.kill, step.kill.workers, c)
    return
  }
  if ('kill' in step) {
    const status = await c.t.status()
    // peers only: the login server is the one central component, never a victim
    const alive = status.nodes.filter(n => n.alive && n.kind === 'peer')
    const n = step.kill.count ?? Math.round((step.kill.share ?? 0) * alive.length)
    const sns = shuffle(alive.filter(x => x.role === 'supernode'), c.random).map(x => x.name)
    const others = shuffle(alive.filter(x => x.role !== 'supernode'), c.random).map(x => x.name)
    const fromSns = Math.min(sns.length, Math.round(n * step.kill.supernodeBias))
    const victims = [...sns.slice(0, fromSns), ...others.slice(0, n - fromSns), ...sns.slice(fromSns)].slice(0, n)
    const killedSns = victims.filter(v => sns.includes(v)).length
    const isTrigger = step.kill.trigger ?? c.markers.trigger == null
    if (isTrigger) {
      c.markers.trigger = c.rec.now()
      await c.rec.event('trigger', { what: 'kill', nodes: victims.length, supernodes: killedSns })
    }
    c.progress(`[${c.policy}] killing ${victims.length} of ${alive.length} peers (${killedSns} of ${sns.length} supernodes)`)
    await c.t.kill(victims, step.kill.signal)
    for (const v of victims) c.down.add(v)
    await c.rec.event('kill', { nodes: victims, supernodes: killedSns, signal: step.kill.signal })
    return
  }
  if ('restart' in step) {
    const status = await c.t.status()
    const names = status.nodes.filter(n => !n.alive && c.down.has(n.name)).map(n => n.name)
    c.progress(`[${c.policy}] restarting ${names.length} peers over ${step.restart.spread / 1000} s`)
    await c.rec.event('restart-begin', { nodes: names.length, spreadMs: step.restart.spread })
    await c.t.restart(names, { spreadMs: step.restart.spread })
    for (const n of names) c.down.delete(n)
    c.markers.restartEnd = c.rec.now()
    await c.rec.event('restart-end', { nodes: names.length })
    return
  }
  if ('inject' in step) {
    const { supernodes, capacity, attachesPerSecond, loginsPerSecond } = step.inject
    c.markers.inject ??= c.rec.now()
    await c.rec.event('inject', { supernodes, capacity, loginsPerSecond: loginsPerSecond ?? null })
    if (loginsPerSecond != null) {
      c.progress(`[${c.policy}] operator: login server capacity -> ${loginsPerSecond}/s`)
      await c.t.setLoginCapacity(loginsPerSecond)
    }
    if (supernodes > 0) {
      c.progress(`[${c.policy}] operator: ${supernodes} mega-supernodes of ${capacity} slots`)
      await c.t.addPeers(supernodes, { name: 'mega', share: 1, reachable: true, capacity, bandwidthKbps: 100_000, attachesPerSecond }, { operator: true })
    }
    return
  }
  if ('join' in step) {
    const profile = c.t.config.profiles.find(p => p.name === (step.join.profile ?? c.t.config.profiles[0]?.name))
    if (profile == null) throw new ScenarioError(`join: no profile named ${step.join.profile ?? ''}`)
    await c.rec.event('join', { count: step.join.count, profile: profile.name })
    const each = step.join.spread / step.join.count
    for (let i = 0; i < step.join.count; i++) {
      await c.t.addPeers(1, profile, { prefix: 'join' })
      if (each > 0) await c.pause(each)
    }
    return
  }
  if ('churn' in step) {
    await churn(step.churn, c)
    return
  }
  throw new TestnetError(`unknown step ${JSON.stringify(step)}`)
}

/** A kill step of whole worker processes (packed mode): each takes all its nodes down at once. */
async function killWorkers (kill: Extract<Step, { kill: unknown }>['kill'], count: number, c: StepContext): Promise<void> {
  const status = await c.t.status()
  const running = status.workers.filter(w => w.alive)
  const chosen = shuffle(running, c.random).slice(0, count).map(w => w.name)
  const byName = new Map(status.nodes.map(n => [n.name, n]))
  const victims = running.filter(w => chosen.includes(w.name)).flatMap(w => w.nodes).filter(n => byName.get(n)?.alive === true)
  const killedSns = victims.filter(v => byName.get(v)?.role === 'supernode').length
  const isTrigger = kill.trigger ?? c.markers.trigger == null
  if (isTrigger) {
    c.markers.trigger = c.rec.now()
    await c.rec.event('trigger', { what: 'kill', nodes: victims.length, supernodes: killedSns, workers: chosen.length })
  }
  c.progress(`[${c.policy}] killing ${chosen.length} of ${running.length} worker processes: ${victims.length} peers (${killedSns} supernodes)`)
  await c.t.killWorkers(chosen, kill.signal)
  for (const v of victims) c.down.add(v)
  await c.rec.event('kill', { workers: chosen, nodes: victims, supernodes: killedSns, signal: kill.signal })
}

/**
 * Background churn: a share of the peers (drawn with the run's seed) come and go, each
 * online for a Weibull-distributed session, then crashed (SIGKILL) and down for an
 * exponential while, until the step's time is up; every churned peer is up at the end.
 */
async function churn (spec: Extract<Step, { churn: unknown }>['churn'], c: StepContext): Promise<void> {
  const status = await c.t.status()
  const peers = status.nodes.filter(n => n.alive && n.kind === 'peer' && !n.name.startsWith('mega'))
  const churners = shuffle(peers, c.random).slice(0, Math.round(spec.share * peers.length)).map(n => n.name)
  const session = weibull({ shape: spec.sessionShape, mean: spec.meanSession }, c.random)
  const downtime = spec.meanDowntime > 0 ? exponential(spec.meanDowntime, c.random) : () => 0
  const until = Date.now() + spec.for
  let sessions = 0
  c.progress(`[${c.policy}] churn for ${spec.for / 1000} s: ${churners.length} of ${peers.length} peers, Weibull sessions (shape ${spec.sessionShape}, mean ${spec.meanSession / 1000} s), mean downtime ${spec.meanDowntime / 1000} s`)
  await c.rec.event('churn-begin', { nodes: churners.length, shape: spec.sessionShape, meanSessionMs: spec.meanSession, meanDowntimeMs: spec.meanDowntime, forMs: spec.for })
  const stopped = (): boolean => c.signal?.aborted === true
  const live = async (name: string): Promise<void> => {
    while (!stopped()) {
      const up = session()
      if (Date.now() + up >= until) return
      await c.pause(up)
      if (stopped() || Date.now() >= until) return
      await c.t.kill([name])
      c.down.add(name)
      sessions++
      await c.rec.event('churn-leave', { node: name, sessionMs: Math.round(up) })
      await c.pause(Math.min(downtime(), Math.max(0, until - Date.now())))
      if (stopped()) return
      await c.t.start([name])
      c.down.delete(name)
      await c.rec.event('churn-join', { node: name })
    }
  }
  await Promise.all(churners.map(live))
  c.progress(`[${c.policy}] churn over: ${sessions} sessions ended`)
  await c.rec.event('churn-end', { sessions })
}
