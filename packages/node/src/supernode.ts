import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { admissionScheduler, createPolicy, sheddingAdmission, offeredCandidates, presenceDecision, seededRandom, shuffle } from '@stampede/allocation'
import {
  ATTACH_PROTOCOL, ClientFrame, MAX_CANDIDATES, MAX_RETRY_AFTER_MS, MAX_CLIENT_FRAME_BYTES, MAX_PRESENCE_LOOKUP_BYTES,
  MAX_REFERRALS, MAX_REPORT_ACK_BYTES, PRESENCE_KEY_PREFIX, PRESENCE_PROTOCOL, PresenceAnswer,
  PresenceRecord, REPORT_PROTOCOL, RefusalReason, SupernodeFrame, SupernodeReport, decode
} from '@stampede/wire'
import { fromString } from 'uint8arrays/from-string'
import {
  DEFAULT_CANDIDATES_PER_REPORT, DEFAULT_DHT_NEIGHBOURS, DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_PRESENCE_DELAY_MS, DEFAULT_PRESENCE_QUEUE_SIZE, DEFAULT_REPORT_INTERVAL_MS, DEFAULT_REQUEST_TIMEOUT_MS, MAX_QUEUE_WAIT_MS,
  MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, PRESENCE_NO_PEERS_POLL_MS
} from './constants.js'
import { busyMark, busySince } from './busy.js'
import { IDENTIFY_INBOUND_GRACE_MS, identifyAfterGrace, identifyOnOpen } from './identify-scope.js'
import { ProtocolViolationError } from './errors.js'
import {
  addrsFromWire, addrsToWire, bytes, deadline, framed, infoFromWire, infoToWire, peerIdFromBytes, resetReason, toDialable, withDeadline
} from './framing.js'
import { defaultContext, resetStream } from './shared.js'
import { verifyToken } from './token.js'
import type { BusyShare } from './busy.js'
import type { FramedStream } from './framing.js'
import type { OverlayContext } from './shared.js'
import type { Identify } from '@libp2p/identify'
import type { Connection, Libp2pEvents, PeerId, PrivateKey, Startable, Stream, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { KadDHT, SingleKadDHT } from '@libp2p/kad-dht'
import type { AdmissionScheduler, AdmissionSettings, AllocationPolicy, Random, ResourceProfile } from '@stampede/allocation'
import type { NetworkView, ReportAck, SupernodeInfo } from '@stampede/wire'

/** Where the login server is: its PeerId and addresses. */
export interface LoginServerAddress {
  id: string
  addrs: string[]
}

export interface SupernodeInit {
  loginServer: LoginServerAddress
  /** this peer's resource profile; its capacity is the supernode's client slots */
  profile: ResourceProfile
  /** when this peer started, for the uptime it reports */
  startedAtMs?: number
  /** @default 1_000 */
  reportIntervalMs?: number
  /** a client silent this long is dropped; @default 3_500 */
  heartbeatTimeoutMs?: number
  /** @default 5_000 */
  requestTimeoutMs?: number
  /** other supernodes to stay connected to, for the DHT; @default 4 */
  dhtNeighbours?: number
  /** @default 256 */
  presenceQueueSize?: number
  /**
   * a client's presence goes into the DHT once it has stayed attached this long, so a
   * burst of log-ins is admitted before the DHT work for it starts, and a client that
   * leaves sooner costs none; @default 2_000
   */
  presenceDelayMs?: number
  /** @default 8 */
  candidatesPerReport?: number
  /**
   * starts measuring how busy this supernode is and returns the reading since then; the
   * presence pacing policy decides on it. @default this process's event-loop utilization
   * and the host's CPU pressure (see busy.ts)
   */
  measureBusy?: () => () => BusyShare
  random?: Random
  /** admission, overload behaviour and referral of alternatives; @default createPolicy({ family: 'adaptive' }) */
  policy?: AllocationPolicy
  context?: OverlayContext
  /**
   * a dedicated server the operator runs (a "mega-supernode", authorised out of band): it
   * never drops its role under overload, whatever the policy's overload rule, and sheds
   * the excess by refusing instead: its attach queue is bounded and its refusals explicit
   * under any policy (sheddingAdmission); @default false
   */
  dedicated?: boolean
  /** the login server told this supernode to step down, or it dropped its role under overload */
  onDemote?(reason: string): void
  /** the login server rejected this supernode's token: log in again */
  onTokenRejected?(): void
}

export interface SupernodeComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  addressManager: AddressManager
  peerId: PeerId
  privateKey: PrivateKey
  dht: KadDHT
  identify: Identify
  events: TypedEventTarget<Libp2pEvents>
}

export interface AttachedClient {
  id: string
  attachedAtMs: number
  lastHeartbeatMs: number
  profile: ResourceProfile
}

export interface Supernode {
  /** true while serving clients */
  readonly active: boolean
  readonly load: number
  readonly capacity: number
  /** presence records waiting to go into the DHT */
  readonly presenceQueued: number
  clients(): AttachedClient[]
  /** other supernodes the login server told us about */
  knownSupernodes(): SupernodeInfo[]
  /** start serving with this login token */
  activate(token: Uint8Array): Promise<void>
  /** stop serving: clients are told to MOVE with alternatives */
  deactivate(reason: string): Promise<void>
  /** resolve where a user is attached: our own clients first, then the DHT */
  lookup(user: PeerId, signal?: AbortSignal): Promise<{ id: string, addrs: string[] } | null>
}

interface ClientSession extends AttachedClient {
  stream: Stream
  f: FramedStream
  uptimeMs: number
}

class DefaultSupernode implements Supernode, Startable {
  private readonly components: SupernodeComponents
  private readonly ctx: OverlayContext
  private readonly log: ReturnType<typeof logger>
  private readonly init: SupernodeInit
  private readonly sessions = new Map<string, ClientSession>()
  private readonly known = new Map<string, { id: string, addrs: string[], load: number, capacity: number }>()
  /**
   * supernodes named in recent report acks, oldest first (at most MAX_SEEN_SUPERNODES):
   * a connection to any of them counts as a DHT neighbour, not only to the few of this
   * second's sample
   */
  private readonly seenSupernodes = new Set<string>()
  private readonly promoteSet = new Set<string>()
  /**
   * inbound connections waiting out their grace before identify (identify-scope.ts): at
   * most one per connection opened in the last IDENTIFY_INBOUND_GRACE_MS while serving
   */
  private readonly identifyTimers = new Set<ReturnType<typeof setTimeout>>()
  /**
   * users waiting for publication, in the order they attached: when each is due, and
   * whether it has already waited for a quiet moment (counted once)
   */
  private readonly presenceQueue = new Map<string, { dueAt: number, deferred: boolean }>()
  private readonly loginIssuer: PeerId
  private readonly random: Random
  private view: NetworkView | undefined
  private token: Uint8Array | undefined
  private serving = false
  private stopController = new AbortController()
  private reportTimer: ReturnType<typeof setTimeout> | undefined
  /** the stream reports travel on while this peer is a supernode */
  private reportSession: FramedStream | undefined
  private presenceBusy = false
  /** when this term first found itself short of DHT neighbours (wall ms); undefined while it has enough */
  private shortOfNeighboursSince: number | undefined
  /** how busy this supernode has been since its last look at its neighbours */
  private neighbourBusy: (() => BusyShare) | undefined
  private readonly refusals: number[] = []
  private dropping = false
  private readonly policy: AllocationPolicy
  private admission: AdmissionScheduler
  private readonly opts: { reportIntervalMs: number, heartbeatTimeoutMs: number, requestTimeoutMs: number, dhtNeighbours: number, presenceQueueSize: number, presenceDelayMs: number, candidatesPerReport: number, startedAtMs: number }

  constructor (components: SupernodeComponents, init: SupernodeInit) {
    this.components = components
    this.init = init
    this.ctx = init.context ?? defaultContext('supernode')
    this.log = logger(`stampede:${this.ctx.name}:supernode`)
    this.loginIssuer = peerIdFromString(init.loginServer.id)
    this.random = init.random ?? seededRandom(Date.now())
    this.policy = init.policy ?? createPolicy({ family: 'adaptive' }, this.ctx.clock)
    this.admission = admissionScheduler(this.attachAdmission(), this.ctx.clock)
    this.opts = {
      reportIntervalMs: init.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS,
      heartbeatTimeoutMs: init.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      dhtNeighbours: init.dhtNeighbours ?? DEFAULT_DHT_NEIGHBOURS,
      presenceQueueSize: init.presenceQueueSize ?? DEFAULT_PRESENCE_QUEUE_SIZE,
      presenceDelayMs: Math.max(0, init.presenceDelayMs ?? DEFAULT_PRESENCE_DELAY_MS),
      candidatesPerReport: Math.min(init.candidatesPerReport ?? DEFAULT_CANDIDATES_PER_REPORT, MAX_CANDIDATES),
      startedAtMs: init.startedAtMs ?? this.ctx.clock.now()
    }
  }

  readonly [Symbol.toStringTag] = '@stampede/supernode'

  get active (): boolean { return this.serving }
  get load (): number { return this.sessions.size }
  get capacity (): number { return this.init.profile.capacity }
  /** presence records waiting to go into the DHT (each due presenceDelayMs after its attach) */
  get presenceQueued (): number { return this.presenceQueue.size }

  async start (): Promise<void> {
    this.components.events.addEventListener('connection:open', this.onConnectionOpen)
  }

  async stop (): Promise<void> {
    this.components.events.removeEventListener('connection:open', this.onConnectionOpen)
    await this.deactivate('stopping')
  }

  /** Identify the connections a supernode's DHT can use, and no others (identify-scope.ts). */
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    const remote = conn.remotePeer.toString()
    const decision = identifyOnOpen(conn.direction, {
      serving: this.serving,
      loginServer: conn.remotePeer.equals(this.loginIssuer),
      knownSupernode: this.known.has(remote) || this.seenSupernodes.has(remote)
    })
    if (decision === 'now') {
      this.identify(conn)
    } else if (decision === 'later') {
      // a connection closed meanwhile is skipped when the timer fires
      const timer = setTimeout(() => {
        this.identifyTimers.delete(timer)
        if (identifyAfterGrace(conn, this.serving, this.sessions.has(remote), ATTACH_PROTOCOL)) this.identify(conn)
      }, IDENTIFY_INBOUND_GRACE_MS)
      timer.unref?.()
      this.identifyTimers.add(timer)
    }
  }

  /** Timers are only set while serving, so deactivate() clears them all. */
  private clearIdentifyTimers (): void {
    for (const timer of this.identifyTimers) clearTimeout(timer)
    this.identifyTimers.clear()
  }

  private identify (conn: Connection): void {
    this.components.identify.identify(conn, { signal: deadline(this.opts.requestTimeoutMs, this.stopController.signal) })
      .catch((err: unknown) => { this.log('identify of %p failed: %s', conn.remotePeer, (err as Error).message) })
  }

  clients (): AttachedClient[] {
    return [...this.sessions.values()].map(s => ({ id: s.id, attachedAtMs: s.attachedAtMs, lastHeartbeatMs: s.lastHeartbeatMs, profile: s.profile }))
  }

  /** The policy's attach admission; a dedicated supernode sheds load whatever the policy (sheddingAdmission). */
  private attachAdmission (): AdmissionSettings {
    return this.init.dedicated === true ? sheddingAdmission(this.policy.attachAdmission) : this.policy.attachAdmission
  }

  knownSupernodes (): SupernodeInfo[] {
    return [...this.known.values()].map(k => infoToWire(k))
  }

  async activate (token: Uint8Array): Promise<void> {
    this.token = token
    if (this.serving) return
    this.serving = true
    this.dropping = false
    this.refusals.length = 0
    this.admission = admissionScheduler(this.attachAdmission(), this.ctx.clock)
    this.stopController = new AbortController()
    const opts = { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS }
    await this.components.registrar.handle(ATTACH_PROTOCOL, (s, c) => this.onAttach(s, c), opts)
    await this.components.registrar.handle(PRESENCE_PROTOCOL, (s, c) => this.onLookup(s, c), opts)
    await this.components.dht.setMode('server')
    this.shortOfNeighboursSince = undefined
    this.neighbourBusy = (this.init.measureBusy ?? defaultMeasureBusy)()
    this.joinDht()
    this.ctx.metrics.setRole('supernode')
    this.ctx.metrics.capacity.set(this.capacity)
    this.ctx.metrics.clients.set(0)
    this.ctx.events.write({ type: 'supernode-active', capacity: this.capacity })
    this.scheduleReport(0)
  }

  async deactivate (reason: string): Promise<void> {
    if (!this.serving) return
    this.serving = false
    this.clearIdentifyTimers()
    clearTimeout(this.reportTimer)
    this.closeReportStream()
    // taken before the abort: each attach loop forgets its session as soon as it fires
    const sessions = [...this.sessions.values()]
    this.stopController.abort()
    await this.components.registrar.unhandle(ATTACH_PROTOCOL).catch(() => {})
    await this.components.registrar.unhandle(PRESENCE_PROTOCOL).catch(() => {})
    const alternatives = this.alternatives()
    const moves = sessions.map(async s => {
      try {
        await s.f.write(SupernodeFrame.encode({ type: SupernodeFrame.Type.MOVE, alternatives }), deadline(500))
        this.ctx.metrics.messages.inc({ direction: 'out' })
        await s.stream.close({ signal: deadline(500) })
      } catch {
        s.stream.abort(new Error('supernode stepping down'))
      }
    })
    await Promise.all(moves)
    this.sessions.clear()
    this.presenceQueue.clear()
    this.promoteSet.clear()
    await this.components.dht.setMode('client').catch(() => {})
    this.ctx.metrics.clients.set(0)
    this.ctx.metrics.capacity.set(0)
    this.ctx.events.write({ type: 'supernode-inactive', reason })
  }

  async lookup (user: PeerId, signal?: AbortSignal): Promise<{ id: string, addrs: string[] } | null> {
    const id = user.toString()
    if (this.sessions.has(id)) return { id: this.components.peerId.toString(), addrs: this.ownAddrs() }
    const key = fromString(PRESENCE_KEY_PREFIX + id)
    for await (const event of this.components.dht.get(key, { signal: deadline(this.opts.requestTimeoutMs, signal) })) {
      if (event.name === 'VALUE') {
        const record = decode.presenceRecord(event.value)
        return { id: peerIdFromBytes(record.supernode).toString(), addrs: addrsFromWire(record.addrs) }
      }
    }
    return null
  }

  private ownAddrs (): string[] {
    return this.components.addressManager.getAddresses().map(a => a.decapsulateCode(421).toString())
  }

  /** Other supernodes to offer a client we turn away, chosen by the policy's referral rule. */
  private alternatives (): SupernodeInfo[] {
    const known = [...this.known.values()]
    const byId = new Map(known.map(k => [k.id, k]))
    return this.policy.referral.choose(known, MAX_REFERRALS, this.random)
      .map(c => byId.get(c.id))
      .filter((k): k is NonNullable<typeof k> => k != null)
      .map(k => infoToWire(k))
  }

  /** A silent refusal: say nothing, hold the stream until the client's own timeout, then drop it. */
  private async ignore (stream: Stream, result: string): Promise<void> {
    this.ctx.metrics.attachRequests.inc({ result })
    await sleepFor(this.opts.requestTimeoutMs, undefined, { signal: this.stopController.signal }).catch(() => {})
    stream.abort(new Error('supernode overloaded'))
  }

  /**
   * Count a refusal; under the legacy `drop-role` overload rule, enough refusals within
   * the window make this supernode give up its role (and orphan its clients), unless it
   * is a dedicated (operator's) supernode.
   */
  private noteRefusal (): void {
    const now = this.ctx.clock.now()
    const { mode, refusalsToDrop, windowMs } = this.policy.overload
    this.refusals.push(now)
    while (this.refusals.length > 0 && (this.refusals[0] as number) <= now - windowMs) this.refusals.shift()
    if (this.refusals.length > refusalsToDrop) this.refusals.splice(0, this.refusals.length - refusalsToDrop)
    if (mode === 'drop-role' && this.init.dedicated !== true && this.refusals.length >= refusalsToDrop && this.serving && !this.dropping) {
      this.dropping = true
      this.refusals.length = 0
      this.ctx.metrics.demotions.inc({ reason: 'overload' })
      this.ctx.events.write({ type: 'role-dropped', reason: 'overload', load: this.load, capacity: this.capacity })
      this.init.onDemote?.('overload')
    }
  }

  private reject (stream: Stream, protocol: string, err: unknown): void {
    resetStream(this.ctx, this.log, stream, protocol, err)
  }

  private async send (f: FramedStream, frame: Partial<SupernodeFrame>, signal: AbortSignal): Promise<void> {
    await f.write(SupernodeFrame.encode(frame), signal)
    this.ctx.metrics.messages.inc({ direction: 'out' })
  }

  private async onAttach (stream: Stream, connection: Connection): Promise<void> {
    const f = framed(stream, MAX_CLIENT_FRAME_BYTES)
    const id = connection.remotePeer.toString()
    const stop = this.stopController.signal
    let first: ClientFrame
    try {
      first = await f.read(decode.clientFrame, deadline(this.opts.requestTimeoutMs, stop))
      if (first.type !== ClientFrame.Type.ATTACH) throw new ProtocolViolationError('first frame must be ATTACH')
    } catch (err: unknown) {
      this.ctx.metrics.attachRequests.inc({ result: 'bad-request' })
      this.reject(stream, 'attach', err)
      return
    }
    this.ctx.metrics.messages.inc({ direction: 'in' })
    // admission: attaches are served at the policy's rate, behind its queue
    const ticket = this.admission.reserve()
    if (ticket.kind === 'refuse') {
      this.noteRefusal()
      if (ticket.silent) {
        await this.ignore(stream, 'silent')
        return
      }
      this.ctx.metrics.attachRequests.inc({ result: 'rate-limited' })
      await this.refuse(f, RefusalReason.RATE_LIMITED, Math.min(ticket.retryAfterMs, MAX_RETRY_AFTER_MS), '', deadline(this.opts.requestTimeoutMs, stop))
      return
    }
    if (ticket.delayMs > 0) {
      await sleepFor(Math.min(ticket.delayMs, MAX_QUEUE_WAIT_MS), undefined, { signal: stop }).catch(() => {})
      if (stop.aborted) {
        stream.abort(new Error('supernode stepping down'))
        return
      }
    }
    const signal = deadline(this.opts.requestTimeoutMs, stop)
    try {
      await verifyToken(first.token, { issuerKey: this.issuerKey(), peer: connection.remotePeer, nowMs: this.ctx.clock.now() })
    } catch (err: unknown) {
      this.ctx.metrics.attachRequests.inc({ result: 'bad-token' })
      await this.refuse(f, RefusalReason.BAD_TOKEN, 0, (err as Error).message, signal)
      return
    }
    if (!this.serving) {
      this.ctx.metrics.attachRequests.inc({ result: 'not-supernode' })
      await this.refuse(f, RefusalReason.NOT_SUPERNODE, 0, '', signal)
      return
    }
    const previous = this.sessions.get(id)
    if (previous == null && this.sessions.size >= this.capacity) {
      this.noteRefusal()
      if (this.admission.settings.refusal === 'silent') {
        await this.ignore(stream, 'silent')
        return
      }
      this.ctx.metrics.attachRequests.inc({ result: 'busy' })
      await this.refuse(f, RefusalReason.BUSY, this.opts.reportIntervalMs, '', signal)
      return
    }
    previous?.stream.abort(new Error('replaced by a new attach'))
    const now = this.ctx.clock.now()
    const session: ClientSession = {
      id, stream, f, attachedAtMs: now, lastHeartbeatMs: now, profile: first.profile as ResourceProfile, uptimeMs: first.uptimeMs
    }
    this.sessions.set(id, session)
    this.ctx.metrics.clients.set(this.sessions.size)
    this.ctx.metrics.attachRequests.inc({ result: 'ok' })
    this.ctx.events.write({ type: 'client-attached', client: id, load: this.sessions.size })
    this.publishPresence(id)
    let cause = 'detach'
    try {
      await this.send(f, { type: SupernodeFrame.Type.ATTACHED, seq: first.seq, load: this.load, capacity: this.capacity, view: this.view }, signal)
      while (this.serving) {
        const frame = await withDeadline(this.opts.heartbeatTimeoutMs, stop, async (s) => f.read(decode.clientFrame, s))
        this.ctx.metrics.messages.inc({ direction: 'in' })
        if (frame.type === ClientFrame.Type.DETACH) break
        if (frame.type !== ClientFrame.Type.HEARTBEAT) throw new ProtocolViolationError('ATTACH on an attached stream')
        session.lastHeartbeatMs = this.ctx.clock.now()
        session.uptimeMs = frame.uptimeMs
        await withDeadline(this.opts.requestTimeoutMs, stop, async (s) => this.send(f, {
          type: SupernodeFrame.Type.HEARTBEAT_ACK,
          seq: frame.seq,
          load: this.load,
          capacity: this.capacity,
          promote: this.promoteSet.has(id),
          view: this.view
        }, s))
      }
      if (this.sessions.get(id) === session) await stream.close({ signal: deadline(this.opts.requestTimeoutMs) }).catch(() => {})
    } catch (err: unknown) {
      cause = resetReason(err)
      if (this.serving && this.sessions.get(id) === session) this.reject(stream, 'attach', err)
    } finally {
      if (this.sessions.get(id) === session) {
        this.sessions.delete(id)
        this.ctx.metrics.clients.set(this.sessions.size)
        this.ctx.events.write({ type: 'client-detached', client: id, cause, load: this.sessions.size })
      }
    }
  }

  private issuerKey (): NonNullable<PeerId['publicKey']> {
    const key = this.loginIssuer.publicKey
    if (key == null) throw new Error('login server peer id carries no public key')
    return key
  }

  private async refuse (f: FramedStream, reason: RefusalReason, retryAfterMs: number, detail: string, signal: AbortSignal): Promise<void> {
    try {
      await this.send(f, { type: SupernodeFrame.Type.REFUSED, refusal: { reason, retryAfterMs, alternatives: this.alternatives(), detail } }, signal)
      await f.stream.close({ signal })
    } catch (err: unknown) {
      f.stream.abort(err as Error)
    }
  }

  private async onLookup (stream: Stream, _connection: Connection): Promise<void> {
    const f = framed(stream, MAX_PRESENCE_LOOKUP_BYTES)
    const signal = deadline(this.opts.requestTimeoutMs, this.stopController.signal)
    let user: PeerId
    try {
      const req = await f.read(decode.presenceLookup, signal)
      user = peerIdFromBytes(req.user)
    } catch (err: unknown) {
      this.reject(stream, 'presence', err)
      return
    }
    this.ctx.metrics.messages.inc({ direction: 'in' })
    let answer: Partial<PresenceAnswer>
    try {
      const where = await this.lookup(user, signal)
      this.ctx.metrics.presence.inc({ result: where == null ? 'lookup-miss' : 'lookup-hit' })
      answer = where == null ? { found: false } : { found: true, supernode: infoToWire({ ...where, load: 0, capacity: 0 }) }
    } catch {
      this.ctx.metrics.presence.inc({ result: 'lookup-error' })
      answer = { found: false }
    }
    try {
      await f.write(PresenceAnswer.encode(answer), signal)
      this.ctx.metrics.messages.inc({ direction: 'out' })
      await stream.close({ signal })
    } catch (err: unknown) {
      this.reject(stream, 'presence', err)
    }
  }

  /**
   * Queue a presence record for the DHT, due presenceDelayMs from now; the queue is
   * bounded and drops the oldest.
   */
  private publishPresence (user: string): void {
    this.presenceQueue.delete(user)
    if (this.presenceQueue.size >= this.opts.presenceQueueSize) {
      const oldest = this.presenceQueue.keys().next().value
      if (oldest != null) this.presenceQueue.delete(oldest)
      this.ctx.metrics.presence.inc({ result: 'publish-dropped' })
    }
    // wall time, like the report timer: the delay is real waiting, whatever the clock
    this.presenceQueue.set(user, { dueAt: Date.now() + this.opts.presenceDelayMs, deferred: false })
    void this.drainPresence()
  }

  /** Publish queued records one at a time as they fall due, while serving. */
  private async drainPresence (): Promise<void> {
    if (this.presenceBusy) return
    this.presenceBusy = true
    const stop = this.stopController.signal
    // how busy this process and its host have been since the last wait: what the pacing policy decides on
    const measure = this.init.measureBusy ?? defaultMeasureBusy
    let since = measure()
    const sleep = async (ms: number): Promise<void> => {
      await sleepFor(ms, undefined, { signal: stop }).catch(() => {})
    }
    try {
      while (this.serving && !stop.aborted) {
        const head = this.presenceQueue.entries().next().value
        if (head == null) break
        const [user, entry] = head
        const { dueAt } = entry
        const wait = dueAt - Date.now()
        if (wait > 0) {
          // the head may change meanwhile (re-attached, dropped): look again after
          since = measure()
          await sleep(wait)
          continue
        }
        if (!this.sessions.has(user)) {
          this.presenceQueue.delete(user)
          this.ctx.metrics.presence.inc({ result: 'publish-skipped' })
          continue
        }
        if (this.dhtPeers() === 0) {
          // no other supernode in the routing table: kad-dht's query would wait for one until
          // the deadline and fail, so a lone supernode (the first of an overlay, the first
          // after a mass crash) spent requestTimeoutMs on each record, in turn, and lost them
          // all. The records wait here instead, in order, for someone to store them at.
          since = measure()
          await sleep(PRESENCE_NO_PEERS_POLL_MS)
          continue
        }
        // log-ins and attaches come first: while this supernode or its host is busy (a log-in
        // flood; on a testnet, nodes starting on a few cores) the record waits, at most the
        // policy's maxDeferMs (see presenceDecision)
        const load = since()
        const decision = presenceDecision(this.policy.presencePacing, { busy: load.busy, deferredMs: Date.now() - dueAt })
        if (!decision.publish) {
          if (!entry.deferred) {
            entry.deferred = true
            this.ctx.metrics.presence.inc({ result: 'publish-deferred' })
          }
          this.log.trace('presence for %s waits %d ms: event loop %d %% busy, host CPU %s', user, decision.waitMs,
            Math.round(100 * load.loop), load.host == null ? 'unknown' : `${Math.round(100 * load.host)} % contended`)
          since = measure()
          await sleep(decision.waitMs)
          continue
        }
        this.presenceQueue.delete(user)
        const value = PresenceRecord.encode({
          user: bytes(peerIdFromString(user).toMultihash().bytes),
          supernode: bytes(this.components.peerId.toMultihash().bytes),
          addrs: addrsToWire(this.ownAddrs()),
          updatedAtMs: Date.now()
        })
        try {
          for await (const _event of this.components.dht.put(fromString(PRESENCE_KEY_PREFIX + user), value, { signal: deadline(this.opts.requestTimeoutMs, stop) })) {
            // drain the query
          }
          this.ctx.metrics.presence.inc({ result: 'published' })
        } catch (err: unknown) {
          this.ctx.metrics.presence.inc({ result: 'publish-failed' })
          this.log('presence publish for %s failed: %s', user, (err as Error).message)
        }
      }
    } finally {
      this.presenceBusy = false
      // demoted and promoted again while this loop slept: the new term's queue needs a loop
      if (this.serving && stop !== this.stopController.signal && this.presenceQueue.size > 0) void this.drainPresence()
    }
  }

  /** DHT servers in the routing table; unknown (another DHT implementation) counts as some. */
  private dhtPeers (): number {
    return (this.components.dht as Partial<SingleKadDHT>).routingTable?.size ?? 1
  }

  private scheduleReport (delayMs: number): void {
    clearTimeout(this.reportTimer)
    this.reportTimer = setTimeout(() => {
      void this.report().finally(() => {
        if (this.serving) this.scheduleReport(this.opts.reportIntervalMs)
      })
    }, delayMs)
  }

  private candidates (): SupernodeReport['candidates'] {
    const now = this.ctx.clock.now()
    // uptimes as of now, and the clients the login server ordered promoted first: both keep
    // an order offered until the client's heartbeat carries it (see offeredCandidates)
    const all = [...this.sessions.values()]
      .filter(s => s.profile.reachable && s.profile.capacity > 0)
      .map(s => ({ id: s.id, profile: s.profile, uptimeMs: s.uptimeMs + (now - s.lastHeartbeatMs) }))
    return offeredCandidates(all, this.promoteSet, this.opts.candidatesPerReport)
      .map(c => ({ id: bytes(peerIdFromString(c.id).toMultihash().bytes), profile: c.profile, uptimeMs: c.uptimeMs }))
  }

  private async report (): Promise<void> {
    const token = this.token
    if (!this.serving || token == null) return
    await withDeadline(this.opts.requestTimeoutMs, this.stopController.signal, async (signal) => { await this.reportOnce(token, signal) })
  }

  /**
   * The stream reports travel on: one per supernode term, kept open, a report and its ack
   * every interval. A stream per report cost both ends more than the report itself (a
   * stream opening, protocol selection, a peer-store write on each side).
   */
  private async reportStream (signal: AbortSignal): Promise<{ f: FramedStream, reused: boolean }> {
    const open = this.reportSession
    if (open != null && open.stream.status === 'open' && open.stream.writeStatus === 'writable') return { f: open, reused: true }
    this.closeReportStream()
    const conn = await this.components.connectionManager.openConnection(toDialable(this.init.loginServer.id, this.init.loginServer.addrs), { signal })
    const stream = await conn.newStream(REPORT_PROTOCOL, { signal, negotiateFully: false })
    this.reportSession = framed(stream, MAX_REPORT_ACK_BYTES)
    return { f: this.reportSession, reused: false }
  }

  /** Close the report stream politely (the login server ends its side when we end ours). */
  private closeReportStream (): void {
    const session = this.reportSession
    this.reportSession = undefined
    if (session == null) return
    session.stream.close({ signal: deadline(500) }).catch(() => { session.stream.abort(new Error('report stream closed')) })
  }

  private async reportOnce (token: Uint8Array, signal: AbortSignal): Promise<void> {
    let f: FramedStream | undefined
    try {
      let ack: ReportAck | undefined
      // a kept stream the login server has since closed (it restarted, or forgot us) fails
      // on first use: that one report is retried at once on a new stream
      for (let attempt = 0; ack == null; attempt++) {
        const session = await this.reportStream(signal)
        f = session.f
        try {
          await f.write(SupernodeReport.encode({
            token: bytes(token),
            addrs: addrsToWire(this.ownAddrs()),
            load: this.load,
            capacity: this.capacity,
            candidates: this.candidates(),
            uptimeMs: this.ctx.clock.now() - this.opts.startedAtMs,
            profile: this.init.profile
          }), signal)
          this.ctx.metrics.messages.inc({ direction: 'out' })
          ack = await f.read(decode.reportAck, signal)
        } catch (err: unknown) {
          const stale = session.reused && attempt === 0 && !signal.aborted && resetReason(err) !== 'timeout'
          f.stream.abort(err as Error)
          this.reportSession = undefined
          if (!stale) throw err
        }
      }
      this.ctx.metrics.messages.inc({ direction: 'in' })
      if (ack.refusal != null) {
        // the login server closes the stream after a refusal
        this.closeReportStream()
        this.ctx.metrics.reports.inc({ result: RefusalReason[ack.refusal.reason] ?? 'refused' })
        if (ack.refusal.reason === RefusalReason.BAD_TOKEN) this.init.onTokenRejected?.()
        return
      }
      this.ctx.metrics.reports.inc({ result: 'ok' })
      this.view = ack.view
      this.known.clear()
      for (const info of ack.supernodes) {
        const k = infoFromWire(info)
        if (k != null && k.id !== this.components.peerId.toString()) {
          this.known.set(k.id, k)
          this.seenSupernodes.delete(k.id)
          this.seenSupernodes.add(k.id)
          if (this.seenSupernodes.size > MAX_SEEN_SUPERNODES) this.seenSupernodes.delete(this.seenSupernodes.values().next().value as string)
        }
      }
      this.promoteSet.clear()
      for (const p of ack.promote) {
        try { this.promoteSet.add(peerIdFromBytes(p).toString()) } catch { this.ctx.metrics.rejectedInput.inc({ field: 'promote' }) }
      }
      if (ack.demote) {
        this.ctx.metrics.demotions.inc({ reason: 'excess' })
        this.init.onDemote?.('excess')
        return
      }
      this.keepNeighbours()
    } catch (err: unknown) {
      f?.stream.abort(err as Error)
      this.reportSession = undefined
      this.ctx.metrics.reports.inc({ result: 'failed' })
      this.log('report failed: %s', (err as Error).message)
    }
  }

  /**
   * As a client this peer identified nobody and kept its DHT routing table empty (see
   * createOverlayNode and identify-scope.ts), so the supernodes it is already connected to
   * never entered it: identify them now, which tells the DHT about those that serve it
   * (and lets identify push tell them that we do). Every open connection but the login
   * server's, bounded by the DHT's bucket size.
   */
  private joinDht (): void {
    let asked = 0
    for (const conn of this.components.connectionManager.getConnections()) {
      if (asked >= this.components.dht.k) return
      if (conn.status !== 'open' || conn.remotePeer.equals(this.loginIssuer)) continue
      asked++
      this.identify(conn)
    }
  }

  /**
   * Keep a few connections to other supernodes so the DHT has neighbours; called with every
   * report ack. Dialling them is DHT upkeep, like publishing presence, and waits the same
   * way (the policy's presencePacing): while this supernode or its host was busy since the
   * last look, the dials wait for the next ack, and once it has been short of neighbours for
   * maxDeferMs it dials anyway. A supernode promoted in a restart storm otherwise opened its
   * neighbour connections (a handshake at each end, identify both ways) in the middle of the
   * log-ins and attaches it was promoted to absorb; its presence records wait for those
   * neighbours (drainPresence), and lookups it cannot answer itself find nothing until then.
   */
  private keepNeighbours (): void {
    const connected = new Set(this.components.connectionManager.getConnections().map(c => c.remotePeer.toString()))
    // counting only the supernodes of this report's random sample found almost none
    // connected in a large network, so every supernode dialled new neighbours every second
    // (and the connection manager pruned old ones): steady-state churn that grew with size
    let have = 0
    for (const id of this.seenSupernodes) if (connected.has(id)) have++
    const measured = this.neighbourBusy?.()
    this.neighbourBusy = (this.init.measureBusy ?? defaultMeasureBusy)()
    if (have >= this.opts.dhtNeighbours) {
      this.shortOfNeighboursSince = undefined
      return
    }
    const now = Date.now()
    this.shortOfNeighboursSince ??= now
    const candidates = [...this.known.values()].filter(k => !connected.has(k.id))
    if (candidates.length === 0) return
    const decision = presenceDecision(this.policy.presencePacing, { busy: measured?.busy ?? NaN, deferredMs: now - this.shortOfNeighboursSince })
    if (!decision.publish) {
      this.ctx.metrics.neighbourDials.inc({ result: 'deferred' })
      this.log.trace('neighbour dials wait: %d of %d neighbours, busy %d %%', have, this.opts.dhtNeighbours, Math.round(100 * (measured?.busy ?? 0)))
      return
    }
    const missing = shuffle(candidates, this.random).slice(0, this.opts.dhtNeighbours - have)
    for (const k of missing) {
      this.ctx.metrics.neighbourDials.inc({ result: 'dialled' })
      this.components.connectionManager.openConnection(toDialable(k.id, k.addrs), { signal: deadline(this.opts.requestTimeoutMs, this.stopController.signal) })
        .catch((err: unknown) => {
          this.ctx.metrics.neighbourDials.inc({ result: 'failed' })
          this.log('neighbour %s unreachable: %s', k.id, (err as Error).message)
        })
    }
  }
}

/** This process's event-loop utilization and the host's CPU pressure since the call. */
function defaultMeasureBusy (): () => BusyShare {
  const mark = busyMark()
  return () => busySince(mark)
}

/** Supernodes remembered from report acks for counting DHT neighbours. */
const MAX_SEEN_SUPERNODES = 256

/**
 * The supernode role: admits clients up to its capacity on a long-lived attach stream,
 * tracks their heartbeats, publishes their presence into the supernodes' DHT, answers
 * presence lookups and reports its load to the login server. Inactive until `activate()`
 * (promotion); `deactivate()` (demotion) tells its clients to move, like kad-dht's setMode.
 */
export function supernode (init: SupernodeInit): (components: SupernodeComponents) => Supernode {
  return (components) => new DefaultSupernode(components, init)
}
