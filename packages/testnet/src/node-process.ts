import { spawn } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { logger } from '@libp2p/logger'
import { MAX_NICE } from './config.js'
import { IpcRequests } from './ipc-requests.js'
import type { ChildProcess } from 'node:child_process'

const log = logger('stampede:testnet:process')

/** The node's message to its parent once it listens. */
export interface ReadyMessage {
  type: 'ready'
  name: string
  peerId: string
  addrs: string[]
  controlPort?: number
  pid: number
  /** the node answers `{ type: 'status', id }` on this channel with `{ type: 'status', id, status }` */
  ipcStatus?: boolean
}

export interface NodeProcessSpec {
  name: string
  kind: 'login' | 'peer'
  /** path of the node's JSON settings (stampede-node --config) */
  configPath: string
  dataDir: string
  stdoutPath: string
  stderrPath: string
  profile: string
}

export interface NodeLauncher {
  /** the node executable (bundled entry point when built) */
  entry: string
  /** the packed-mode executable that runs several nodes (bundled entry point when built) */
  workerEntry?: string
  /** Node.js flags for node processes */
  execArgv: string[]
  /** Node.js flags for the login server and packed workers; @default execArgv */
  busyExecArgv?: string[]
  env: NodeJS.ProcessEnv
  startupTimeoutMs: number
  /** niceness added to the launcher's own for peer and worker processes (not the login server); @default 0 */
  peerNice?: number
}

/**
 * Run a peer process `launcher.peerNice` steps below the launcher's priority, so that on a
 * saturated host the login server (the operator's machine in the model) and the launcher
 * are not time-sliced with hundreds of peers. Raising niceness needs no privilege; if the
 * kernel refuses anyway the process keeps running at the launcher's priority.
 */
export function lowerPriority (pid: number | undefined, launcher: NodeLauncher): void {
  const steps = launcher.peerNice ?? 0
  if (pid == null || steps <= 0) return
  try {
    setPriority(pid, Math.min(MAX_NICE, getPriority() + steps))
  } catch (err: unknown) {
    log('could not lower the priority of process %d: %s', pid, (err as Error).message)
  }
}

/** A status request over a node's IPC channel went unanswered (logged; `ipcStatus` gives undefined). */
export class NodeStatusError extends Error {
  override name = 'NodeStatusError'
}

export class NodeStartError extends Error {
  override name = 'NodeStartError'
}

/** How a node last went down. */
export interface NodeExit {
  code: number | null
  signal: string | null
  /** the launcher asked for it (kill, restart, down) */
  expected: boolean
  at: number
}

/**
 * One overlay node as the launcher drives it: a process of its own (`NodeProcess`) or
 * one of several nodes in a worker process (`PackedNode`, packed mode).
 */
export interface NodeHandle {
  readonly spec: NodeProcessSpec
  readonly name: string
  /** the process it runs in (shared by the nodes of a worker); null while down */
  readonly pid: number | null
  readonly alive: boolean
  readonly paused: boolean
  readonly peerId: string | null
  readonly addrs: string[]
  readonly controlPort: number | null
  /** times started */
  readonly starts: number
  readonly lastExit: NodeExit | null
  /** the worker process it belongs to in packed mode; null for a process of its own */
  readonly worker: string | null
  /** whether the running node answers status requests over its IPC channel (stampede-node does) */
  readonly statusOverIpc?: boolean
  /**
   * Its status (what its control endpoint's `GET /status` answers) over the IPC channel;
   * undefined if it is down or paused, does not answer there, or is silent for `timeoutMs`.
   */
  ipcStatus?(timeoutMs: number): Promise<unknown>
  onExit?: (node: NodeHandle, code: number | null, signal: string | null, expected: boolean) => void
  /** start it and wait until it listens (same identity, data and port as before) */
  start(launcher: NodeLauncher, env?: NodeJS.ProcessEnv): Promise<void>
  /**
   * Resolves once the node, since its last start, has attached to a supernode or begun
   * serving as one, or has gone down; never rejects.
   */
  settled(): Promise<void>
  /** KILL: a crash with no goodbye; TERM: a polite stop, a crash after `graceMs` */
  stop(signal: 'KILL' | 'TERM', graceMs?: number): Promise<void>
  pause(): void
  resume(): void
  waitExit(): Promise<void>
}

/** The promise behind `NodeHandle.settled`, renewed at every start. */
export class SettleLatch {
  private promise: Promise<void> = Promise.resolve()
  private resolveFn: () => void = () => {}
  /** a new start: wait for the next `settle` */
  reset (): void {
    this.resolveFn()
    this.promise = new Promise(resolve => { this.resolveFn = resolve })
  }

  settle (): void { this.resolveFn() }
  wait (): Promise<void> { return this.promise }
}

/**
 * One overlay node running as a child process, with an IPC channel: the node reports
 * `ready`, and exits by itself when this process (its parent) goes away.
 */
export class NodeProcess implements NodeHandle {
  readonly spec: NodeProcessSpec
  readonly worker = null
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private requestedStop = false
  private readonly settle = new SettleLatch()
  pid: number | null = null
  alive = false
  paused = false
  peerId: string | null = null
  addrs: string[] = []
  controlPort: number | null = null
  starts = 0
  lastExit: NodeExit | null = null
  onExit?: (proc: NodeHandle, code: number | null, signal: string | null, expected: boolean) => void
  /** whether the running node said it answers status requests over IPC */
  statusOverIpc = false
  /** status requests in flight (see ipcStatus) */
  private readonly requests = new IpcRequests<unknown>()

  constructor (spec: NodeProcessSpec) {
    this.spec = spec
  }

  get name (): string { return this.spec.name }

  async settled (): Promise<void> { await this.settle.wait() }

  /** Spawn the node and wait until it reports ready (or fails). */
  async start (launcher: NodeLauncher, env: NodeJS.ProcessEnv = {}): Promise<void> {
    if (this.alive) return
    const out = openSync(this.spec.stdoutPath, 'a')
    const err = openSync(this.spec.stderrPath, 'a')
    let child: ChildProcess
    try {
      const execArgv = this.spec.kind === 'login' ? launcher.busyExecArgv ?? launcher.execArgv : launcher.execArgv
      child = spawn(process.execPath, [...execArgv, launcher.entry, '--config', this.spec.configPath], {
        stdio: ['ignore', out, err, 'ipc'],
        env: { ...launcher.env, ...env },
        serialization: 'json'
      })
    } finally {
      closeSync(out)
      closeSync(err)
    }
    if (this.spec.kind === 'peer') lowerPriority(child.pid, launcher)
    this.child = child
    this.requestedStop = false
    this.settle.reset()
    this.statusOverIpc = false
    child.on('message', (msg: unknown) => {
      const m = msg as { type?: string, id?: unknown, status?: unknown } | null
      if (m?.type === 'settled') this.settle.settle()
      else if (m?.type === 'status' && typeof m.id === 'number') this.requests.answer(m.id, m.status)
    })
    this.pid = child.pid ?? null
    this.alive = true
    this.paused = false
    this.starts++
    let resolveExit: () => void = () => {}
    this.exited = new Promise(resolve => { resolveExit = resolve })
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new NodeStartError(`${this.name} did not become ready within ${launcher.startupTimeoutMs} ms (see ${this.spec.stderrPath})`))
      }, launcher.startupTimeoutMs)
      child.on('message', (msg: unknown) => {
        const m = msg as { type?: string, message?: string }
        if (m?.type === 'ready') {
          const r = m as ReadyMessage
          this.peerId = r.peerId
          this.addrs = r.addrs
          this.controlPort = r.controlPort ?? null
          this.statusOverIpc = r.ipcStatus === true
          clearTimeout(timer)
          resolve()
        } else if (m?.type === 'error') {
          clearTimeout(timer)
          reject(new NodeStartError(`${this.name} failed to start: ${m.message ?? 'unknown error'}`))
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
      this.alive = false
      this.paused = false
      this.pid = null
      this.controlPort = null
      this.statusOverIpc = false
      this.requests.failAll(new NodeStatusError(`${this.name} exited (code ${code}, signal ${signal})`))
      this.lastExit = { code, signal, expected, at: Date.now() }
      log('%s exited code=%s signal=%s expected=%s', this.name, code, signal, expected)
      this.settle.settle()
      resolveExit()
      this.onExit?.(this, code, signal, expected)
    })
    try {
      await ready
    } catch (e: unknown) {
      this.requestedStop = true
      if (this.alive) child.kill('SIGKILL')
      await this.exited
      throw e
    }
  }

  /**
   * The node's status over the IPC channel, if it said it answers there (stampede-node
   * does); undefined if it does not, is down or paused, or is silent for `timeoutMs`. An
   * HTTP request to its control endpoint costs a freshly started node 3-6 ms of CPU for
   * each of its first two (Node's HTTP server code compiling), then about 1.5 ms; a
   * testnet waiting for restarted peers to log in asks each of them every half second.
   */
  async ipcStatus (timeoutMs: number): Promise<unknown> {
    const child = this.child
    if (!this.alive || this.paused || !this.statusOverIpc || child == null || !child.connected) return undefined
    return await this.requests.send(child, { type: 'status' }, timeoutMs, {
      timeout: (ms) => new NodeStatusError(`${this.name} did not answer 'status' within ${ms} ms`),
      send: (err) => new NodeStatusError(`${this.name}: cannot send 'status': ${err.message}`)
    }).catch((err: unknown) => {
      log('%s', (err as Error).message)
      return undefined
    })
  }

  /** Send a signal and wait for the process to exit; KILL after `graceMs` if it lingers. */
  async stop (signal: 'KILL' | 'TERM', graceMs = 5_000): Promise<void> {
    if (!this.alive || this.child == null) return
    this.requestedStop = true
    const child = this.child
    if (this.paused && signal === 'TERM') child.kill('SIGCONT')
    child.kill(`SIG${signal}`)
    const timer = setTimeout(() => { if (this.alive) child.kill('SIGKILL') }, graceMs)
    await this.exited
    clearTimeout(timer)
  }

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

  /** Wait for the current process to exit. */
  async waitExit (): Promise<void> {
    await this.exited
  }
}
