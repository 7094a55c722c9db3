import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { logger } from '@libp2p/logger'
import { ping } from '@libp2p/ping'
import { createPolicy, seededRandom, systemClock } from '@stampede/allocation'
import { KAD_PROTOCOL, decode } from '@stampede/wire'
import { createLibp2p } from 'libp2p'
import { client } from './client.js'
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_INBOUND_THRESHOLD, DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_INCOMING_PENDING, DEFAULT_REPORT_INTERVAL_MS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS, DEFAULT_PRESENCE_DELAY_MS, DEFAULT_SUPERNODE_EXPIRY_MS, DEFAULT_ATTACHES_PER_SECOND, DEFAULT_DHT_ALPHA, DEFAULT_DHT_DISJOINT_PATHS,
  DEFAULT_DHT_K
} from './constants.js'
import { startControlEndpoint } from './control.js'
import { DataDirError, ListenError, NodeConfigError } from './errors.js'
import { createEventLog } from './event-log.js'
import { HostCache } from './host-cache.js'
import { loadOrCreateIdentity } from './identity.js'
import { loginServer } from './login-server.js'
import { OverlayMetrics } from './metrics.js'
import { supernode } from './supernode.js'
import { coalescingTcp, tuneLengthPrefixedDecoder, tunedNoise, tunedYamux } from './wire-tuning.js'
import { dedupeDhtDiscovery } from './discovery-dedupe.js'
import { connectedOnlyMapper, trustConnectedContacts } from './dht-tuning.js'
import { tunePeerStore } from './peer-store-tuning.js'
import type { Client, ClientState } from './client.js'
import type { ControlEndpoint } from './control.js'
import type { OverlayEvent } from './event-log.js'
import type { LoginServer, LoginServerView } from './login-server.js'
import type { OverlayContext } from './shared.js'
import type { LoginServerAddress, Supernode, SupernodeInit } from './supernode.js'
import type { Libp2p, PeerId, PeerStore } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { AllocationPolicy, Clock, PolicyDescription, PromotionPolicy, ResourceProfile, ThresholdPromotionInit } from '@stampede/allocation'
import type { NetworkView } from '@stampede/wire'

export type OverlayRole = 'login' | 'client' | 'supernode'

/** Every duration of the overlay protocol; a testnet compresses them. */
export interface TimingOptions {
  heartbeatIntervalMs: number
  heartbeatTimeoutMs: number
  reportIntervalMs: number
  supernodeExpiryMs: number
  requestTimeoutMs: number
  retryBaseMs: number
  retryMaxMs: number
  /** a supernode publishes a client's presence into the DHT once it has been attached this long */
  presenceDelayMs: number
}

export const DEFAULT_TIMING: TimingOptions = {
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
  reportIntervalMs: DEFAULT_REPORT_INTERVAL_MS,
  supernodeExpiryMs: DEFAULT_SUPERNODE_EXPIRY_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  retryBaseMs: DEFAULT_RETRY_BASE_MS,
  retryMaxMs: DEFAULT_RETRY_MAX_MS,
  presenceDelayMs: DEFAULT_PRESENCE_DELAY_MS
}

export const DEFAULT_PROFILE: ResourceProfile = { name: 'default', reachable: true, capacity: 8, bandwidthKbps: 1000 }

export interface OverlayNodeInit {
  /** a name for logs, metrics labels and events */
  name: string
  /** `login` runs the login server; `peer` starts as a client and may be promoted */
  role: 'login' | 'peer'
  /** must exist; holds the identity key, host cache and (by default) the event log */
  dataDir: string
  /** @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** required for peers */
  loginServer?: LoginServerAddress
  /** @default DEFAULT_PROFILE */
  profile?: ResourceProfile
  /** user name to log in as; @default the PeerId */
  user?: string
  timing?: Partial<TimingOptions>
  /** login server settings (role `login` only) */
  login?: { loginsPerSecond?: number, burst?: number, tokenTtlMs?: number, referrals?: number }
  /** settings of the promotion policy's thresholds (role `login` only) */
  promotion?: ThresholdPromotionInit
  /** a promotion decision of your own (role `login` only); replaces the policy's */
  promotionPolicy?: PromotionPolicy
  /**
   * the resource allocation policy: `legacy` or `adaptive`, legacy fault switches, and a
   * module of your own; every node of a testnet gets the same one. @default { family: 'adaptive' }
   */
  policy?: PolicyDescription
  /** attaches per second this peer serves while a supernode (its modelled CPU); @default 10 */
  attachesPerSecond?: number
  /**
   * how busy this peer is, which its presence publishing yields to while it is a supernode
   * (the policy's `presencePacing`): starts a measurement and returns its reading so far.
   * @default this process's event-loop utilization and the host's CPU pressure (busy.ts)
   */
  measureBusy?: SupernodeInit['measureBusy']
  /**
   * a login token (base64) the operator minted with the login server's key: the peer
   * starts as a supernode without logging in (the operator's "mega-supernodes" lever)
   */
  operatorToken?: string
  /**
   * uptime this peer had before this process started: a testnet's first bring-up stands
   * for a network that has been running for hours, while a restarted peer starts at 0
   */
  priorUptimeMs?: number
  hostCache?: { maxEntries?: number }
  /** HTTP control endpoint on loopback; none when omitted */
  control?: { host?: string, port?: number, token: string }
  /** event log path; @default `<dataDir>/events.jsonl`; false for none */
  eventLog?: string | false
  /** seeds this node's random choices; @default time-based */
  seed?: number
  /** also export process CPU/memory metrics; @default false */
  processMetrics?: boolean
  clock?: Clock
  /** called for each event written to the event log */
  onEvent?(event: OverlayEvent & { ts: number, node: string }): void
  /** called when an admin asks the node to stop through the control endpoint */
  onStopRequested?(): void
}

export interface NodeStatus {
  name: string
  peerId: string
  pid: number
  role: OverlayRole
  loggedIn: boolean
  /** PeerId of the supernode this client is attached to */
  supernode: string | null
  clientState: ClientState | null
  /** clients attached (supernodes) */
  load: number
  /** client slots while a supernode, else 0 */
  capacity: number
  /**
   * presence records this supernode has still to put into the DHT (0 when not a
   * supernode): after a mass log-in, the overlay's own work is not done until every
   * supernode's queue is empty
   */
  presenceQueued: number
  profile: string
  uptimeMs: number
  addrs: string[]
  connections: number
  view: NetworkView | null
  /** the login server's picture of the overlay (role `login` only) */
  network: LoginServerView | null
  /** the allocation policy's name: legacy, adaptive or custom */
  policy: string
  /** running totals of the node's counters (`login_attempts{result=ok}` and so on) */
  counters: Record<string, number>
  /**
   * retry-budget tokens this peer has left (null for the login server and policies without
   * a budget): a failed log-in or attach spends one, an answered log-in or heartbeat returns
   * the budget's ratio of one; below half, the peer waits out a cooldown instead of retrying
   */
  retryBudget: number | null
}

export interface OverlayNode {
  readonly name: string
  readonly peerId: PeerId
  readonly role: OverlayRole
  readonly libp2p: Libp2p
  readonly metrics: OverlayMetrics
  /** the control endpoint's port, when it has one */
  readonly controlPort: number | undefined
  status(): NodeStatus
  /** promote this peer to supernode now (it must hold a login token) */
  promote(): Promise<void>
  /** demote this supernode to client now */
  demote(): Promise<void>
  /** find the supernode a user is attached to, through ours (or ourselves) */
  lookup(user: PeerId): Promise<{ id: string, addrs: string[] } | null>
  /** stop politely: detach or move clients, flush the host cache */
  stop(): Promise<void>
  /** stop with no goodbye: connections reset, nothing flushed; for crash experiments */
  crash(): Promise<void>
}

type PeerServices = { dht: ReturnType<ReturnType<typeof kadDHT>>, supernode: Supernode, client: Client }

/** kadDHT, its peer discovery face passing each discovered peer on once (see discovery-dedupe.ts). */
function dedupedKadDHT (init: Parameters<typeof kadDHT>[0]): ReturnType<typeof kadDHT> {
  const factory = kadDHT(init)
  return (components) => dedupeDhtDiscovery(factory(components))
}

/** Timings that may be 0: presence may be published at once; every other timer needs a period. */
const ZERO_TIMING_ALLOWED: ReadonlySet<string> = new Set<keyof TimingOptions>(['presenceDelayMs'])

function checkTiming (t: TimingOptions): void {
  for (const [k, v] of Object.entries(t)) {
    const zero = ZERO_TIMING_ALLOWED.has(k)
    if (!Number.isFinite(v) || v < 0 || (v === 0 && !zero)) {
      throw new NodeConfigError(`timing.${k} must be a ${zero ? 'non-negative' : 'positive'} number of milliseconds, got ${v}`)
    }
  }
  if (t.heartbeatTimeoutMs <= t.heartbeatIntervalMs) throw new NodeConfigError('timing.heartbeatTimeoutMs must be larger than timing.heartbeatIntervalMs')
  if (t.supernodeExpiryMs <= t.reportIntervalMs) throw new NodeConfigError('timing.supernodeExpiryMs must be larger than timing.reportIntervalMs')
}

class DefaultOverlayNode implements OverlayNode {
  readonly name: string
  readonly libp2p: Libp2p
  readonly metrics: OverlayMetrics
  private readonly init: OverlayNodeInit
  private readonly ctx: OverlayContext
  private readonly hostCache: HostCache | undefined
  private readonly startedAtMs: number
  private readonly log: ReturnType<typeof logger>
  private readonly profile: ResourceProfile
  private readonly policy: AllocationPolicy
  private control: ControlEndpoint | undefined
  private _role: OverlayRole
  private transition: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (init: OverlayNodeInit, libp2p: Libp2p, ctx: OverlayContext, hostCache: HostCache | undefined, profile: ResourceProfile, policy: AllocationPolicy) {
    this.policy = policy
    this.name = init.name
    this.init = init
    this.libp2p = libp2p
    this.ctx = ctx
    this.metrics = ctx.metrics
    this.hostCache = hostCache
    this.profile = profile
    this.startedAtMs = ctx.clock.now()
    this._role = init.role === 'login' ? 'login' : 'client'
    this.log = logger(`stampede:${init.name}`)
  }

  get peerId (): PeerId { return this.libp2p.peerId }
  get role (): OverlayRole { return this._role }
  get controlPort (): number | undefined { return this.control?.port }

  private get services (): PeerServices {
    return this.libp2p.services as unknown as PeerServices
  }

  async begin (): Promise<void> {
    if (this.init.control != null) {
      this.control = await startControlEndpoint({
        ...this.init.control,
        status: () => this.status(),
        metrics: async () => {
          this.metrics.eventsDropped.set(this.ctx.events.dropped)
          return this.metrics.registry.metrics()
        },
        actions: {
          promote: async () => { await this.promote(); return this.status() },
          capacity: async (body) => {
            if (this._role !== 'login') throw new NodeConfigError('only the login server has a log-in capacity')
            const { loginsPerSecond, burst } = (body ?? {}) as { loginsPerSecond?: unknown, burst?: unknown }
            if (typeof loginsPerSecond !== 'number' || (burst != null && typeof burst !== 'number')) throw new NodeConfigError('expected { "loginsPerSecond": number, "burst"?: number }')
            ;(this.libp2p.services as unknown as { loginServer: LoginServer }).loginServer.setCapacity(loginsPerSecond, burst as number | undefined)
            return { loginsPerSecond }
          },
          demote: async () => { await this.demote(); return this.status() },
          stop: async () => {
            setImmediate(() => {
              if (this.init.onStopRequested != null) this.init.onStopRequested()
              else void this.stop()
            })
            return { stopping: true }
          }
        }
      })
    }
    this.ctx.events.write({ type: 'started', role: this._role, peerId: this.peerId.toString(), addrs: this.libp2p.getMultiaddrs().map(String), profile: this.profile.name })
    if (this._role === 'login') {
      this.metrics.setRole('login')
    } else if (this.init.operatorToken != null) {
      // an operator's supernode: authorised out of band, serving from the start
      await this.becomeSupernode(Buffer.from(this.init.operatorToken, 'base64'), 'operator')
    } else {
      this.services.client.begin()
    }
  }

  status (): NodeStatus {
    const role = this._role
    const s = role === 'login' ? undefined : this.services
    const loginView = role === 'login' ? (this.libp2p.services as unknown as { loginServer: LoginServer }).loginServer.view() : null
    return {
      name: this.name,
      peerId: this.peerId.toString(),
      pid: process.pid,
      role,
      loggedIn: role === 'supernode' ? s?.supernode.active === true : role === 'client' ? s?.client.loggedIn === true : false,
      supernode: role === 'client' ? s?.client.supernode ?? null : null,
      clientState: role === 'client' ? s?.client.state ?? null : null,
      load: role === 'supernode' ? s?.supernode.load ?? 0 : 0,
      capacity: role === 'supernode' ? s?.supernode.capacity ?? 0 : 0,
      presenceQueued: role === 'supernode' ? s?.supernode.presenceQueued ?? 0 : 0,
      profile: this.profile.name,
      uptimeMs: this.ctx.clock.now() - this.startedAtMs,
      addrs: this.libp2p.getMultiaddrs().map(String),
      connections: this.libp2p.getConnections().length,
      view: s?.client.view ?? null,
      network: loginView,
      policy: this.policy.family,
      counters: { ...this.metrics.totals },
      retryBudget: s?.client.retryBudget ?? null
    }
  }

  /** Role changes are serialised, so a promotion and a demotion never interleave. */
  private serialise (fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn, fn)
    this.transition = next.catch((err: unknown) => { this.log.error('role change failed: %e', err) })
    return next
  }

  onPromote (token: Uint8Array): void {
    void this.serialise(async () => { await this.becomeSupernode(token, 'login-server') })
  }

  onDemote (reason: string): void {
    void this.serialise(async () => { await this.becomeClient(reason) })
  }

  private async becomeSupernode (token: Uint8Array, by: string): Promise<void> {
    if (this.stopped || this._role !== 'client') return
    await this.services.client.end()
    this._role = 'supernode'
    await this.services.supernode.activate(token)
    this.metrics.promotions.inc()
    this.metrics.loggedIn.set(1)
    this.ctx.events.write({ type: 'promoted', by, capacity: this.profile.capacity })
  }

  private async becomeClient (reason: string): Promise<void> {
    if (this.stopped || this._role !== 'supernode') return
    await this.services.supernode.deactivate(reason)
    this._role = 'client'
    this.metrics.loggedIn.set(0)
    this.ctx.events.write({ type: 'demoted', reason })
    this.services.client.begin()
  }

  async promote (): Promise<void> {
    if (this._role === 'login') throw new NodeConfigError('the login server cannot be promoted')
    await this.serialise(async () => {
      if (this._role === 'supernode') return
      const token = this.services.client.token
      if (token == null) throw new NodeConfigError('not logged in yet: no login token to serve with')
      await this.becomeSupernode(token, 'admin')
    })
  }

  async demote (): Promise<void> {
    if (this._role === 'login') throw new NodeConfigError('the login server cannot be demoted')
    await this.serialise(async () => {
      if (this._role === 'supernode') this.metrics.demotions.inc({ reason: 'admin' })
      await this.becomeClient('admin')
    })
  }

  async lookup (user: PeerId): Promise<{ id: string, addrs: string[] } | null> {
    if (this._role === 'supernode') return this.services.supernode.lookup(user)
    if (this._role === 'client') return this.services.client.lookup(user)
    throw new NodeConfigError('the login server does not answer presence lookups')
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.transition
    this.ctx.events.write({ type: 'stopping', role: this._role })
    await this.control?.close()
    if (this._role !== 'login') {
      await this.services.client.end()
      await this.services.supernode.deactivate('stopping')
    }
    await this.libp2p.stop()
    await this.hostCache?.flush().catch(() => {})
    this.ctx.events.write({ type: 'stopped' })
    await this.ctx.events.close()
  }

  async crash (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.hostCache?.close()
    await this.control?.close()
    for (const conn of this.libp2p.getConnections()) conn.abort(new Error('crash'))
    if (this._role !== 'login') await this.services.client.end({ abrupt: true })
    await this.libp2p.stop()
    await this.ctx.events.close()
  }
}

/**
 * The node's allocation policy: the description's family and switches, with this node's
 * modelled capacities (log-ins per second, attaches per second) as the admission rates,
 * then changed by the description's module, if it names one.
 */
export async function buildPolicy (init: Pick<OverlayNodeInit, 'policy' | 'promotion' | 'login' | 'attachesPerSecond' | 'timing'>, clock: Clock): Promise<AllocationPolicy> {
  const given: PolicyDescription = init.policy ?? { family: 'adaptive' }
  const login = init.login ?? {}
  const desc: PolicyDescription = {
    ...given,
    promotion: { ...init.promotion, ...given.promotion },
    loginAdmission: {
      ...(login.loginsPerSecond != null ? { ratePerSecond: login.loginsPerSecond } : {}),
      ...(login.burst != null ? { burst: login.burst } : {}),
      ...given.loginAdmission
    },
    attachAdmission: { ratePerSecond: init.attachesPerSecond ?? DEFAULT_ATTACHES_PER_SECOND, ...given.attachAdmission },
    retry: {
      ...(init.timing?.retryBaseMs != null && given.family !== 'legacy' ? { baseMs: init.timing.retryBaseMs } : {}),
      ...(init.timing?.retryMaxMs != null && given.family !== 'legacy' ? { maxMs: init.timing.retryMaxMs } : {}),
      ...given.retry
    }
  }
  let policy: AllocationPolicy
  try {
    policy = createPolicy(desc, clock)
  } catch (err: unknown) {
    throw new NodeConfigError(`policy.${(err as Error).message}`)
  }
  if (given.module != null) {
    let mod: { default?: unknown }
    try {
      mod = await import(pathToFileURL(resolve(given.module)).href) as { default?: unknown }
    } catch (err: unknown) {
      throw new NodeConfigError(`policy.module: cannot load ${given.module}: ${(err as Error).message}`)
    }
    if (typeof mod.default !== 'function') throw new NodeConfigError(`policy.module: ${given.module} has no default export function (base: AllocationPolicy) => AllocationPolicy`)
    const custom = await (mod.default as (base: AllocationPolicy, ctx: { clock: Clock }) => AllocationPolicy | Promise<AllocationPolicy>)(policy, { clock })
    for (const key of ['promotion', 'referral', 'loginAdmission', 'attachAdmission', 'overload', 'retry', 'hostCache'] as const) {
      if (custom?.[key] == null) throw new NodeConfigError(`policy.module: ${given.module} returned a policy without ${key}`)
    }
    policy = { ...custom, family: 'custom' }
  }
  return policy
}

async function requireDir (dir: string): Promise<void> {
  try {
    const s = await stat(dir)
    if (!s.isDirectory()) throw new DataDirError(`data directory ${dir} is not a directory`)
  } catch (err: unknown) {
    if (err instanceof DataDirError) throw err
    throw new DataDirError(`data directory ${dir} does not exist (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/**
 * Whether a node takes inbound connections: the login server always, a peer only while it
 * is a supernode. A client dials out (the login server, its supernode) and serves nothing,
 * like the NATed laptops it models; an inbound connection reaches a client only from a
 * peer that takes it for a supernode, after a crash and restart or a demotion, and would
 * otherwise cost both ends a whole Noise handshake before the attach protocol was refused.
 * Before the node exists (starting) a peer is a client.
 */
export function servesInbound (kind: OverlayNodeInit['role'], role: OverlayRole | undefined): boolean {
  return kind === 'login' || role === 'supernode'
}

/**
 * Create and start an overlay node: a libp2p node (TCP, Noise, Yamux, identify, ping)
 * running either the login server, or the peer roles (client, supernode when promoted)
 * with the supernodes' Kademlia DHT, which is switched to server mode only while this
 * peer is a supernode. Several nodes can live in one process.
 */
export async function createOverlayNode (init: OverlayNodeInit): Promise<OverlayNode> {
  if (init.role !== 'login' && init.role !== 'peer') throw new NodeConfigError(`role must be 'login' or 'peer', got ${String(init.role)}`)
  if (init.role === 'peer' && init.loginServer == null) throw new NodeConfigError('a peer needs loginServer (its PeerId and addresses)')
  const timing: TimingOptions = { ...DEFAULT_TIMING, ...init.timing }
  checkTiming(timing)
  await requireDir(init.dataDir)
  const clock = init.clock ?? systemClock
  const eventPath = init.eventLog === false ? undefined : init.eventLog ?? join(init.dataDir, 'events.jsonl')
  const metrics = new OverlayMetrics(init.name)
  if (init.processMetrics === true) await metrics.enableProcessMetrics()
  const ctx: OverlayContext = { name: init.name, clock, metrics, events: createEventLog(eventPath, init.name, init.onEvent) }
  const profile = init.profile ?? DEFAULT_PROFILE
  const seed = init.seed ?? Date.now()
  const policy = await buildPolicy(init, clock)
  const privateKey = await loadOrCreateIdentity(init.dataDir)
  const listen = init.listen ?? ['/ip4/127.0.0.1/tcp/0']

  // assigned once libp2p exists; the services' callbacks reach the node through it
  // eslint-disable-next-line prefer-const
  let node: DefaultOverlayNode | undefined
  let hostCache: HostCache | undefined
  // the peer's DHT, once libp2p exists: its mode decides who enters the routing table
  // eslint-disable-next-line prefer-const
  let dhtRef: Pick<KadDHT, 'getMode'> | undefined
  // eslint-disable-next-line prefer-const
  let libp2pRef: Libp2p | undefined
  const isConnected = (peer: PeerId): boolean => (libp2pRef?.getConnections(peer).length ?? 0) > 0
  let services: Record<string, unknown>
  if (init.role === 'login') {
    services = {
      // answers peers that ask, but never asks them: the login server dials nobody and
      // reads nothing of a peer's from the peer store, so identifying each peer that logs in
      // (a stream, a signed record to verify, a peer-store write) was work for nothing
      identify: identify({ runOnConnectionOpen: false }),
      ping: ping(),
      loginServer: loginServer({
        tokenTtlMs: init.login?.tokenTtlMs,
        referrals: init.login?.referrals,
        policy,
        promotionPolicy: init.promotionPolicy,
        reportIntervalMs: timing.reportIntervalMs,
        supernodeExpiryMs: timing.supernodeExpiryMs,
        requestTimeoutMs: timing.requestTimeoutMs,
        random: seededRandom(seed),
        context: ctx
      })
    }
  } else {
    const login = init.loginServer as LoginServerAddress
    hostCache = new HostCache({
      path: join(init.dataDir, 'host-cache.json'),
      maxEntries: init.hostCache?.maxEntries,
      maxFailures: policy.hostCache.forgetAfterFailures ?? Infinity,
      clock,
      onCorrupt: (reason) => { ctx.events.write({ type: 'host-cache-corrupt', reason }) },
      onSaveError: (err) => { ctx.events.write({ type: 'host-cache-save-failed', error: err.message }) }
    })
    await hostCache.load()
    const startedAtMs = clock.now() - Math.max(0, init.priorUptimeMs ?? 0)
    services = {
      // answers peers that ask; asks only while this peer is a supernode, and only the
      // peers its DHT can use (the supernode service decides, see identify-scope.ts)
      identify: identify({ runOnConnectionOpen: false }),
      // tells connected peers when promotion adds the DHT protocol, so they route to us
      identifyPush: identifyPush(),
      ping: ping(),
      // the DHT as a peer discovery source passes on each peer once, not in every answer
      // that names it (see discovery-dedupe.ts)
      dht: dedupedKadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: true,
        kBucketSize: DEFAULT_DHT_K,
        alpha: DEFAULT_DHT_ALPHA,
        disjointPaths: DEFAULT_DHT_DISJOINT_PATHS,
        // the overlay runs on loopback and LANs too: the default mapper drops private
        // addresses, which leaves the routing table empty there. A client keeps its table
        // empty instead, so kad-dht's self-query and table refresh at start have no one to
        // ask and a client dials no supernode for the DHT: it used to ping its supernode
        // and then query (and connect to) the supernodes that one knew, about half of a
        // restarted client's CPU. A promoted peer fills its table from then on (new
        // connections, and the supernode's joinDht for those it already has). A supernode's
        // table takes only peers it is connected to, without a ping (see dht-tuning.ts).
        peerInfoMapper: connectedOnlyMapper(() => dhtRef?.getMode() === 'server', isConnected),
        logPrefix: `stampede:${init.name}:dht`,
        validators: { 'stampede-presence': async (_key, value) => { decode.presenceRecord(value) } },
        selectors: {
          'stampede-presence': (_key, records) => {
            let best = 0
            let bestAt = -1
            records.forEach((r, i) => {
              try {
                const at = decode.presenceRecord(r).updatedAtMs
                if (at > bestAt) { best = i; bestAt = at }
              } catch { /* an invalid record never wins */ }
            })
            return best
          }
        }
      }),
      supernode: supernode({
        loginServer: login,
        profile,
        startedAtMs,
        reportIntervalMs: timing.reportIntervalMs,
        heartbeatTimeoutMs: timing.heartbeatTimeoutMs,
        requestTimeoutMs: timing.requestTimeoutMs,
        presenceDelayMs: timing.presenceDelayMs,
        measureBusy: init.measureBusy,
        random: seededRandom(seed + 1),
        policy,
        // the operator's mega-supernodes run the operator's own software: they shed load,
        // they do not drop their role (MODEL.md: the 2010 recovery's dedicated supernodes)
        dedicated: init.operatorToken != null,
        context: ctx,
        onDemote: (reason) => { node?.onDemote(reason) },
        onTokenRejected: () => { node?.onDemote('token-rejected') }
      }),
      client: client({
        loginServer: login,
        profile,
        hostCache,
        user: init.user,
        startedAtMs,
        heartbeatIntervalMs: timing.heartbeatIntervalMs,
        heartbeatTimeoutMs: timing.heartbeatTimeoutMs,
        requestTimeoutMs: timing.requestTimeoutMs,
        retryBaseMs: timing.retryBaseMs,
        retryMaxMs: timing.retryMaxMs,
        random: seededRandom(seed + 2),
        policy,
        context: ctx,
        onPromote: (token) => { node?.onPromote(token) }
      })
    }
  }

  // noise's decoder stopping at an empty buffer instead of throwing (see wire-tuning.ts)
  tuneLengthPrefixedDecoder()
  let libp2p: Libp2p
  try {
    libp2p = await createLibp2p({
      privateKey,
      addresses: { listen },
      // TCP writing each message with one system call, noise deriving keys in Node's crypto,
      // yamux updating windows when half used, no yamux keep-alive pings (see wire-tuning.ts)
      transports: [coalescingTcp()],
      connectionEncrypters: [tunedNoise()],
      streamMuxers: [tunedYamux()],
      connectionManager: {
        maxConnections: DEFAULT_MAX_CONNECTIONS,
        inboundConnectionThreshold: DEFAULT_INBOUND_THRESHOLD,
        maxIncomingPendingConnections: DEFAULT_MAX_INCOMING_PENDING,
        dialTimeout: timing.requestTimeoutMs
      },
      // failure detection is the overlay's own (heartbeats, reports), not the monitor's pings
      connectionMonitor: { enabled: false },
      // a peer serves nothing while it is a client, so it takes no connections: one that
      // comes in is closed as it arrives, before the Noise handshake (see servesInbound)
      connectionGater: {
        denyInboundConnection: () => {
          if (servesInbound(init.role, node?.role)) return false
          metrics.connectionsRefused.inc({ reason: 'client' })
          return true
        }
      },
      services: services as Record<string, (components: unknown) => unknown>,
      start: false
    }) as unknown as Libp2p
  } catch (err: unknown) {
    await ctx.events.close()
    throw err
  }
  dhtRef = (libp2p.services as Partial<PeerServices>).dht
  libp2pRef = libp2p
  trustConnectedContacts(dhtRef, isConnected)
  // every stream merges its protocol into the peer store, and the DHT reads the addresses
  // of every peer it names in an answer: repeats answered from memory (see
  // peer-store-tuning.ts); the instance is the one libp2p's connections and services use
  tunePeerStore((libp2p as unknown as { components: { peerStore: PeerStore } }).components.peerStore)
  // the incident's footprint was counted in connections (one host made over 11 million)
  libp2p.addEventListener('connection:open', (evt) => { metrics.connectionsOpened.inc({ direction: evt.detail.direction }) })
  try {
    await libp2p.start()
  } catch (err: unknown) {
    await Promise.resolve(libp2p.stop()).catch(() => {})
    await ctx.events.close()
    const msg = (err as Error).message
    if (/EADDRINUSE|address already in use/i.test(msg)) throw new ListenError(`cannot listen on ${listen.join(', ')}: address already in use`)
    if (/EADDRNOTAVAIL|EACCES/i.test(msg)) throw new ListenError(`cannot listen on ${listen.join(', ')}: ${msg}`)
    throw err
  }
  node = new DefaultOverlayNode(init, libp2p, ctx, hostCache, profile, policy)
  try {
    await node.begin()
  } catch (err: unknown) {
    await node.stop().catch(() => {})
    throw err
  }
  return node
}
