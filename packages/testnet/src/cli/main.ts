import { spawn } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { writeComparison, writeReport } from '@stampede/report'
import { runScenario } from '../runner.js'
import { loadScenario } from '../scenario.js'
import { fileURLToPath } from 'node:url'
import { checkCapacity } from '../capacity.js'
import { applyOverrides, defaultConfig, loadConfig } from '../config.js'
import { formatProgress, formatStatusTable } from '../format.js'
import { UsageError } from '../errors.js'
import { announceStarting, callSupervisor, isAlive, readSupervisor, serveTestnet, withdrawStarting, NotRunningError } from '../supervisor.js'
import { LaunchAbortedError, Testnet } from '../testnet.js'
import { parseCli, HELP } from './args.js'
import type { TestnetConfig } from '../config.js'
import type { SupervisorInfo } from '../supervisor.js'
import type { TestnetStatus } from '../testnet.js'
import type { WorkerExit } from '../worker-process.js'
import type { CompareCommand, DownCommand, ParsedCommand, RunCommand, StatusCommand, UpCommand } from './args.js'
import type { RunResult } from '../runner.js'
import type { RunSummary } from '../summary.js'

/** Messages a detached supervisor sends to the `up` that started it. */
type SupervisorMessage =
  | { type: 'progress', line: string }
  | { type: 'ready', status: TestnetStatus }
  | { type: 'failed', message: string, exitCode: number }

const isTTY = process.stderr.isTTY === true

function version (): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string }
  return pkg.version
}

function testnetDir (stateDir: string, name: string): string {
  return resolve(stateDir, name)
}

function table (status: TestnetStatus): string {
  const rows = [status.loginServer, ...status.nodes].map(n => ({
    name: n.name,
    pid: n.pid,
    role: n.role,
    alive: n.alive,
    loggedIn: n.loggedIn,
    supernode: n.supernode,
    load: n.role === 'supernode' ? n.load : undefined,
    capacity: n.role === 'supernode' ? n.capacity : undefined,
    profile: n.profile
  }))
  return formatStatusTable(rows, status.summary, { color: process.stdout.isTTY === true && process.env.NO_COLOR == null })
}

function statusJson (status: TestnetStatus): unknown {
  return {
    name: status.name,
    at: new Date(status.at).toISOString(),
    loginServer: { name: status.loginServer.name, pid: status.loginServer.pid, alive: status.loginServer.alive, peerId: status.loginServer.peerId },
    nodes: status.nodes.map(n => ({
      name: n.name,
      pid: n.pid,
      role: n.role,
      alive: n.alive,
      paused: n.paused,
      loggedIn: n.loggedIn,
      supernode: n.supernode,
      load: n.load,
      capacity: n.capacity,
      profile: n.profile,
      peerId: n.peerId,
      restarts: n.restarts,
      worker: n.worker
    })),
    workers: status.workers,
    summary: status.summary
  }
}

/** One line for the launcher's log when a worker process exits (packed mode). */
export function describeWorkerExit (exit: WorkerExit): string {
  const how = exit.signal != null ? `signal ${exit.signal}` : `code ${exit.code}`
  const took = exit.nodes.length === 0 ? 'no running nodes' : `${exit.nodes.length} node${exit.nodes.length === 1 ? '' : 's'} with it: ${exit.nodes.join(', ')}`
  return `worker ${exit.worker} (pid ${exit.pid ?? '?'}) ${exit.expected ? 'was stopped' : 'died'} (${how}), taking ${took}`
}

async function resolveConfig (cmd: UpCommand): Promise<TestnetConfig> {
  const base = cmd.config != null ? await loadConfig(cmd.config) : defaultConfig()
  return applyOverrides(base, { nodes: cmd.nodes, nodesPerProcess: cmd.nodesPerProcess, seed: cmd.seed, name: cmd.name })
}

/** The process that owns a testnet: launches it, serves it, stops it on signal or `down`. */
async function supervise (cmd: UpCommand, report: (m: SupervisorMessage) => void, foreground: boolean): Promise<number> {
  const config = await resolveConfig(cmd)
  const dir = testnetDir(cmd.stateDir, config.name)
  try {
    const running = await readSupervisor(dir, config.name)
    report({ type: 'failed', message: `testnet '${config.name}' is already running (supervisor pid ${running.pid}); stop it with: stampede down --name ${config.name}`, exitCode: 1 })
    return 1
  } catch (err: unknown) {
    if (!(err instanceof NotRunningError)) throw err
  }
  const begun = Date.now()
  let testnet: Testnet | undefined
  let stopping: Promise<void> | undefined
  let stopRequested = false
  const stopAll = async (): Promise<void> => {
    stopRequested = true
    stopping ??= (async () => {
      await server?.close().catch(() => {})
      await testnet?.stop()
    })()
    await stopping
  }
  // a signal during the bring-up stops the launch itself; launch stops what it started.
  // Ctrl-C in the foreground is what the user asked for (0); a detached bring-up cancelled
  // by a signal or `down` tells the `up` that waits for it 130
  const launchAborted = new AbortController()
  const cancelledCode = foreground ? 0 : 130
  const done = new Promise<number>(resolveDone => {
    const onSignal = (): void => {
      if (isTTY && foreground) process.stderr.write('\nstopping every node…\n')
      launchAborted.abort()
      void stopAll().then(() => { resolveDone(0) })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    process.on('SIGHUP', foreground ? onSignal : () => {})
  })
  let server: Awaited<ReturnType<typeof serveTestnet>> | undefined
  let downRequested: () => void = () => {}
  const down = new Promise<number>(resolveDown => { downRequested = () => { void stopAll().then(() => { resolveDown(0) }) } })

  const packing = config.nodesPerProcess > 1 ? ` in ${Math.ceil(config.nodes / config.nodesPerProcess)} worker processes of up to ${config.nodesPerProcess}` : ''
  report({ type: 'progress', line: `starting testnet '${config.name}': login server and ${config.nodes} peers${packing} (state in ${dir})` })
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await announceStarting(dir, config.name)
    testnet = await Testnet.launch({
      config,
      stateDir: cmd.stateDir,
      signal: launchAborted.signal,
      onUnexpectedExit: (name, code, signal) => { report({ type: 'progress', line: `node ${name} exited unexpectedly (code ${code}, signal ${signal})` }) },
      onWorkerExit: (exit) => { report({ type: 'progress', line: describeWorkerExit(exit) }) }
    }, (started, total) => {
      if (started === total || started % 10 === 0) report({ type: 'progress', line: `spawned ${started}/${total} peers (${((Date.now() - begun) / 1000).toFixed(1)} s)` })
    })
    server = await serveTestnet(testnet, { onDown: () => { downRequested() } })
  } catch (err: unknown) {
    await stopAll()
    await withdrawStarting(dir)
    if (err instanceof LaunchAbortedError) {
      report({ type: 'failed', message: `${err.message}; every node is stopped`, exitCode: cancelledCode })
      return cancelledCode
    }
    report({ type: 'failed', message: (err as Error).message, exitCode: 1 })
    return 1
  }
  const t = testnet
  let status: TestnetStatus
  try {
    let lastLine = 0
    status = await t.waitForLoggedIn({
      timeoutMs: Math.max(config.timing.startupTimeoutMs, config.nodes * 500),
      onStatus: (s) => {
        if (stopRequested) throw new Error('stopped')
        if (Date.now() - lastLine >= (isTTY ? 250 : 2_000)) {
          lastLine = Date.now()
          report({ type: 'progress', line: formatProgress({ ...s.summary, elapsedMs: Date.now() - begun }) })
        }
      }
    })
  } catch (err: unknown) {
    if (stopRequested) {
      await done
      report({ type: 'failed', message: 'stopped before every peer had logged in; every node is stopped', exitCode: cancelledCode })
      return cancelledCode
    }
    const s = t.lastStatus()
    await stopAll()
    report({ type: 'failed', message: `${(err as Error).message}${s != null ? '\n' + table(s) : ''}`, exitCode: 1 })
    return 1
  }
  report({ type: 'ready', status })
  if (foreground) void watchChanges(t, begun, () => stopRequested, report)
  return Promise.race([done, down])
}

/** In the foreground, print a progress line whenever the picture changes (kills, failovers). */
async function watchChanges (t: Testnet, begun: number, stopped: () => boolean, report: (m: SupervisorMessage) => void): Promise<void> {
  let last = ''
  while (!stopped()) {
    await new Promise(resolveSleep => setTimeout(resolveSleep, 2_000))
    if (stopped()) return
    const s = await t.status().catch(() => undefined)
    if (s == null) continue
    const key = `${s.summary.alive}/${s.summary.loggedIn}/${s.summary.supernodes}/${s.summary.paused}`
    if (key !== last) {
      last = key
      report({ type: 'progress', line: formatProgress({ ...s.summary, elapsedMs: Date.now() - begun }) })
    }
  }
}

async function up (cmd: UpCommand): Promise<number> {
  // refuse a testnet the machine cannot hold before anything starts (exit status 2)
  const wanted = await resolveConfig(cmd)
  checkCapacity(wanted.nodes, wanted.nodesPerProcess)
  if (!cmd.detach) {
    const begun = Date.now()
    let progressShown = false
    const code = await supervise(cmd, (m) => {
      if (m.type === 'progress') {
        if (isTTY && m.line.startsWith('[')) {
          process.stderr.write(`\r\x1b[2K${m.line}`)
          progressShown = true
        } else {
          if (progressShown) process.stderr.write('\n')
          progressShown = false
          process.stderr.write(m.line + '\n')
        }
      } else if (m.type === 'ready') {
        if (progressShown) process.stderr.write('\n')
        process.stdout.write(table(m.status) + '\n')
        process.stderr.write(`all ${m.status.summary.total} peers logged in after ${((Date.now() - begun) / 1000).toFixed(1)} s, ${m.status.summary.supernodes} supernodes\n`)
        process.stderr.write(`testnet '${m.status.name}' is running; press Ctrl-C to stop it (other terminals: npx stampede status --name ${m.status.name})\n`)
      } else {
        process.stderr.write(`stampede up: ${m.message}\n`)
      }
    }, true)
    return code
  }

  // detached: a supervisor process of its own, in its own session, owns the testnet
  const config = await resolveConfig(cmd)
  const dir = testnetDir(cmd.stateDir, config.name)
  await mkdir(dir, { recursive: true })
  const logPath = join(dir, 'supervisor.log')
  const log = openSync(logPath, 'a')
  const bin = fileURLToPath(new URL('../bin/stampede.js', import.meta.url))
  const args = [bin, '__supervise', '--state-dir', cmd.stateDir, '--name', config.name]
  if (cmd.config != null) args.push('--config', cmd.config)
  if (cmd.nodes != null) args.push('--nodes', String(cmd.nodes))
  if (cmd.nodesPerProcess != null) args.push('--nodes-per-process', String(cmd.nodesPerProcess))
  if (cmd.seed != null) args.push(`--seed=${cmd.seed}`)
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log, 'ipc'] })
  closeSync(log)
  return new Promise<number>((resolveCode) => {
    // Ctrl-C while the testnet is coming up cancels the bring-up; once it is up, `up` is gone
    const cancel = (): void => {
      process.stderr.write('\nstopping the bring-up…\n')
      child.kill('SIGTERM')
    }
    process.on('SIGINT', cancel)
    process.on('SIGTERM', cancel)
    const finish = (code: number): void => {
      process.off('SIGINT', cancel)
      process.off('SIGTERM', cancel)
      if (child.connected) child.disconnect()
      child.unref()
      resolveCode(code)
    }
    child.on('message', (msg: SupervisorMessage) => {
      if (msg.type === 'progress') process.stderr.write(msg.line + '\n')
      else if (msg.type === 'ready') {
        process.stdout.write(table(msg.status) + '\n')
        process.stderr.write(`testnet '${msg.status.name}' is running in the background (supervisor pid ${child.pid}, log ${logPath})\n`)
        process.stderr.write(`  npx stampede status --name ${msg.status.name}\n  npx stampede down --name ${msg.status.name}\n`)
        finish(0)
      } else {
        process.stderr.write(`stampede up: ${msg.message}\n`)
        finish(msg.exitCode)
      }
    })
    child.on('exit', (code) => { finish(code === 0 ? 1 : code ?? 1) })
  })
}

/** The hidden `__supervise` command: `up --detach`'s background process. */
async function superviseDetached (cmd: UpCommand): Promise<number> {
  const send = (m: SupervisorMessage): void => {
    process.stdout.write(`${new Date().toISOString()} ${m.type === 'progress' ? m.line : m.type === 'failed' ? `failed: ${m.message}` : 'ready'}\n`)
    if (process.send != null && process.connected) process.send(m)
  }
  // the `up` that started us may exit at any time; we must not go with it
  process.on('disconnect', () => {})
  const code = await supervise(cmd, send, false)
  // an `up` still waiting for us would keep the channel, and this process, alive
  if (process.connected) process.disconnect()
  return code
}

async function status (cmd: StatusCommand): Promise<number> {
  const info = await readSupervisor(testnetDir(cmd.stateDir, cmd.name), cmd.name)
  const once = async (): Promise<TestnetStatus> => callSupervisor<TestnetStatus>(info, 'GET', '/status', undefined, 10_000)
  if (!cmd.watch) {
    const s = await once()
    process.stdout.write(cmd.json ? JSON.stringify(statusJson(s), null, 2) + '\n' : table(s) + '\n')
    return 0
  }
  let stop = false
  process.on('SIGINT', () => { stop = true })
  while (!stop) {
    const s = await once()
    if (cmd.json) process.stdout.write(JSON.stringify(statusJson(s)) + '\n')
    else process.stdout.write(`${isTTY ? '\x1b[2J\x1b[H' : ''}${table(s)}\n`)
    await new Promise(resolveSleep => setTimeout(resolveSleep, 1_000))
  }
  return 0
}

async function action (info: SupervisorInfo, path: string, body: unknown): Promise<number> {
  const result = await callSupervisor<{ action: string, nodes: string[], workers?: string[] }>(info, 'POST', path, body, 30 * 60_000)
  process.stdout.write(JSON.stringify(result) + '\n')
  const workers = result.workers != null ? ` in ${result.workers.length} worker${result.workers.length === 1 ? '' : 's'} (${result.workers.slice(0, 12).join(', ')}${result.workers.length > 12 ? ', …' : ''})` : ''
  process.stderr.write(`${result.action}: ${result.nodes.length} node${result.nodes.length === 1 ? '' : 's'}${result.nodes.length > 0 ? ` (${result.nodes.slice(0, 12).join(', ')}${result.nodes.length > 12 ? ', …' : ''})` : ''}${workers}\n`)
  return 0
}

async function waitGone (pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > until) return false
    await new Promise(resolveSleep => setTimeout(resolveSleep, 100))
  }
  return true
}

/** Stop a testnet; also clears up after a supervisor that died (its nodes' pids are on file). */
async function down (cmd: DownCommand): Promise<number> {
  const dir = testnetDir(cmd.stateDir, cmd.name)
  let info: SupervisorInfo | undefined
  try {
    info = await readSupervisor(dir, cmd.name)
  } catch (err: unknown) {
    if (!(err instanceof NotRunningError)) throw err
    process.stderr.write(`${err.message}\n`)
  }
  if (info != null) {
    try {
      await callSupervisor(info, 'POST', '/down', {}, 10_000)
    } catch {
      process.kill(info.pid, 'SIGTERM')
    }
    if (!await waitGone(info.pid, 20_000)) {
      process.stderr.write(`supervisor pid ${info.pid} did not stop in 20 s; killing it\n`)
      process.kill(info.pid, 'SIGKILL')
      await waitGone(info.pid, 5_000)
    }
  }
  // nodes exit by themselves when their supervisor goes; make sure of it
  let leftovers = 0
  try {
    const nodes = JSON.parse(await readFile(join(dir, 'nodes.json'), 'utf8')) as { nodes: Array<{ name: string, pid: number | null }>, workers?: Array<{ name: string, pid: number | null }> }
    const pids = new Set([...nodes.nodes, ...(nodes.workers ?? [])].map(n => n.pid).filter((p): p is number => p != null))
    for (const pid of pids) {
      if (isAlive(pid)) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
        if (cmdline.includes('stampede-node') || cmdline.includes('stampede-worker')) {
          leftovers++
          process.kill(pid, 'SIGKILL')
        }
      }
    }
  } catch {
    // no nodes file: nothing was started
  }
  await rm(join(dir, 'supervisor.json'), { force: true })
  if (info != null || leftovers > 0) process.stderr.write(`testnet '${cmd.name}' is down${leftovers > 0 ? ` (${leftovers} leftover node processes killed)` : ''}; logs stay in ${dir}\n`)
  return 0
}

function summaryTable (results: RunResult[]): string {
  const rows: Array<[string, (s: RunSummary) => string]> = [
    ['logged in before the trigger', s => pct(s.preTriggerLoggedInShare)],
    ['lowest logged-in share after it', s => pct(s.minLoggedInShare)],
    ['seconds below 50 % after the last restart', s => num(s.belowHalfSeconds)],
    ['recovery to 50 % / 90 % / 95 % (s after last restart)', s => `${num(s.recovery50Seconds)} / ${num(s.recovery90Seconds)} / ${num(s.recovery95Seconds)}`],
    ['log-in attempts per successful log-in', s => num(s.attemptsPerLogin)],
    ['login server peak vs steady state', s => s.loginServerPeakRatio == null ? '-' : `${s.loginServerPeakRatio}x`],
    ['demotions (by overload)', s => `${s.demotions} (${s.overloadDemotions})`],
    ['promotions', s => String(s.promotions)],
    ['messages per node per second', s => num(s.messagesPerNodePerSecond)],
    ['peak host CPU', s => pct(s.peakHostCpu)],
    ['assertions', s => `${s.assertions.filter(a => a.passed).length}/${s.assertions.length} passed`]
  ]
  const head = ['', ...results.map(r => r.summary.policy)]
  const body = rows.map(([label, f]) => [label, ...results.map(r => f(r.summary))])
  const widths = head.map((_, i) => Math.max(...[head, ...body].map(r => (r[i] ?? '').length)))
  const line = (r: string[]): string => r.map((c, i) => i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ')
  return [line(head), ...body.map(line)].join('\n')
}

function pct (x: number | null): string {
  return x == null ? '-' : `${(x * 100).toFixed(1)} %`
}

function num (x: number | null): string {
  return x == null ? 'never' : String(x)
}

async function run (cmd: RunCommand): Promise<number> {
  const scenario = await loadScenario(cmd.scenario)
  // the most peers the scenario will run at once: its testnet, plus every peer it adds
  const added = scenario.steps.reduce((n, st) => n + ('join' in st ? st.join.count : 'inject' in st ? st.inject.supernodes : 0), 0)
  const nodesPerProcess = cmd.nodesPerProcess ?? scenario.testnet.nodesPerProcess
  const workerKill = scenario.steps.findIndex(st => 'kill' in st && st.kill.workers != null)
  if (nodesPerProcess <= 1 && workerKill >= 0) {
    throw new UsageError(`--nodes-per-process ${nodesPerProcess}: the scenario kills worker processes (steps[${workerKill}].kill.workers), which exist in packed mode only`, '--nodes-per-process')
  }
  checkCapacity((cmd.nodes ?? scenario.testnet.nodes) + added, nodesPerProcess)
  const policies: Array<'legacy' | 'adaptive'> = cmd.policy == null ? scenario.policies : cmd.policy === 'both' ? ['legacy', 'adaptive'] : [cmd.policy]
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')
  const base = cmd.out ?? join('runs', `${scenario.name}-${stamp}`)
  const controller = new AbortController()
  const onSignal = (): void => {
    if (controller.signal.aborted) return
    process.stderr.write('\ninterrupted: stopping the run, keeping what was recorded…\n')
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const results: RunResult[] = []
  try {
    for (const policy of policies) {
      if (controller.signal.aborted) break
      const outDir = policies.length === 1 && cmd.out != null ? cmd.out : join(base, policy)
      const result = await runScenario({
        scenario,
        policy,
        seed: cmd.seed,
        nodes: cmd.nodes,
        nodesPerProcess: cmd.nodesPerProcess,
        outDir,
        stateDir: cmd.stateDir,
        signal: controller.signal,
        onProgress: (line) => { process.stderr.write(line + '\n') },
        report: writeReport
      })
      results.push(result)
      process.stderr.write(`[${policy}] ${result.summary.assertionsPassed ? 'assertions passed' : 'ASSERTIONS FAILED'}; report: ${result.reportPath ?? '(none)'}\n`)
      for (const a of result.summary.assertions) process.stderr.write(`  ${a.passed ? 'ok  ' : 'FAIL'} ${a.name}: ${a.detail}\n`)
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  if (results.length > 1) {
    const out = cmd.out ?? base
    const page = await writeComparison(results.map(r => r.dir), out)
    process.stderr.write(`comparison: ${page}\n`)
  }
  if (results.length > 0) process.stdout.write(summaryTable(results) + '\n')
  return results.length === policies.length && results.every(r => r.summary.assertionsPassed) ? 0 : 1
}

async function compare (cmd: CompareCommand): Promise<number> {
  const out = cmd.out ?? dirname(resolve(cmd.runs[0] as string))
  const page = await writeComparison(cmd.runs, out)
  process.stdout.write(page + '\n')
  return 0
}

export async function main (argv: string[]): Promise<number> {
  if (argv[0] === '__supervise') {
    const cmd = parseCli(['up', ...argv.slice(1)])
    if (cmd.command !== 'up') return 2
    return superviseDetached(cmd)
  }
  const cmd: ParsedCommand = parseCli(argv)
  switch (cmd.command) {
    case 'help':
      process.stdout.write(cmd.text + '\n')
      return 0
    case 'version':
      process.stdout.write(version() + '\n')
      return 0
    case 'up':
      return up(cmd)
    case 'status':
      return status(cmd)
    case 'down':
      return down(cmd)
    case 'run':
      return run(cmd)
    case 'compare':
      return compare(cmd)
    case 'kill':
    case 'restart':
    case 'pause':
    case 'resume': {
      const info = await readSupervisor(testnetDir(cmd.stateDir, cmd.name), cmd.name)
      const body = {
        selector: cmd.selector,
        role: cmd.role,
        signal: 'signal' in cmd ? cmd.signal : undefined,
        spreadMs: 'spreadMs' in cmd ? cmd.spreadMs : undefined,
        workers: cmd.workers === true ? true : undefined
      }
      return action(info, `/${cmd.command}`, body)
    }
  }
}

export { HELP }
