import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { logger } from '@libp2p/logger'
import { UsageError } from './errors.js'
import { IpcRequests } from './ipc-requests.js'
import { NodeStartError, SettleLatch, lowerPriority } from './node-process.js'
import type { NodeExit, NodeHandle, NodeLauncher, NodeProcessSpec } from './node-process.js'
import type { ChildProcess } from 'node:child_process'

const log = logger('stampede:testnet:worker')

/** How long a worker may take to crash one of its nodes (it resets sockets; no waiting on peers). */
export const WORKER_CRASH_TIMEOUT_MS = 10_000

/** A request to a worker process (see packages/node/src/bin/stampede-worker.ts). */
export type WorkerRequest =
  | { type: 'start', name: string, configPath: string, priorUptimeMs?: number }
  | { type: 'stop', name: string }
  | { type: 'crash', name: string }
  | { type: 'status', name: string }

/** A worker's message to the launcher. */
export type WorkerMessage =
  | { type: 'hello', pid: number, maxNodes: number }
  | { type: 'ready', id: number, name: string, peerId: string, addrs: string[], controlPort?: number, pid: number }
  | { type: 'settled', name: string }
  | { type: 'error', id: number, name: string, errorName: string, message: string }
  | { type: 'exited', id?: number, name: string, how: 'stop' | 'crash' }
  | { type: 'status', id: number, name: string, nodes: Record<string, unknown> }

export interface WorkerSpec {
  /** `worker-01`, ... */
  name: string
  stdoutPath: string
  stderrPath: string
  /** nodes it may run at once (the testnet's nodesPerProcess) */
  maxNodes: number
}

/** What the launcher says when a worker process exits. */
export interface WorkerExit {
  worker: string
  pid: number | null
  code: number | null
  signal: string | null
  /** the launcher asked for it (kill --workers, down) */
  expected: boolean
  /** the nodes that were running in it and went down with it */
  nodes: string[]
}

export class WorkerError extends Error {
  override name = 'WorkerError'
}

/**
 * A worker process of packed mode: one Node.js process running up to `maxNodes` overlay
 * nodes (`PackedNode`s), driven over its IPC channel. It is spawned when the first of its
 * nodes starts, again after it died, and exits by itself when this process goes away.
 */
export class WorkerProcess {
  readonly spec: WorkerSpec
  /** the nodes assigned to it, running or not */
  readonly nodes: PackedNode[] = []
  pid: number | null = null
  alive = false
  paused = false
  starts = 0
  lastExit: NodeExit | null = null
  onExit?: (exit: WorkerExit) => void
  private child: ChildProcess | undefined
  private spawning: Promise<void> | undefined
  private exited: Promise<void> = Promise.resolve()
  private requestedStop = false
  private readonly requests = new IpcRequests<WorkerMessage>()

  constructor (spec: WorkerSpec) {
    this.spec = spec
  }

  get name (): string { return this.spec.name }

  /** Spawn the worker unless it runs; resolves once it said hello. */
  async ensureRunning (launcher: NodeLauncher): Promise<void> {
    if (this.spawning != null) { await this.spawning; return }
    if (this.alive) return
    this.spawning = this.spawn(launcher).finally(() => { this.spawning = undefined })
    await this.spawning
  }

  private async spawn (launcher: NodeLauncher): Promise<void> {
    if (launcher.workerEntry == null) throw new WorkerError('packed mode needs the worker entry point (stampede-worker); build @stampede/node')
    const out = openSync(this.spec.stdoutPath, 'a')
    const err = openSync(this.spec.stderrPath, 'a')
    let child: ChildProcess
    try {
      child = spawn(process.execPath, [...(launcher.busyExecArgv ?? launcher.execArgv), launcher.workerEntry, '--name', this.name, '--max-nodes', String(this.spec.maxNodes)], {
        stdio: ['ignore', out, err, 'ipc'],
        env: launcher.env,
        serialization: 'json'
      })
    } finally {
      closeSync(out)
      closeSync(err)
    }
    lowerPriority(child.pid, launcher)
    this.child = child
    this.requestedStop = false
    this.pid = child.pid ?? null
    this.alive = true
    this.paused = false
    this.starts++
    let resolveExit: () => void = () => {}
    this.exited = new Promise(resolve => { resolveExit = resolve })
    const hello = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new NodeStartError(`${this.name} did not start within ${launcher.startupTimeoutMs} ms (see ${this.spec.stderrPath})`))
      }, launcher.startupTimeoutMs)
      child.on('message', (msg: WorkerMessage) => {
        if (msg?.type === 'hello') {
          clearTimeout(timer)
          resolve()
        } else {
          this.onMessage(msg)
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new NodeStartError(`${this.name} exited during start-up (code ${code}, signal ${signal}); see ${this.spec.stderrPath}`))
      })
      child.once('error', (e) => {
        clearTimeout(timer)
        reject(new NodeStartError(`${this.name} could not be spawned: ${e.message}`))
      })
    })
    child.once('exit', (code, signal) => {
      const expected = this.requestedStop
      const pid = this.pid
      this.alive = false
      this.paused = false
      this.pid = null
      this.child = undefined
      this.lastExit = { code, signal, expected, at: Date.now() }
      this.requests.failAll(new WorkerError(`${this.name} exited (code ${code}, signal ${signal})`))
      const took = this.nodes.filter(n => n.alive).map(n => n.name)
      log('%s (pid %s) exited code=%s signal=%s expected=%s, taking %d nodes', this.name, pid, code, signal, expected, took.length)
      for (const n of this.nodes) n.workerGone(code, signal, expected)
      resolveExit()
      this.onExit?.({ worker: this.name, pid, code, signal, expected, nodes: took })
    })
    try {
      await hello
    } catch (e: unknown) {
      this.requestedStop = true
      if (this.alive) child.kill('SIGKILL')
      await this.exited
      throw e
    }
  }

  private onMessage (msg: WorkerMessage): void {
    if (msg == null || typeof msg !== 'object') return
    if ('id' in msg && typeof msg.id === 'number' && this.requests.answer(msg.id, msg)) return
    if (msg.type === 'settled') {
      this.nodes.find(n => n.name === msg.name)?.markSettled()
      return
    }
    if (msg.type === 'exited') {
      // a node that went on its own (an admin stop through its control endpoint)
      this.nodes.find(n => n.name === msg.name)?.wentDown(0, null, false)
    }
  }

  /** Ask the worker something about one node; rejects when it dies or after `timeoutMs`. */
  async request (req: WorkerRequest, timeoutMs: number): Promise<WorkerMessage> {
    const child = this.child
    if (!this.alive || child == null) throw new WorkerError(`${this.name} is not running`)
    return this.requests.send(child, req, timeoutMs, {
      timeout: (ms) => new WorkerError(`${this.name} did not answer '${req.type} ${req.name}' within ${ms} ms (see ${this.spec.stderrPath})`),
      send: (err) => new WorkerError(`${this.name}: cannot send '${req.type}': ${err.message}`)
    })
  }

  /** Stop the whole worker with a signal (all its nodes at once); KILL after `graceMs`. */
  async stop (signal: 'KILL' | 'TERM', graceMs = 5_000): Promise<void> {
    if (this.spawning != null) await this.spawning.catch(() => {})
    const child = this.child
    if (!this.alive || child == null) return
    this.requestedStop = true
    if (this.paused && signal === 'TERM') child.kill('SIGCONT')
    child.kill(`SIG${signal}`)
    // the worker stops its nodes one by one within its own bound; give it that long
    const timer = setTimeout(() => { if (this.alive) child.kill('SIGKILL') }, graceMs + 2_000)
    await this.exited
    clearTimeout(timer)
  }

  /** SIGSTOP: all its nodes hang at once, like a frozen machine. */
  pause (): void {
    if (!this.alive || this.paused || this.child == null) return
    this.child.kill('SIGSTOP')
    this.paused = true
  }

  resume (): void {
    if (!this.alive || !this.paused || this.child == null) return
    this.child.kill('SIGCONT')
    this.paused = false
  }

  async waitExit (): Promise<void> {
    await this.exited
  }
}

/**
 * One overlay node inside a worker process (packed mode). `stop('KILL')` crashes it: the
 * worker resets every connection of the node with no goodbye and drops its timers and
 * streams, while the other nodes of the worker carry on. It restarts in the same worker
 * (spawned again if the worker died) with the same identity, host cache and port.
 */
export class PackedNode implements NodeHandle {
  readonly spec: NodeProcessSpec
  readonly host: WorkerProcess
  alive = false
  peerId: string | null = null
  addrs: string[] = []
  controlPort: number | null = null
  starts = 0
  lastExit: NodeExit | null = null
  onExit?: (node: NodeHandle, code: number | null, signal: string | null, expected: boolean) => void
  private requestedStop = false
  private exited: Promise<void> = Promise.resolve()
  private resolveExit: () => void = () => {}
  private readonly settle = new SettleLatch()

  constructor (spec: NodeProcessSpec, host: WorkerProcess) {
    this.spec = spec
    this.host = host
    host.nodes.push(this)
  }

  get name (): string { return this.spec.name }
  get worker (): string { return this.host.name }
  get pid (): number | null { return this.alive ? this.host.pid : null }
  get paused (): boolean { return this.alive && this.host.paused }

  async settled (): Promise<void> { await this.settle.wait() }

  /** Its worker said the node attached or began serving. */
  markSettled (): void { this.settle.settle() }

  async start (launcher: NodeLauncher, env: NodeJS.ProcessEnv = {}): Promise<void> {
    if (this.alive) return
    if (this.host.paused) throw new UsageError(`${this.name} runs in ${this.worker}, which is paused: resume it first (stampede resume ${this.worker} --workers)`)
    await this.host.ensureRunning(launcher)
    if (this.alive) return
    const prior = env.STAMPEDE_PRIOR_UPTIME_MS
    const priorUptimeMs = prior != null && prior !== '' ? Number(prior) : undefined
    this.requestedStop = false
    this.alive = true
    this.starts++
    this.settle.reset()
    this.exited = new Promise(resolve => { this.resolveExit = resolve })
    let reply: WorkerMessage
    try {
      reply = await this.host.request({ type: 'start', name: this.name, configPath: this.spec.configPath, ...(priorUptimeMs != null ? { priorUptimeMs } : {}) }, launcher.startupTimeoutMs)
    } catch (err: unknown) {
      // no answer in time: make sure it does not come up later on its own
      this.requestedStop = true
      if (this.host.alive) await this.host.request({ type: 'crash', name: this.name }, WORKER_CRASH_TIMEOUT_MS).catch(() => {})
      this.wentDown(null, null, true)
      throw new NodeStartError(`${this.name} did not become ready: ${(err as Error).message}`)
    }
    if (reply.type === 'ready') {
      this.peerId = reply.peerId
      this.addrs = reply.addrs
      this.controlPort = reply.controlPort ?? null
      return
    }
    this.requestedStop = true
    this.wentDown(1, null, true)
    throw new NodeStartError(`${this.name} failed to start: ${reply.type === 'error' ? reply.message : reply.type} (see ${this.spec.stderrPath})`)
  }

  /**
   * KILL crashes the node (connections reset, nothing said, nothing flushed); TERM stops it
   * politely (clients detach or move, host cache flushed) and crashes it after `graceMs`.
   */
  async stop (signal: 'KILL' | 'TERM', graceMs = 5_000): Promise<void> {
    if (!this.alive) return
    if (this.host.paused) throw new UsageError(`${this.name} runs in ${this.worker}, which is paused: resume it first (stampede resume ${this.worker} --workers)`)
    this.requestedStop = true
    try {
      const reply = await this.host.request({ type: signal === 'KILL' ? 'crash' : 'stop', name: this.name }, signal === 'KILL' ? WORKER_CRASH_TIMEOUT_MS : graceMs + WORKER_CRASH_TIMEOUT_MS)
      if (reply.type === 'error') throw new WorkerError(`${this.name}: ${reply.message}`)
      this.wentDown(null, `SIG${signal}`, true)
    } catch (err: unknown) {
      // the worker died meanwhile: its exit took the node down already
      if (this.alive) throw err
    }
    await this.exited
  }

  pause (): void {
    throw new UsageError(`${this.name} shares ${this.worker} with other nodes (packed mode): one node cannot be frozen on its own; pause the whole worker (stampede pause ${this.worker} --workers) or run with --nodes-per-process 1`)
  }

  resume (): void {
    throw new UsageError(`${this.name} shares ${this.worker} with other nodes (packed mode): resume the whole worker (stampede resume ${this.worker} --workers)`)
  }

  async waitExit (): Promise<void> {
    await this.exited
  }

  /** The node is down (asked for, or on its own). */
  wentDown (code: number | null, signal: string | null, expected: boolean): void {
    if (!this.alive) return
    const asked = expected || this.requestedStop
    this.alive = false
    this.controlPort = null
    this.lastExit = { code, signal, expected: asked, at: Date.now() }
    log('%s (in %s) down code=%s signal=%s expected=%s', this.name, this.worker, code, signal, asked)
    this.settle.settle()
    this.resolveExit()
    this.onExit?.(this, code, signal, asked)
  }

  /** Its worker process exited: the node went with it. */
  workerGone (code: number | null, signal: string | null, expected: boolean): void {
    this.wentDown(code, signal, expected)
  }
}
