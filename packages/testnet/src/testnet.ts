import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { seededRandom } from '@stampede/allocation'
import { issueToken, loadOrCreateIdentity } from '@stampede/node'
import { CODE_CACHE_ENV } from '@stampede/node/code-cache'
import { checkCapacity } from './capacity.js'
import { assignProfiles } from './config.js'
import { UsageError } from './errors.js'
import { NodeProcess } from './node-process.js'
import { findFreePorts } from './ports.js'
import { selectNodes } from './selector.js'
import { PackedNode, WorkerProcess } from './worker-process.js'
import type { ProfileConfig, TestnetConfig } from './config.js'
import type { PrivateKey } from '@libp2p/interface'
import type { NodeHandle, NodeLauncher } from './node-process.js'
import type { WorkerExit } from './worker-process.js'
import type { Selector } from './selector.js'
import type { NodeStatus } from '@stampede/node'

const log = logger('stampede:testnet')

/** Node flags for node processes: a smaller young generation saves ~14 MB each. */
export const NODE_EXEC_ARGV = ['--max-semi-space-size=1']
/**
 * Node flags for the busy processes, one each or a few: a packed worker (K nodes' worth of
 * short-lived messages) and the login server. With a 1 MB young generation they spent a
 * fifth of their time collecting garbage; 8 MB cut a 400-peer packed testnet's bring-up
 * CPU by about 12 % and its steady CPU by about 13 %, for ~20 MB more per process.
 */
export const BUSY_EXEC_ARGV = ['--max-semi-space-size=8']
/** Nodes spawned at once during bring-up and restarts. */
export const DEFAULT_SPAWN_CONCURRENCY = Math.max(4, availableParallelism() * 4)
/**
 * First bring-up in packed mode: peers started but not yet attached (or serving) at most.
 * Every peer of a testnet shares this machine's cores, which the peers of a real network
 * do not: started as fast as they could be (a packed node is ready in milliseconds), 1,000
 * packed peers starved the supernodes already serving (reports late, supernodes expired
 * and replaced, clients moved), and the bring-up took 4-17 minutes or never ended. Process
 * mode is not paced: a process costs 0.1-0.25 s of CPU to start, which paces it already,
 * and nothing showed starvation there. (A bench with the window in process mode too took
 * 49-67 s for 100 peers; without it, the same day, 47-65 s: the machine, not the window.)
 * Restarts and storms are never paced.
 */
export const DEFAULT_LAUNCH_WINDOW = 32
/**
 * A peer that has not attached this long after its start no longer holds a launch-window
 * slot: peers that cannot attach yet (no supernode promoted so far) do not stall the
 * bring-up for long, and the window never lets fewer than 32 peers start per 10 s.
 */
export const LAUNCH_SETTLE_TIMEOUT_MS = 10_000
/** Status requests in flight at once. */
export const STATUS_CONCURRENCY = 32
export const STATUS_TIMEOUT_MS = 1_500

export type NodeRole = 'login' | 'client' | 'supernode' | 'offline'

/** One node as the launcher sees it: process facts plus what the node last said. */
export interface NodeView {
  name: string
  kind: 'login' | 'peer'
  pid: number | null
  alive: boolean
  paused: boolean
  /** the node's role now; `offline` when its process is not running */
  role: NodeRole
  /** the role it had when last heard from */
  lastRole: 'login' | 'client' | 'supernode' | null
  loggedIn: boolean
  /** the node name of the supernode this client is attached to */
  supernode: string | null
  load: number
  capacity: number
  /** presence records this supernode has still to put into the DHT */
  presenceQueued: number
  profile: string
  peerId: string | null
  controlPort: number | null
  /** false when alive but its control endpoint did not answer (paused, overloaded) */
  responding: boolean
  restarts: number
  /** the worker process it runs in (packed mode); null for a process of its own */
  worker: string | null
}

/** A worker process of packed mode and the nodes it runs. */
export interface WorkerView {
  name: string
  pid: number | null
  alive: boolean
  paused: boolean
  /** the nodes assigned to it, running or not */
  nodes: string[]
  /** times it was started again after it had gone */
  restarts: number
}

export interface TestnetSummary {
  /** peers, not counting the login server */
  total: number
  alive: number
  loggedIn: number
  supernodes: number
  paused: number
  /** client slots of live supernodes */
  capacity: number
  /**
   * presence records the live supernodes have still to put into the DHT: after a mass
   * log-in the overlay's work goes on until this is 0
   */
  presenceQueued: number
}

export interface TestnetStatus {
  name: string
  at: number
  loginServer: NodeView
  nodes: NodeView[]
  /** worker processes (packed mode); empty in process mode */
  workers: WorkerView[]
  summary: TestnetSummary
}

export interface TestnetOptions {
  config: TestnetConfig
  /** root of all testnets' state; this one lives in `<stateDir>/<config.name>` */
  stateDir: string
  /** the stampede-node entry point; @default the bundled one when built, else the compiled bin */
  entry?: string
  /** @default DEFAULT_SPAWN_CONCURRENCY */
  spawnConcurrency?: number
  /**
   * first bring-up: peers started but not yet attached or serving, at most (Infinity: no
   * pacing); @default DEFAULT_LAUNCH_WINDOW in packed mode, Infinity in process mode
   */
  launchWindow?: number
  /** told about every node exit that nobody asked for (not those a dying worker took) */
  onUnexpectedExit?(name: string, code: number | null, signal: string | null): void
  /** told about every worker process that exits (packed mode), with the nodes it took */
  onWorkerExit?(exit: WorkerExit): void
  /** abort the bring-up: no more peers are started, the started ones are stopped, `launch` rejects */
  signal?: AbortSignal
}

/** `launch` was aborted through its signal; everything it had started is stopped. */
export class LaunchAbortedError extends Error {
  override name = 'LaunchAbortedError'
}

async function sleepUnlessAborted (ms: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** A counting semaphore whose waiters can be woken to give up (`acquire` checks `stopped`). */
class Semaphore {
  private free: number
  private readonly waiters: Array<() => void> = []
  constructor (size: number) {
    if (size !== Infinity && (!Number.isInteger(size) || size < 1)) throw new TestnetError(`launch window must be a positive integer or Infinity, got ${size}`)
    this.free = size
  }

  /** wait for a slot; returns without one once `stopped()` says so */
  async acquire (stopped: () => boolean): Promise<void> {
    while (this.free === 0) {
      if (stopped()) return
      await new Promise<void>(resolve => { this.waiters.push(resolve) })
    }
    if (stopped()) return
    this.free--
  }

  release (): void {
    this.free++
    this.waiters.shift()?.()
  }

  /** wake every waiter (to look at `stopped()` again) */
  wake (): void {
    for (const w of this.waiters.splice(0)) w()
  }
}

/**
 * Run `fn` over `items` with at most `limit` in flight. After the first failure no new
 * item is started; the call rejects once the ones in flight have settled.
 */
export async function mapLimit<T, R> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failure == null) {
      const i = next++
      try {
        out[i] = await fn(items[i] as T, i)
      } catch (error: unknown) {
        failure ??= { error }
      }
    }
  })
  await Promise.all(workers)
  if (failure != null) throw failure.error
  return out
}

/**
 * Whether a node's view from the last status still stands for its process: it answered
 * then, and the process is the same one, alive and not paused, neither then nor now.
 */
export function carriesOver (prev: NodeView, p: Pick<NodeHandle, 'pid' | 'alive' | 'paused' | 'starts'>): boolean {
  return p.pid != null && prev.responding && prev.alive && !prev.paused && p.alive && !p.paused &&
    prev.pid === p.pid && prev.restarts === Math.max(0, p.starts - 1)
}

/** The stampede-node entry point: the esbuild bundle when present (fast start), else the compiled bin. */
export function defaultNodeEntry (): string {
  const bin = fileURLToPath(import.meta.resolve('@stampede/node/bin'))
  const bundle = resolve(dirname(bin), '../../bundle/stampede-node.mjs')
  return existsSync(bundle) ? bundle : bin
}

/** The packed-mode worker entry point (stampede-worker): the bundle when present, else the compiled one. */
export function defaultWorkerEntry (): string {
  const bin = fileURLToPath(import.meta.resolve('@stampede/node/bin'))
  const bundle = resolve(dirname(bin), '../../bundle/stampede-worker.mjs')
  return existsSync(bundle) ? bundle : join(dirname(bin), 'stampede-worker.js')
}

export class TestnetError extends Error {
  override name = 'TestnetError'
}

/**
 * A local testnet of real processes: one login server and `config.nodes` peers, each a
 * `stampede-node` child of this process, or, in packed mode (`nodesPerProcess` K > 1),
 * K peers in each `stampede-worker` child. Its state (node data, logs, settings) lives in
 * one directory. This is the library API behind the `stampede` CLI.
 */
export class Testnet {
  readonly config: TestnetConfig
  readonly dir: string
  readonly token: string
  private readonly launcher: NodeLauncher
  private readonly login: NodeProcess
  private readonly peers: NodeHandle[]
  private readonly byName = new Map<string, NodeHandle>()
  private readonly workers: WorkerProcess[]
  private readonly random: () => number
  private readonly spawnConcurrency: number
  private last: TestnetStatus | undefined
  private stopping = false
  private nodesDir = ''
  private readonly counters = new Map<string, Record<string, number>>()
  private nodeSettings: (name: string, kind: 'login' | 'peer', settings: Record<string, unknown>, profile: string) => Promise<NodeHandle> = async () => { throw new TestnetError('not launched') }
  private peerBase: Record<string, unknown> = {}
  private readonly onNodeExit: NonNullable<NodeHandle['onExit']>
  private readonly onWorkerExit: (exit: WorkerExit) => void

  private constructor (opts: TestnetOptions, dir: string, token: string, login: NodeProcess, peers: NodeHandle[], workers: WorkerProcess[] = []) {
    this.config = opts.config
    this.dir = dir
    this.token = token
    this.login = login
    this.peers = peers
    this.workers = workers
    this.random = seededRandom(opts.config.seed * 7919 + 17)
    this.spawnConcurrency = opts.spawnConcurrency ?? DEFAULT_SPAWN_CONCURRENCY
    this.launcher = {
      entry: opts.entry ?? defaultNodeEntry(),
      workerEntry: defaultWorkerEntry(),
      execArgv: NODE_EXEC_ARGV,
      busyExecArgv: BUSY_EXEC_ARGV,
      env: {
        // node logs go to files: without this, the debug library behind @libp2p/logger asks
        // isatty(2) for every logger it creates, one per connection and stream (about 1 % of
        // a busy worker's CPU)
        DEBUG_COLORS: 'false',
        ...process.env,
        STAMPEDE_CONTROL_TOKEN: token,
        // Node's compile cache for the modules it loads, and the bundles' V8 code cache
        // written by a warm node (@stampede/node's code-cache.ts)
        NODE_COMPILE_CACHE: join(opts.stateDir, '.compile-cache'),
        [CODE_CACHE_ENV]: join(opts.stateDir, '.code-cache')
      },
      startupTimeoutMs: opts.config.timing.startupTimeoutMs,
      peerNice: opts.config.peerNice
    }
    this.onNodeExit = (proc, code, signal, expected) => {
      // a node that went down with its worker is told about once, as the worker's exit
      const host = proc.worker != null ? this.workers.find(w => w.name === proc.worker) : undefined
      if (!expected && !this.stopping && host?.alive !== false) {
        log('%s exited unexpectedly (code %s, signal %s)', proc.name, code, signal)
        opts.onUnexpectedExit?.(proc.name, code, signal)
      }
    }
    this.onWorkerExit = (exit) => {
      if (this.stopping) return
      log('%s (pid %s) exited (code %s, signal %s, %s), taking %d nodes: %s', exit.worker, exit.pid, exit.code, exit.signal, exit.expected ? 'asked for' : 'unexpectedly', exit.nodes.length, exit.nodes.join(', '))
      opts.onWorkerExit?.(exit)
      void this.writeNodesFile().catch(() => {})
    }
    for (const p of [login, ...peers]) {
      this.byName.set(p.name, p)
      p.onExit = this.onNodeExit
    }
    for (const w of workers) w.onExit = this.onWorkerExit
  }

  /** Peers per process: 1 in process mode, K in packed mode. */
  get nodesPerProcess (): number {
    return this.config.nodesPerProcess
  }

  /**
   * Prepare the state directory and start the login server and every peer. Resolves when
   * all processes listen (not yet logged in: use `waitUntil`). A previous run's node
   * directories are moved to `archive/` first, so its logs stay.
   */
  static async launch (opts: TestnetOptions, onSpawned?: (started: number, total: number) => void): Promise<Testnet> {
    const { config } = opts
    // fail before anything starts when the machine cannot hold this many nodes
    checkCapacity(config.nodes, config.nodesPerProcess)
    const dir = resolve(opts.stateDir, config.name)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await mkdir(join(opts.stateDir, '.compile-cache'), { recursive: true })
    const nodesDir = join(dir, 'nodes')
    if (existsSync(nodesDir)) {
      const archive = join(dir, 'archive', new Date().toISOString().replace(/[:.]/g, '-'))
      await mkdir(dirname(archive), { recursive: true })
      await rename(nodesDir, archive)
      const workersDir = join(dir, 'workers')
      if (existsSync(workersDir)) await rename(workersDir, `${archive}-workers`)
    }
    const token = randomBytes(24).toString('hex')
    const ports = await findFreePorts(config.host, config.nodes + 1)
    const ip = config.host.includes(':') ? 'ip6' : 'ip4'
    const listen = (port: number): string => `/${ip}/${config.host}/tcp/${port}`
    // the nodes get the overlay's timers; the launcher keeps its own
    const { startupTimeoutMs: _startup, startSpreadMs: _spread, priorUptimeMs: _prior, ...timing } = config.timing

    const workers: WorkerProcess[] = []
    const packed = config.nodesPerProcess > 1
    /**
     * Packed mode: the worker a new peer joins. The launch deals its peers out over the
     * workers it needs, round-robin (peer 1 to worker-01, peer 2 to worker-02, ...), so the
     * peers that start first run in different processes: they are the oldest, so the
     * login server promotes them first. Filling one worker after another put most
     * supernodes (with their clients' heartbeats and attaches) on the first few processes:
     * in a 1,000-peer testnet 7-11 of the 50 on each of the first five of 40 workers,
     * against at most 3 per worker dealt out. A peer added later
     * joins the emptiest worker with room, or a new one.
     */
    const plannedWorkers = packed ? Math.ceil(config.nodes / config.nodesPerProcess) : 0
    const workerWithRoom = async (): Promise<WorkerProcess> => {
      let host: WorkerProcess | undefined
      if (workers.length >= plannedWorkers) {
        for (const w of workers) {
          if (w.nodes.length < config.nodesPerProcess && (host == null || w.nodes.length < host.nodes.length)) host = w
        }
      }
      if (host != null) return host
      const name = `worker-${String(workers.length + 1).padStart(2, '0')}`
      const workerDir = join(dir, 'workers', name)
      await mkdir(workerDir, { recursive: true })
      const w = new WorkerProcess({ name, stdoutPath: join(workerDir, 'stdout.log'), stderrPath: join(workerDir, 'stderr.log'), maxNodes: config.nodesPerProcess })
      workers.push(w)
      return w
    }
    const makeSpec = async (name: string, kind: 'login' | 'peer', settings: Record<string, unknown>, profile: string): Promise<NodeHandle> => {
      const nodeDir = join(nodesDir, name)
      const dataDir = join(nodeDir, 'data')
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      const configPath = join(nodeDir, 'node.json')
      await writeFile(configPath, JSON.stringify({ name, role: kind, dataDir, eventLog: join(nodeDir, 'events.jsonl'), control: { host: '127.0.0.1', port: 0 }, timing, ...settings }, null, 2))
      if (packed && kind === 'peer') {
        const host = await workerWithRoom()
        return new PackedNode({ name, kind, configPath, dataDir, stdoutPath: host.spec.stdoutPath, stderrPath: host.spec.stderrPath, profile }, host)
      }
      return new NodeProcess({ name, kind, configPath, dataDir, stdoutPath: join(nodeDir, 'stdout.log'), stderrPath: join(nodeDir, 'stderr.log'), profile })
    }

    const p = config.promotion
    const login = await makeSpec('login', 'login', {
      listen: [listen(ports[0] as number)],
      seed: config.seed,
      policy: config.policy,
      login: { ...config.loginServer },
      promotion: {
        clientsPerSupernode: p.clientsPerSupernode,
        minSupernodes: p.minSupernodes,
        maxPromotionsPerRound: p.maxPromotionsPerRound,
        headroom: p.headroom,
        minTenureMs: p.minTenureMs,
        eligibility: { requireReachable: p.requireReachable, minCapacity: p.minCapacity, minBandwidthKbps: p.minBandwidthKbps, minUptimeMs: p.minUptimeMs }
      }
    }, 'login') as NodeProcess

    const testnetRandom = seededRandom(config.seed)
    const profiles = assignProfiles(config, testnetRandom)
    const width = String(config.nodes).length
    const peerSettings = profiles.map((profile, i) => ({
      name: `peer-${String(i + 1).padStart(width, '0')}`,
      profile,
      port: ports[i + 1] as number,
      seed: config.seed * 100_003 + i
    }))
    const t0 = new Testnet(opts, dir, token, login, [])
    await login.start(t0.launcher)
    const loginAddress = { id: login.peerId as string, addrs: login.addrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')) }
    // one at a time in packed mode: peers are dealt out to the workers in order
    const peers = await mapLimit(peerSettings, packed ? 1 : 16, async (s) => makeSpec(s.name, 'peer', {
      listen: [listen(s.port)],
      seed: s.seed,
      loginServer: loginAddress,
      policy: config.policy,
      ...(s.profile.attachesPerSecond != null ? { attachesPerSecond: s.profile.attachesPerSecond } : {}),
      profile: { name: s.profile.name, reachable: s.profile.reachable, capacity: s.profile.capacity, bandwidthKbps: s.profile.bandwidthKbps },
      hostCache: { maxEntries: config.hostCache.maxEntries }
    }, s.profile.name))
    const testnet = new Testnet(opts, dir, token, login, peers, workers)
    testnet.nodesDir = nodesDir
    testnet.nodeSettings = makeSpec
    testnet.peerBase = { loginServer: loginAddress, policy: config.policy, hostCache: { maxEntries: config.hostCache.maxEntries } }
    await writeFile(join(dir, 'testnet.json'), JSON.stringify({ name: config.name, createdAt: new Date().toISOString(), loginServer: loginAddress, config }, null, 2))
    let started = 0
    const spread = config.timing.startSpreadMs
    const firstStart = config.timing.priorUptimeMs > 0 ? { STAMPEDE_PRIOR_UPTIME_MS: String(config.timing.priorUptimeMs) } : {}
    const begun = Date.now()
    const window = new Semaphore(opts.launchWindow ?? (packed ? DEFAULT_LAUNCH_WINDOW : Infinity))
    const stopped = (): boolean => testnet.stopping || opts.signal?.aborted === true
    const onAbort = (): void => { window.wake() }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await mapLimit(peers, testnet.spawnConcurrency, async (proc, i) => {
        const at = peers.length > 1 ? (spread * i) / (peers.length - 1) : 0
        const wait = begun + at - Date.now()
        if (wait > 0) await sleepUnlessAborted(wait, opts.signal)
        await window.acquire(stopped)
        if (stopped()) return
        try {
          await proc.start(testnet.launcher, firstStart)
        } catch (err: unknown) {
          window.release()
          throw err
        }
        onSpawned?.(++started, peers.length)
        // the slot is free once the peer attached or serves, went down, or took too long
        let freed = false
        const free = (): void => {
          if (freed) return
          freed = true
          clearTimeout(timer)
          window.release()
        }
        const timer = setTimeout(free, LAUNCH_SETTLE_TIMEOUT_MS)
        void proc.settled().then(free)
      })
      if (opts.signal?.aborted === true) throw new LaunchAbortedError(`bring-up stopped after ${started} of ${peers.length} peers had started`)
    } catch (err: unknown) {
      await testnet.stop()
      throw err
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
    await testnet.writeNodesFile()
    return testnet
  }

  get name (): string { return this.config.name }

  /** Names of the peers (not the login server). */
  nodeNames (): string[] {
    return this.peers.map(p => p.name)
  }

  process (name: string): NodeHandle {
    const p = this.byName.get(name)
    if (p == null) throw new TestnetError(`no node named ${name}`)
    return p
  }

  /** Counter totals of every node that answered the last status request (for samplers). */
  lastCounters (): ReadonlyMap<string, Record<string, number>> {
    return this.counters
  }

  /** The last status taken, without asking the nodes again. */
  lastStatus (): TestnetStatus | undefined {
    return this.last
  }

  /**
   * Ask every live node for its status (bounded concurrency, short timeouts). With `reuse`,
   * a process-mode node for which it holds keeps its view from the last status instead of
   * being asked again, as long as it answered then and has neither restarted, nor stopped,
   * nor been paused since (see `waitUntil`'s `settled`).
   */
  async status (opts: { reuse?(view: NodeView): boolean } = {}): Promise<TestnetStatus> {
    const all = [this.login, ...this.peers]
    const previous = new Map((this.last?.nodes ?? []).map(n => [n.name, n]))
    const kept = new Map<string, NodeView>()
    if (opts.reuse != null) {
      for (const p of all) {
        const prev = previous.get(p.name)
        if (prev != null && p.worker == null && carriesOver(prev, p) && opts.reuse(prev)) kept.set(p.name, prev)
      }
    }
    // packed mode: one IPC message per worker answers for all its nodes, instead of an
    // HTTP request per node (at a thousand nodes that is most of the sampling cost)
    const batches = new Map<string, Record<string, unknown>>()
    await mapLimit(this.workers.filter(w => w.alive && !w.paused), STATUS_CONCURRENCY, async (w) => {
      const reply = await w.request({ type: 'status', name: '*' }, STATUS_TIMEOUT_MS).catch(() => undefined)
      if (reply?.type === 'status') batches.set(w.name, reply.nodes)
    })
    const answers = await mapLimit(all, STATUS_CONCURRENCY, async (p) => {
      if (kept.has(p.name)) return undefined
      if (p.worker == null) return this.fetchStatus(p)
      if (!p.alive || p.paused) return undefined
      return batches.get(p.worker)?.[p.name] as NodeStatus | undefined
    })
    all.forEach((p, i) => {
      const counters = answers[i]?.counters
      if (counters != null) this.counters.set(p.name, counters)
      else if (!p.alive) this.counters.delete(p.name)
    })
    const byPeerId = new Map<string, string>()
    for (const p of all) if (p.peerId != null) byPeerId.set(p.peerId, p.name)
    const views = all.map((p, i): NodeView => {
      const carried = kept.get(p.name)
      if (carried != null) return carried
      const s = answers[i]
      const prev = previous.get(p.name)
      const lastRole = s?.role ?? prev?.lastRole ?? (p.spec.kind === 'login' ? 'login' : null)
      return {
        name: p.name,
        kind: p.spec.kind,
        pid: p.pid,
        alive: p.alive,
        paused: p.paused,
        role: p.alive ? (s?.role ?? lastRole ?? 'client') : 'offline',
        lastRole,
        loggedIn: p.alive && !p.paused && s?.loggedIn === true,
        supernode: p.alive && s?.supernode != null ? byPeerId.get(s.supernode) ?? s.supernode : null,
        load: p.alive ? s?.load ?? 0 : 0,
        capacity: p.alive ? s?.capacity ?? 0 : 0,
        presenceQueued: p.alive ? s?.presenceQueued ?? 0 : 0,
        profile: p.spec.profile,
        peerId: p.peerId,
        controlPort: p.controlPort,
        responding: s != null,
        restarts: Math.max(0, p.starts - 1),
        worker: p.worker
      }
    })
    const [loginView, ...nodes] = views as [NodeView, ...NodeView[]]
    const supernodes = nodes.filter(n => n.alive && n.role === 'supernode')
    this.last = {
      name: this.name,
      at: Date.now(),
      loginServer: loginView,
      nodes,
      workers: this.workers.map(w => ({ name: w.name, pid: w.pid, alive: w.alive, paused: w.paused, nodes: w.nodes.map(n => n.name), restarts: Math.max(0, w.starts - 1) })),
      summary: {
        total: nodes.length,
        alive: nodes.filter(n => n.alive).length,
        loggedIn: nodes.filter(n => n.loggedIn).length,
        supernodes: supernodes.length,
        paused: nodes.filter(n => n.paused).length,
        capacity: supernodes.reduce((a, n) => a + n.capacity, 0),
        presenceQueued: supernodes.reduce((a, n) => a + n.presenceQueued, 0)
      }
    }
    return this.last
  }

  private async fetchStatus (p: NodeHandle): Promise<NodeStatus | undefined> {
    if (!p.alive || p.paused) return undefined
    // over the IPC channel when the node answers there (stampede-node does): far cheaper
    // for the node than an HTTP request (see NodeProcess.ipcStatus)
    if (p.statusOverIpc === true && p.ipcStatus != null) {
      const status = await p.ipcStatus(STATUS_TIMEOUT_MS)
      return status != null && typeof status === 'object' ? status as NodeStatus : undefined
    }
    if (p.controlPort == null) return undefined
    try {
      const res = await fetch(`http://127.0.0.1:${p.controlPort}/status`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(STATUS_TIMEOUT_MS)
      })
      if (!res.ok) return undefined
      return await res.json() as NodeStatus
    } catch {
      return undefined
    }
  }

  /**
   * Poll status until `predicate` holds; throws TestnetError after `timeoutMs`. With
   * `settled`, a node whose view satisfies it is not asked again in the following polls
   * (its view carries over while its process neither restarts nor stops); once
   * `predicate` holds on such a poll, every node is asked once more and only that full
   * status is returned. On a 100-peer bring-up nearly every peer logs in within seconds
   * of its start, so waiting for all of them stops costing every logged-in peer (and the
   * launcher) an HTTP request twice a second.
   */
  async waitUntil (predicate: (s: TestnetStatus) => boolean, opts: { timeoutMs: number, intervalMs?: number, onStatus?(s: TestnetStatus): void, signal?: AbortSignal, settled?(view: NodeView): boolean }): Promise<TestnetStatus> {
    const until = Date.now() + opts.timeoutMs
    // whether the next poll may carry settled nodes' views over
    let partial = false
    while (true) {
      const s = await this.status(partial ? { reuse: opts.settled } : {})
      opts.onStatus?.(s)
      if (predicate(s)) {
        if (!partial) return s
        // confirm on a full status: a carried-over node may have changed meanwhile
        partial = false
        continue
      }
      partial = opts.settled != null
      if (Date.now() > until) {
        throw new TestnetError(`condition not reached within ${opts.timeoutMs} ms: ${s.summary.loggedIn}/${s.summary.total} logged in, ${s.summary.alive} alive, ${s.summary.supernodes} supernodes`)
      }
      if (opts.signal?.aborted === true) throw new TestnetError('wait aborted')
      await new Promise(resolve => setTimeout(resolve, opts.intervalMs ?? 500))
    }
  }

  /** Wait until every live, unpaused peer is logged in (and at least `minAlive` are alive). */
  async waitForLoggedIn (opts: { timeoutMs: number, share?: number, onStatus?(s: TestnetStatus): void, signal?: AbortSignal }): Promise<TestnetStatus> {
    const share = opts.share ?? 1
    return this.waitUntil(s => {
      const active = s.summary.alive - s.summary.paused
      return active > 0 && s.summary.loggedIn >= Math.ceil(active * share)
    }, { ...opts, settled: (view) => view.loggedIn })
  }

  /**
   * Choose nodes by selector among peers, filtered by their current role (from a fresh
   * status) and liveness. The same seed gives the same choices in the same order of calls.
   */
  async select (selector: Selector, opts: { role?: 'supernode' | 'client', alive?: boolean, paused?: boolean } = {}): Promise<string[]> {
    const status = await this.status()
    const { alive, paused } = opts
    // selectNodes filters on one flag: fold "alive" and "paused" into it
    const nodes = status.nodes.map(n => ({
      name: n.name,
      role: n.alive ? n.role : (n.lastRole ?? 'client'),
      alive: (alive == null || n.alive === alive) && (paused == null || n.paused === paused)
    }))
    const filter = alive != null || paused != null ? true : undefined
    return selectNodes(selector, nodes, { role: opts.role, alive: filter, random: this.random })
  }

  /** Kill nodes with a signal and wait until they have exited. */
  async kill (names: readonly string[], signal: 'KILL' | 'TERM' = 'KILL'): Promise<string[]> {
    const procs = names.map(n => this.process(n)).filter(p => p.alive)
    await Promise.all(procs.map(async p => { await p.stop(signal) }))
    await this.writeNodesFile()
    return procs.map(p => p.name)
  }

  /** Start nodes that are not running (same identity, data and port as before). */
  async start (names: readonly string[]): Promise<string[]> {
    const procs = names.map(n => this.process(n)).filter(p => !p.alive)
    await mapLimit(procs, this.spawnConcurrency, async p => { await p.start(this.launcher) })
    await this.writeNodesFile()
    return procs.map(p => p.name)
  }

  /**
   * Restart nodes: each is stopped (if running) with `signal` and started again at a time
   * drawn uniformly from [0, spreadMs] (seeded), so a mass restart can be spread over a window.
   */
  async restart (names: readonly string[], opts: { spreadMs?: number, signal?: 'KILL' | 'TERM', onRestarted?(name: string): void } = {}): Promise<string[]> {
    const spread = opts.spreadMs ?? 0
    const plan = names.map(n => ({ proc: this.process(n), at: spread > 0 ? Math.floor(this.random() * spread) : 0 }))
      .sort((a, b) => a.at - b.at)
    const begun = Date.now()
    await mapLimit(plan, this.spawnConcurrency, async ({ proc, at }) => {
      const wait = begun + at - Date.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      if (this.stopping) return
      await proc.stop(opts.signal ?? 'KILL')
      await proc.start(this.launcher)
      opts.onRestarted?.(proc.name)
    })
    await this.writeNodesFile()
    return plan.map(p => p.proc.name)
  }

  /**
   * Add peers to the running testnet. With `operator`, they are the operator's own
   * supernodes: authorised with a token minted from the login server's key (no log-in)
   * and serving from the start, the "mega-supernodes" lever of a stuck network.
   */
  async addPeers (count: number, profile: ProfileConfig, opts: { operator?: boolean, prefix?: string } = {}): Promise<string[]> {
    if (!Number.isInteger(count) || count < 1) throw new TestnetError(`count must be a positive integer, got ${count}`)
    const prefix = opts.prefix ?? (opts.operator === true ? 'mega' : 'extra')
    const existing = this.peers.filter(p => p.name.startsWith(`${prefix}-`)).length
    const ports = await findFreePorts(this.config.host, count)
    const ip = this.config.host.includes(':') ? 'ip6' : 'ip4'
    let loginKey: PrivateKey | undefined
    if (opts.operator === true) loginKey = await loadOrCreateIdentity(this.login.spec.dataDir)
    const added: NodeHandle[] = []
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${String(existing + i + 1).padStart(2, '0')}`
      const dataDir = join(this.nodesDir, name, 'data')
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      const settings: Record<string, unknown> = {
        ...this.peerBase,
        listen: [`/${ip}/${this.config.host}/tcp/${ports[i] as number}`],
        seed: this.config.seed * 100_003 + 50_000 + existing + i,
        profile: { name: profile.name, reachable: profile.reachable, capacity: profile.capacity, bandwidthKbps: profile.bandwidthKbps },
        ...(profile.attachesPerSecond != null ? { attachesPerSecond: profile.attachesPerSecond } : {})
      }
      if (loginKey != null) {
        const key = await loadOrCreateIdentity(dataDir)
        const token = await issueToken(loginKey, {
          peer: peerIdFromPrivateKey(key), user: name, issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: this.config.loginServer.tokenTtlMs, operator: true
        })
        settings.operatorToken = Buffer.from(token).toString('base64')
      }
      const proc = await this.nodeSettings(name, 'peer', settings, profile.name)
      proc.onExit = this.onNodeExit
      // packed mode: a peer added beyond the last worker's room opens a new worker
      if (proc instanceof PackedNode) {
        if (!this.workers.includes(proc.host)) this.workers.push(proc.host)
        proc.host.onExit ??= this.onWorkerExit
      }
      this.byName.set(name, proc)
      this.peers.push(proc)
      added.push(proc)
    }
    await mapLimit(added, this.spawnConcurrency, async p => { await p.start(this.launcher) })
    await this.writeNodesFile()
    return added.map(p => p.name)
  }

  /** The operator's other lever: change the login server's log-in rate (its queue starts afresh). */
  async setLoginCapacity (loginsPerSecond: number, burst?: number): Promise<void> {
    const port = this.login.controlPort
    if (!this.login.alive || port == null) throw new TestnetError('the login server is not running')
    const res = await fetch(`http://127.0.0.1:${port}/admin/capacity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ loginsPerSecond, ...(burst != null ? { burst } : {}) }),
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS * 4)
    })
    if (!res.ok) throw new TestnetError(`login server refused the capacity change: ${await res.text()}`)
  }

  /** The login server's process (for its control endpoint and logs). */
  loginProcess (): NodeProcess {
    return this.login
  }

  /**
   * Freeze nodes with SIGSTOP. In packed mode a node shares its process, so only whole
   * workers can be frozen: the names must cover every running node of each worker they
   * touch (`pause all` does), else a UsageError says to pause workers instead.
   */
  pause (names: readonly string[]): string[] {
    const procs = names.map(n => this.process(n)).filter(p => p.alive && !p.paused)
    const hosts = this.wholeWorkers(procs, 'pause')
    if (hosts != null) return this.pauseWorkers(hosts.map(w => w.name))
    for (const p of procs) p.pause()
    return procs.map(p => p.name)
  }

  resume (names: readonly string[]): string[] {
    const procs = names.map(n => this.process(n)).filter(p => p.paused)
    const hosts = this.wholeWorkers(procs, 'resume')
    if (hosts != null) return this.resumeWorkers(hosts.map(w => w.name))
    for (const p of procs) p.resume()
    return procs.map(p => p.name)
  }

  /**
   * The workers of packed nodes that cover all their running nodes; undefined for nodes of
   * their own processes; a UsageError when the names split a worker.
   */
  private wholeWorkers (procs: readonly NodeHandle[], verb: string): WorkerProcess[] | undefined {
    const packed = procs.filter((p): p is PackedNode => p instanceof PackedNode)
    if (packed.length === 0) return undefined
    const chosen = new Set(procs.map(p => p.name))
    const hosts = [...new Set(packed.map(p => p.host))]
    const split = hosts.find(w => w.nodes.some(n => n.alive && !chosen.has(n.name)))
    if (split != null) {
      const inside = packed.filter(p => p.host === split).map(p => p.name)
      const others = split.nodes.filter(n => n.alive && !chosen.has(n.name)).map(n => n.name)
      throw new UsageError(`${verb}: ${inside.join(', ')} share${inside.length === 1 ? 's' : ''} ${split.name} with ${others.join(', ')} (packed mode, ${this.nodesPerProcess} nodes per process): a process freezes as a whole, so ${verb} whole workers (stampede ${verb} ${split.name} --workers) or run with --nodes-per-process 1`)
    }
    return hosts
  }

  /** Names of the worker processes (packed mode); empty in process mode. */
  workerNames (): string[] {
    return this.workers.map(w => w.name)
  }

  private worker (name: string): WorkerProcess {
    const w = this.workers.find(x => x.name === name)
    if (w == null) {
      throw new UsageError(this.workers.length === 0
        ? `no worker named ${name}: this testnet runs each node in a process of its own (nodesPerProcess 1)`
        : `no worker named ${name} (workers: ${this.workers[0]?.name}..${this.workers[this.workers.length - 1]?.name})`)
    }
    return w
  }

  /** Choose workers by selector (packed mode), filtered by whether their process runs or is frozen. */
  selectWorkers (selector: Selector, opts: { alive?: boolean, paused?: boolean } = {}): string[] {
    if (this.workers.length === 0) throw new UsageError('--workers: this testnet runs each node in a process of its own; start it with --nodes-per-process K (K > 1) to have workers')
    const { alive, paused } = opts
    const pool = this.workers.map(w => ({
      name: w.name,
      role: 'worker',
      alive: (alive == null || w.alive === alive) && (paused == null || w.paused === paused)
    }))
    return selectNodes(selector, pool, { alive: alive != null || paused != null ? true : undefined, random: this.random })
  }

  /** The nodes assigned to workers. */
  nodesOfWorkers (names: readonly string[]): string[] {
    return names.flatMap(n => this.worker(n).nodes.map(p => p.name))
  }

  /**
   * Kill whole worker processes, like machines: SIGKILL takes all their nodes down at once
   * (TERM stops them politely). Resolves to the nodes that were running in them.
   */
  async killWorkers (names: readonly string[], signal: 'KILL' | 'TERM' = 'KILL'): Promise<string[]> {
    const hosts = names.map(n => this.worker(n)).filter(w => w.alive)
    const took = hosts.flatMap(w => w.nodes.filter(n => n.alive).map(n => n.name))
    await Promise.all(hosts.map(async w => { await w.stop(signal) }))
    await this.writeNodesFile()
    return took
  }

  /**
   * Restart whole workers like rebooted machines: each is killed (if running) and its nodes
   * started again in a fresh process, at a time drawn from [0, spreadMs] (seeded).
   */
  async restartWorkers (names: readonly string[], opts: { spreadMs?: number, signal?: 'KILL' | 'TERM' } = {}): Promise<string[]> {
    const spread = opts.spreadMs ?? 0
    const plan = names.map(n => ({ host: this.worker(n), at: spread > 0 ? Math.floor(this.random() * spread) : 0 })).sort((a, b) => a.at - b.at)
    const begun = Date.now()
    await mapLimit(plan, this.spawnConcurrency, async ({ host, at }) => {
      const wait = begun + at - Date.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      if (this.stopping) return
      await host.stop(opts.signal ?? 'KILL')
      await mapLimit(host.nodes, this.spawnConcurrency, async p => { await p.start(this.launcher) })
    })
    await this.writeNodesFile()
    return plan.flatMap(p => p.host.nodes.map(n => n.name))
  }

  /** SIGSTOP whole workers: all their nodes hang at once. Resolves to those nodes. */
  pauseWorkers (names: readonly string[]): string[] {
    const hosts = names.map(n => this.worker(n)).filter(w => w.alive && !w.paused)
    for (const w of hosts) w.pause()
    return hosts.flatMap(w => w.nodes.filter(n => n.alive).map(n => n.name))
  }

  resumeWorkers (names: readonly string[]): string[] {
    const hosts = names.map(n => this.worker(n)).filter(w => w.paused)
    for (const w of hosts) w.resume()
    return hosts.flatMap(w => w.nodes.filter(n => n.alive).map(n => n.name))
  }

  /** Stop every node (TERM, then KILL after a grace period) and wait for all to exit. */
  async stop (graceMs = 5_000): Promise<void> {
    this.stopping = true
    const own = this.peers.filter(p => !(p instanceof PackedNode))
    await Promise.all([
      ...own.map(async p => { await p.stop('TERM', graceMs) }),
      // a worker stops its nodes itself on SIGTERM
      ...this.workers.map(async w => { await w.stop('TERM', graceMs) }),
      this.login.stop('TERM', graceMs)
    ])
    await this.writeNodesFile().catch(() => {})
  }

  /** pids, ports and ids of every node, for other tools and for cleaning up after a crash. */
  private async writeNodesFile (): Promise<void> {
    const nodes = [this.login, ...this.peers].map(p => ({
      name: p.name, kind: p.spec.kind, pid: p.pid, alive: p.alive, peerId: p.peerId, addrs: p.addrs, controlPort: p.controlPort, dataDir: p.spec.dataDir, worker: p.worker
    }))
    const workers = this.workers.map(w => ({ name: w.name, pid: w.pid, alive: w.alive, nodes: w.nodes.map(n => n.name) }))
    await writeFile(join(this.dir, 'nodes.json'), JSON.stringify({ updatedAt: new Date().toISOString(), nodesPerProcess: this.nodesPerProcess, nodes, workers }, null, 2))
  }
}
