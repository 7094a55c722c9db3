import { logger } from '@libp2p/logger'
import { admissionScheduler, createPolicy, sample, seededRandom } from '@stampede/allocation'
import { setTimeout as sleepFor } from 'node:timers/promises'
import {
  LOGIN_PROTOCOL, LoginResponse, MAX_CANDIDATES, MAX_RETRY_AFTER_MS, MAX_LOGIN_REQUEST_BYTES, MAX_REFERRALS, MAX_REPORT_BYTES,
  REPORT_PROTOCOL, RefusalReason, ReportAck, decode
} from '@stampede/wire'
import {
  DEFAULT_MAX_CANDIDATES, MAX_QUEUE_WAIT_MS, DEFAULT_MAX_SUPERNODES,
  DEFAULT_PROMOTION_GRACE_MS, DEFAULT_REFERRALS, DEFAULT_REPORT_INTERVAL_MS, DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SUPERNODE_EXPIRY_MS, DEFAULT_TOKEN_TTL_MS, DEFAULT_UNSERVED_WINDOW_MS, MAX_HELD_REFERRAL_REQUESTS, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS
} from './constants.js'
import { addrsFromWire, addrsToWire, bytes, deadline, framed, peerIdFromBytes, resetReason, withDeadline } from './framing.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { equals } from 'uint8arrays/equals'
import { defaultContext, resetStream } from './shared.js'
import { issueToken, verifyToken } from './token.js'
import type { FramedStream } from './framing.js'
import type { OverlayContext } from './shared.js'
import type { Connection, Libp2pEvents, PeerId, PrivateKey, Startable, Stream, TypedEventTarget } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'
import type { AdmissionScheduler, AllocationPolicy, PromotionCandidate, PromotionPolicy, Random, ResourceProfile, SupernodeState } from '@stampede/allocation'
import type { NetworkView, SupernodeInfo, SupernodeReport } from '@stampede/wire'

export interface LoginServerInit {
  /**
   * the allocation policy: promotion, referral and the admission queue in front of
   * log-ins; @default createPolicy({ family: 'adaptive' })
   */
  policy?: AllocationPolicy
  /** @default 3_600_000 */
  tokenTtlMs?: number
  /** supernode referrals per log-in; @default 3 */
  referrals?: number
  /** a supernode silent for this long is forgotten; @default 3_500 */
  supernodeExpiryMs?: number
  /** how often the promotion policy runs; @default 1_000 */
  reportIntervalMs?: number
  /** @default 5_000 */
  requestTimeoutMs?: number
  /** a promotion order counts as a supernode this long before its first report; @default 5_000 */
  promotionGraceMs?: number
  /** replaces the policy's promotion decision */
  promotionPolicy?: PromotionPolicy
  /** @default 1_024 */
  maxCandidates?: number
  /** @default 4_096 */
  maxSupernodes?: number
  /** random source for referral choice; @default seededRandom(Date.now()) */
  random?: Random
  context?: OverlayContext
}

export interface LoginServerComponents {
  registrar: Registrar
  peerId: PeerId
  privateKey: PrivateKey
  /** `peer:disconnect`: a supernode with no connection left to the login server */
  events: TypedEventTarget<Libp2pEvents>
}

interface TrackedSupernode extends SupernodeState {
  addrs: string[]
  /** referrals handed out since the last report, added to its reported load */
  referred: number
  /** a client reported it unreachable, or its connection to the login server went down, after its last report */
  suspect: boolean
  /**
   * its id and addresses as they go on the wire, kept so that the referrals and samples
   * handed out many times a second cost no parsing (addresses as it last reported them)
   */
  wire: { id: Uint8Array<ArrayBuffer>, addrs: Array<Uint8Array<ArrayBuffer>> }
  /** the addresses of its last report, as reported */
  reportedAddrs: Uint8Array[]
  /** the token its last report carried, verified, and when that token expires */
  token: Uint8Array
  tokenExpiresAtMs: number
}

interface TrackedCandidate extends PromotionCandidate {
  seenAtMs: number
}

/** A snapshot of what the login server knows, for status and tests. */
export interface LoginServerView {
  supernodes: Array<{ id: string, load: number, capacity: number, addrs: string[] }>
  pendingPromotions: string[]
  loggedIn: number
  capacity: number
  unserved: number
}

export interface LoginServer {
  view(): LoginServerView
  /**
   * The operator's lever: serve log-ins at a new rate from now on. The admission queue
   * starts afresh (requests already waiting keep their slots).
   */
  setCapacity(loginsPerSecond: number, burst?: number): void
}

class DefaultLoginServer implements LoginServer, Startable {
  private readonly components: LoginServerComponents
  private readonly ctx: OverlayContext
  private readonly log: ReturnType<typeof logger>
  private admission: AdmissionScheduler
  private readonly referralLane: AdmissionScheduler | undefined
  private allocation: AllocationPolicy
  private readonly stopController = new AbortController()
  private readonly policy: PromotionPolicy
  private readonly random: Random
  private readonly supernodes = new Map<string, TrackedSupernode>()
  private readonly candidates = new Map<string, TrackedCandidate>()
  /** promotion orders not yet confirmed by a first report: id -> capacity, time */
  private readonly pending = new Map<string, { capacity: number, orderedAtMs: number }>()
  private readonly demoting = new Set<string>()
  private readonly unserved = new Map<string, number>()
  /** referral requests held for a supernode right now */
  private held = 0
  /** when `expire` last swept (it runs at most every EXPIRE_SWEEP_MS) */
  private sweptAtMs = Number.NEGATIVE_INFINITY
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly opts: Required<Omit<LoginServerInit, 'promotionPolicy' | 'random' | 'context' | 'policy'>>

  constructor (components: LoginServerComponents, init: LoginServerInit = {}) {
    this.components = components
    this.ctx = init.context ?? defaultContext('login')
    this.log = logger(`stampede:${this.ctx.name}:login-server`)
    this.opts = {
      tokenTtlMs: init.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      referrals: Math.min(init.referrals ?? DEFAULT_REFERRALS, MAX_REFERRALS),
      supernodeExpiryMs: init.supernodeExpiryMs ?? DEFAULT_SUPERNODE_EXPIRY_MS,
      reportIntervalMs: init.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      promotionGraceMs: init.promotionGraceMs ?? DEFAULT_PROMOTION_GRACE_MS,
      maxCandidates: init.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
      maxSupernodes: init.maxSupernodes ?? DEFAULT_MAX_SUPERNODES
    }
    this.allocation = init.policy ?? createPolicy({ family: 'adaptive' }, this.ctx.clock)
    this.policy = init.promotionPolicy ?? this.allocation.promotion
    this.random = init.random ?? seededRandom(Date.now())
    this.admission = admissionScheduler(this.allocation.loginAdmission, this.ctx.clock)
    this.referralLane = this.allocation.referralAdmission != null ? admissionScheduler(this.allocation.referralAdmission, this.ctx.clock) : undefined
  }

  readonly [Symbol.toStringTag] = '@stampede/login-server'

  async start (): Promise<void> {
    const opts = { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS }
    await this.components.registrar.handle(LOGIN_PROTOCOL, (stream, connection) => this.onLogin(stream, connection), opts)
    await this.components.registrar.handle(REPORT_PROTOCOL, (stream, connection) => this.onReport(stream, connection), opts)
    this.timer = setInterval(() => { this.tick() }, this.opts.reportIntervalMs)
    this.timer.unref?.()
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.ctx.metrics.setRole('login')
  }

  /**
   * A supernode reports over a connection it keeps to the login server: when the last one
   * goes down (a crash resets it at once) the supernode is, to policies that suspect, as
   * good as reported unreachable. Without this, every client that lost it in a crash was
   * referred to it again until enough of them had said so or it expired (a 40-peer restart
   * storm: 24-65 attach attempts at dead supernodes in its first 1.5 s). Its next report,
   * over a new connection, clears it.
   */
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (this.allocation.suspectSupernodes == null) return
    const id = evt.detail.toString()
    const sn = this.supernodes.get(id)
    if (sn == null || sn.suspect) return
    sn.suspect = true
    this.ctx.events.write({ type: 'supernode-suspect', supernode: id, by: 'disconnect' })
  }

  /**
   * A suspect supernode (its connection to this server went down, or a client found it
   * unreachable) that logs in is a peer restarted after a crash: its term is over, and its
   * registration goes now instead of when it expires. Kept, it stood in the way of the
   * peer's promotion (a registered supernode is neither a candidate nor decided on at its
   * log-in), and the eligible peers of a restart storm are the supernodes that were killed:
   * in a 40-peer storm that killed all 12, no promotion was ordered from 0.4 s after the
   * kill until their registrations expired at 2.6-3.6 s, the last restarted peers were
   * refused for lack of supernodes, and everyone was back 4.7-4.9 s after the kill instead
   * of about 2 s. Only under policies that suspect (adaptive): legacy keeps dead supernodes
   * until they expire.
   */
  private endStaleTerm (id: string): void {
    const sn = this.supernodes.get(id)
    if (sn == null || !sn.suspect) return
    this.supernodes.delete(id)
    this.demoting.delete(id)
    this.ctx.events.write({ type: 'supernode-ended', supernode: id, reason: 'logged-in-again' })
  }

  setCapacity (loginsPerSecond: number, burst?: number): void {
    if (!Number.isFinite(loginsPerSecond) || loginsPerSecond <= 0) throw new RangeError(`loginsPerSecond must be a positive number, got ${loginsPerSecond}`)
    const loginAdmission = { ...this.allocation.loginAdmission, ratePerSecond: loginsPerSecond, burst: burst ?? Math.max(1, Math.ceil(loginsPerSecond / 2)) }
    this.allocation = { ...this.allocation, loginAdmission }
    this.admission = admissionScheduler(loginAdmission, this.ctx.clock)
    this.ctx.events.write({ type: 'login-capacity', loginsPerSecond, burst: loginAdmission.burst })
  }

  private get stopSignal (): AbortSignal {
    return this.stopController.signal
  }

  async stop (): Promise<void> {
    this.stopController.abort()
    clearInterval(this.timer)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    await this.components.registrar.unhandle(LOGIN_PROTOCOL)
    await this.components.registrar.unhandle(REPORT_PROTOCOL)
  }

  view (): LoginServerView {
    const now = this.ctx.clock.now()
    this.expire(now)
    return {
      supernodes: [...this.supernodes.values()].map(s => ({ id: s.id, load: s.load, capacity: s.capacity, addrs: s.addrs })),
      pendingPromotions: [...this.pending.keys()],
      loggedIn: this.loggedIn(),
      capacity: this.totalCapacity(),
      unserved: this.unserved.size
    }
  }

  private loggedIn (): number {
    let n = 0
    for (const s of this.supernodes.values()) n += s.load + 1
    return n
  }

  private totalCapacity (): number {
    let n = 0
    for (const s of this.supernodes.values()) n += s.capacity
    return n
  }

  private networkView (): NetworkView {
    return { supernodes: this.supernodes.size, loggedIn: this.loggedIn(), capacity: this.totalCapacity() }
  }

  private reject (stream: Stream, protocol: string, err: unknown): void {
    resetStream(this.ctx, this.log, stream, protocol, err)
  }

  private async respond (f: FramedStream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    await f.write(bytes, signal)
    this.ctx.metrics.messages.inc({ direction: 'out' })
    await f.stream.close({ signal })
  }

  private async onLogin (stream: Stream, connection: Connection): Promise<void> {
    const signal = deadline(this.opts.requestTimeoutMs)
    const f = framed(stream, MAX_LOGIN_REQUEST_BYTES)
    let req
    try {
      req = await f.read(decode.loginRequest, signal)
    } catch (err: unknown) {
      this.reject(stream, 'login', err)
      return
    }
    this.ctx.metrics.messages.inc({ direction: 'in' })
    const peer = connection.remotePeer
    const id = peer.toString()
    const arrivedAt = this.ctx.clock.now()

    // admission: the policy's queue decides whether, and after how long, this log-in is
    // served; a peer already holding a valid token only wants referrals, which the adaptive
    // policy serves in a lane of its own
    // a valid token matters only to a policy that treats logged-in peers apart: spare the
    // signature check otherwise (legacy)
    const treatsHoldersApart = this.referralLane != null || this.allocation.referralHoldMs > 0
    const holder = treatsHoldersApart && req.token.byteLength > 0 &&
      await verifyToken(req.token, { issuerKey: this.components.privateKey.publicKey, peer, nowMs: arrivedAt }).then(() => true, () => false)
    const lane = holder && this.referralLane != null ? this.referralLane : this.admission
    // the client's word that these supernodes are gone: never referred back to it, and
    // (policies that suspect) to nobody until they report again
    const unreachable = new Set<string>()
    for (const b of req.unreachable) {
      try {
        unreachable.add(peerIdFromBytes(b).toString())
      } catch {
        this.ctx.metrics.rejectedInput.inc({ field: 'unreachable' })
      }
    }
    if (this.allocation.suspectSupernodes != null) {
      for (const u of unreachable) {
        const sn = this.supernodes.get(u)
        if (sn != null && !sn.suspect) {
          sn.suspect = true
          this.ctx.events.write({ type: 'supernode-suspect', supernode: u, by: id })
        }
      }
    }
    if (this.allocation.suspectSupernodes != null) this.endStaleTerm(id)
    const ticket = lane.reserve()
    if (ticket.kind === 'refuse') {
      if (ticket.silent) {
        // the legacy answer to overload: nothing; the client finds out by timing out
        this.ctx.metrics.loginRequests.inc({ result: 'silent' })
        await sleepFor(this.opts.requestTimeoutMs, undefined, { signal: this.stopSignal }).catch(() => {})
        stream.abort(new Error('login server overloaded'))
        return
      }
      this.ctx.metrics.loginRequests.inc({ result: 'rate-limited' })
      await this.respond(f, LoginResponse.encode({
        refusal: { reason: RefusalReason.RATE_LIMITED, retryAfterMs: Math.min(ticket.retryAfterMs, MAX_RETRY_AFTER_MS), alternatives: [], detail: '' },
        view: this.networkView()
      }), signal).catch(err => { this.reject(stream, 'login', err) })
      return
    }
    if (ticket.delayMs > 0) {
      // queued: the slot is ours whether or not the client is still waiting when it comes
      await sleepFor(Math.min(ticket.delayMs, MAX_QUEUE_WAIT_MS), undefined, { signal: this.stopSignal }).catch(() => {})
      if (this.stopSignal.aborted) {
        stream.abort(new Error('login server stopping'))
        return
      }
    }
    const now = this.ctx.clock.now()
    this.expire(now)
    const profile = req.profile as ResourceProfile
    this.rememberCandidate({ id, profile, uptimeMs: req.uptimeMs, seenAtMs: now })
    const token = await issueToken(this.components.privateKey, {
      peer, user: req.user === '' ? id : req.user, issuer: this.components.peerId, nowMs: now, ttlMs: this.opts.tokenTtlMs
    })

    let promote = this.pending.has(id) && !this.supernodes.has(id)
    if (!promote && !this.supernodes.has(id)) {
      const decision = this.policy.decide(this.promotionInput(now, [{ id, profile, uptimeMs: req.uptimeMs }]))
      if (decision.promote.includes(id)) {
        this.order(id, profile.capacity, now)
        promote = true
      }
    }
    const avoid = this.allocation.suspectSupernodes != null ? unreachable : new Set<string>()
    let referrals = promote ? [] : this.pickReferrals(id, avoid)
    // no free slot now: wait (bounded) for a promotion under way to register; a peer that
    // is already logged in may wait longer (it asked to), which replaces its retries
    const holdMs = holder ? this.allocation.referralHoldMs : this.allocation.referralWaitMs
    if (!promote && referrals.length === 0 && holdMs > 0 && this.held < MAX_HELD_REFERRAL_REQUESTS) {
      this.held++
      this.markUnserved(id, now)
      // never past what is left of the client's deadline (the queue wait counts too)
      const patience = req.waitMs > 0 ? req.waitMs : this.opts.requestTimeoutMs
      const until = Math.min(this.ctx.clock.now() + holdMs, arrivedAt + 0.8 * patience)
      try {
        while (referrals.length === 0 && this.ctx.clock.now() < until && !this.stopSignal.aborted) {
          await sleepFor(100, undefined, { signal: this.stopSignal }).catch(() => {})
          this.expire(this.ctx.clock.now())
          if (this.pending.has(id) && !this.supernodes.has(id)) {
            // the promotion policy picked this very peer while it waited
            promote = true
            break
          }
          referrals = this.pickReferrals(id, avoid)
        }
      } finally {
        this.held--
      }
    }
    const served = deadline(this.opts.requestTimeoutMs)
    let response: Partial<LoginResponse>
    let result: string
    if (promote) {
      result = 'promote'
      response = { token, promote: true, referrals: [], view: this.networkView() }
    } else if (referrals.length === 0) {
      this.markUnserved(id, now)
      result = 'no-supernode'
      response = {
        token,
        refusal: { reason: RefusalReason.NO_SUPERNODE, retryAfterMs: this.opts.reportIntervalMs, alternatives: [], detail: '' },
        view: this.networkView()
      }
    } else {
      this.unserved.delete(id)
      result = 'ok'
      response = { token, referrals, view: this.networkView() }
    }
    try {
      await this.respond(f, LoginResponse.encode(response), served)
      this.ctx.metrics.loginRequests.inc({ result })
    } catch {
      // the client gave up while its request waited: the work was wasted
      this.ctx.metrics.loginRequests.inc({ result: 'stale' })
      stream.abort(new Error('client gone'))
    }
  }

  /**
   * A supernode's report stream: it stays open while the peer is a supernode and carries a
   * report every interval, each answered with an ack (a stream per report cost both ends
   * more than the report: a stream opening, protocol selection, a peer-store write). A
   * supernode that closes it, refuses to wait, stays silent longer than it takes to be
   * forgotten, is refused or demoted, loses it. One report per stream (an older supernode)
   * works too: it closes after its ack.
   */
  private async onReport (stream: Stream, connection: Connection): Promise<void> {
    const f = framed(stream, MAX_REPORT_BYTES)
    // the first report is due at once (a stream opened and left silent is reset like any
    // other request); later ones every interval, and one silent for longer than it takes to
    // be forgotten is gone anyway
    const idleMs = this.opts.supernodeExpiryMs + this.opts.requestTimeoutMs
    for (let n = 0; ; n++) {
      let report: SupernodeReport
      try {
        report = await withDeadline(n === 0 ? this.opts.requestTimeoutMs : idleMs, undefined, async (signal) => f.read(decode.supernodeReport, signal))
      } catch (err: unknown) {
        if (resetReason(err) === 'eof') {
          await stream.close({ signal: deadline(this.opts.requestTimeoutMs) }).catch(() => { stream.abort(new Error('report stream closed')) })
        } else {
          this.reject(stream, 'report', err)
        }
        return
      }
      const keep = await withDeadline(this.opts.requestTimeoutMs, undefined, async (signal) => this.handleReport(f, report, connection, signal))
      if (!keep) return
    }
  }

  /** Take one report and answer it; false when the stream was closed (refusal, demotion, failure). */
  private async handleReport (f: FramedStream, report: SupernodeReport, connection: Connection, signal: AbortSignal): Promise<boolean> {
    const stream = f.stream
    let tokenExpiresAtMs: number
    let dedicated: boolean
    try {
      // a supernode sends the same token every report interval: its signature is checked
      // once, not every second (the check was a tenth of the login server's CPU at 400 peers)
      const known = this.supernodes.get(connection.remotePeer.toString())
      if (known != null && known.tokenExpiresAtMs > this.ctx.clock.now() && equals(known.token, report.token)) {
        tokenExpiresAtMs = known.tokenExpiresAtMs
        dedicated = known.dedicated === true
      } else {
        const body = await verifyToken(report.token, { issuerKey: this.components.privateKey.publicKey, peer: connection.remotePeer, nowMs: this.ctx.clock.now() })
        tokenExpiresAtMs = body.expiresAtMs
        // the operator's own supernode, by the signed claim in its token: never demoted
        dedicated = body.operator
      }
    } catch (err: unknown) {
      if ((err as Error)?.name === 'TokenError') {
        this.ctx.metrics.reports.inc({ result: 'bad-token' })
        await this.respond(f, ReportAck.encode({
          refusal: { reason: RefusalReason.BAD_TOKEN, retryAfterMs: 0, alternatives: [], detail: (err as Error).message }
        }), signal).catch(() => {})
        return false
      }
      this.reject(stream, 'report', err)
      return false
    }
    this.ctx.metrics.messages.inc({ direction: 'in' })
    const now = this.ctx.clock.now()
    const id = connection.remotePeer.toString()
    this.expire(now)

    let sn = this.supernodes.get(id)
    // the addresses are parsed only when they differ from the last report's
    const sameAddrs = sn != null && sameBytes(sn.reportedAddrs, report.addrs)
    const addrs = sameAddrs ? (sn as TrackedSupernode).addrs : addrsFromWire(report.addrs)
    if (sn == null) {
      if (this.supernodes.size >= this.opts.maxSupernodes) {
        this.ctx.metrics.reports.inc({ result: 'full' })
        await this.respond(f, ReportAck.encode({ refusal: { reason: RefusalReason.BUSY, retryAfterMs: this.opts.reportIntervalMs, alternatives: [], detail: 'too many supernodes' } }), signal).catch(() => {})
        return false
      }
      sn = {
        id,
        addrs,
        load: report.load,
        capacity: report.capacity,
        promotedAtMs: now,
        lastReportMs: now,
        referred: 0,
        suspect: false,
        wire: { id: bytes(connection.remotePeer.toMultihash().bytes), addrs: addrsToWire(addrs) },
        reportedAddrs: report.addrs,
        token: report.token,
        tokenExpiresAtMs,
        dedicated
      }
      this.supernodes.set(id, sn)
      this.pending.delete(id)
      this.candidates.delete(id)
      this.ctx.events.write({ type: 'supernode-registered', supernode: id, capacity: report.capacity })
    } else {
      if (!sameAddrs) {
        sn.reportedAddrs = report.addrs
        if (addrs.length > 0) {
          sn.addrs = addrs
          sn.wire.addrs = addrsToWire(addrs)
        }
      }
      sn.token = report.token
      sn.tokenExpiresAtMs = tokenExpiresAtMs
      sn.dedicated = dedicated
      sn.load = report.load
      sn.capacity = report.capacity
      sn.lastReportMs = now
      sn.referred = 0
      sn.suspect = false
    }
    const offered: string[] = []
    for (const c of report.candidates.slice(0, MAX_CANDIDATES)) {
      try {
        const cid = peerIdFromBytes(c.id).toString()
        if (this.supernodes.has(cid)) continue
        offered.push(cid)
        this.rememberCandidate({ id: cid, profile: c.profile as ResourceProfile, uptimeMs: c.uptimeMs, seenAtMs: now })
      } catch {
        this.ctx.metrics.rejectedInput.inc({ field: 'candidates.id' })
      }
    }
    const demote = this.demoting.has(id)
    if (demote) {
      this.demoting.delete(id)
      this.supernodes.delete(id)
      this.ctx.events.write({ type: 'demotion-delivered', supernode: id })
    }
    const promote = offered.filter(c => this.pending.has(c))
    this.ctx.metrics.reports.inc({ result: demote ? 'demote' : 'ok' })
    try {
      const ack = ReportAck.encode({
        supernodes: this.sampleSupernodes(id, MAX_REFERRALS),
        promote: promote.map(p => this.candidateBytes(p)).filter((b): b is Uint8Array<ArrayBuffer> => b != null),
        demote,
        view: this.networkView()
      })
      // a demoted supernode's stream ends with its ack; the others stay open for the next report
      if (demote) {
        await this.respond(f, ack, signal)
        return false
      }
      await f.write(ack, signal)
      this.ctx.metrics.messages.inc({ direction: 'out' })
      return true
    } catch (err: unknown) {
      this.reject(stream, 'report', err)
      return false
    }
  }

  private candidateBytes (id: string): Uint8Array<ArrayBuffer> | undefined {
    try {
      return bytes(peerIdFromString(id).toMultihash().bytes)
    } catch {
      return undefined
    }
  }

  /** Periodic work: forget the silent, run the promotion policy over every candidate. */
  private tick (): void {
    const now = this.ctx.clock.now()
    this.expire(now)
    const candidates = [...this.candidates.values()]
      .filter(c => !this.supernodes.has(c.id) && !this.pending.has(c.id))
      .map(c => ({ id: c.id, profile: c.profile, uptimeMs: c.uptimeMs + (now - c.seenAtMs) }))
    const decision = this.policy.decide(this.promotionInput(now, candidates))
    for (const id of decision.promote) {
      const c = this.candidates.get(id)
      if (c != null) this.order(id, c.profile.capacity, now)
    }
    for (const id of decision.demote) {
      if (this.supernodes.has(id) && !this.demoting.has(id)) {
        this.demoting.add(id)
        this.ctx.events.write({ type: 'demotion-ordered', supernode: id, reason: 'excess' })
      }
    }
    this.ctx.metrics.networkSupernodes.set(this.supernodes.size)
    this.ctx.metrics.networkLoggedIn.set(this.loggedIn())
    this.ctx.metrics.networkCapacity.set(this.totalCapacity())
  }

  private order (id: string, capacity: number, now: number): void {
    this.pending.set(id, { capacity, orderedAtMs: now })
    this.ctx.events.write({ type: 'promotion-ordered', peer: id, capacity })
  }

  private promotionInput (now: number, candidates: PromotionCandidate[]): Parameters<PromotionPolicy['decide']>[0] {
    // suspects (only policies that suspect mark any) count as neither supply nor spare
    // capacity: emergency promotion sees the gap.
    // A supernode that is only late with its report still counts until it expires: on a
    // saturated machine reports are late all the time, and a replacement promoted for each
    // late one was an excess supernode later demoted, its clients moved (1,000 packed peers:
    // 53 supernodes where 40 were wanted, 18 expiries, 3 excess demotions during bring-up)
    const supernodes: SupernodeState[] = [...this.supernodes.values()]
      .filter(s => !this.demoting.has(s.id) && !s.suspect)
      .map(s => ({ id: s.id, load: s.load + s.referred, capacity: s.capacity, promotedAtMs: s.promotedAtMs, lastReportMs: s.lastReportMs, dedicated: s.dedicated }))
    for (const [id, p] of this.pending) {
      supernodes.push({ id, load: 0, capacity: p.capacity, promotedAtMs: p.orderedAtMs, lastReportMs: p.orderedAtMs })
    }
    return { nowMs: now, supernodes, candidates, loggedIn: this.loggedIn(), unserved: this.unserved.size }
  }

  private rememberCandidate (c: TrackedCandidate): void {
    if (!isFiniteProfile(c.profile)) return
    this.candidates.delete(c.id)
    if (this.candidates.size >= this.opts.maxCandidates) {
      const oldest = this.candidates.keys().next().value
      if (oldest != null) this.candidates.delete(oldest)
    }
    this.candidates.set(c.id, c)
  }

  private expire (now: number): void {
    // called on every log-in, report and held request's poll: a sweep over every tracked
    // peer each time was quadratic in the network's size; expiry to the nearest
    // EXPIRE_SWEEP_MS is as good (the clock going backwards sweeps at once)
    if (now >= this.sweptAtMs && now - this.sweptAtMs < EXPIRE_SWEEP_MS) return
    this.sweptAtMs = now
    for (const [id, sn] of this.supernodes) {
      if (now - sn.lastReportMs > this.opts.supernodeExpiryMs) {
        this.supernodes.delete(id)
        this.demoting.delete(id)
        this.ctx.events.write({ type: 'supernode-expired', supernode: id })
      }
    }
    for (const [id, p] of this.pending) {
      if (now - p.orderedAtMs > this.opts.promotionGraceMs) this.pending.delete(id)
    }
    const window = Math.max(DEFAULT_UNSERVED_WINDOW_MS, this.opts.supernodeExpiryMs)
    for (const [id, t] of this.unserved) {
      if (now - t > window) this.unserved.delete(id)
    }
    for (const [id, c] of this.candidates) {
      if (now - c.seenAtMs > 2 * window) this.candidates.delete(id)
    }
  }

  /**
   * Referrals as the policy chooses them among supernodes (in registration order), with
   * the load each has been referred since its last report counted in; the first choice's
   * expected load goes up by one.
   */
  /** A peer turned away (or held) for lack of supernodes: the demand emergency promotion answers. */
  private markUnserved (id: string, now: number): void {
    this.unserved.delete(id)
    if (this.unserved.size >= this.opts.maxCandidates) {
      const oldest = this.unserved.keys().next().value
      if (oldest != null) this.unserved.delete(oldest)
    }
    this.unserved.set(id, now)
  }

  /**
   * A supernode that may be referred: not being demoted, with an address, and (policies that
   * suspect) neither reported unreachable since its last report nor silent for too long.
   */
  private referable (s: TrackedSupernode, now: number): boolean {
    if (this.demoting.has(s.id) || s.addrs.length === 0) return false
    const suspect = this.allocation.suspectSupernodes
    if (suspect == null) return true
    return !s.suspect && now - s.lastReportMs <= suspect.afterMissedReports * this.opts.reportIntervalMs
  }

  private pickReferrals (exclude: string, avoid: ReadonlySet<string>): SupernodeInfo[] {
    const now = this.ctx.clock.now()
    const live = [...this.supernodes.values()].filter(s => s.id !== exclude && !avoid.has(s.id) && this.referable(s, now))
    const byId = new Map(live.map(s => [s.id, s]))
    const chosen = this.allocation.referral
      .choose(live.map(s => ({ id: s.id, load: s.load + s.referred, capacity: s.capacity })), this.opts.referrals, this.random)
      .map(c => byId.get(c.id))
      .filter((s): s is TrackedSupernode => s != null)
    if (chosen[0] != null) chosen[0].referred++
    return chosen.map(s => wireInfo(s))
  }

  private sampleSupernodes (exclude: string, n: number): SupernodeInfo[] {
    const now = this.ctx.clock.now()
    const all = [...this.supernodes.values()].filter(s => s.id !== exclude && this.referable(s, now))
    return sample(all, n, this.random).map(s => wireInfo(s))
  }
}

/** The login server forgets silent supernodes and stale candidates to the nearest this many ms. */
const EXPIRE_SWEEP_MS = 100

/** A tracked supernode as a referral, from its cached wire form. */
function wireInfo (s: TrackedSupernode): SupernodeInfo {
  return { id: s.wire.id, addrs: s.wire.addrs, load: s.load + s.referred, capacity: s.capacity }
}

function sameBytes (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (!equals(a[i] as Uint8Array, b[i] as Uint8Array)) return false
  }
  return true
}

function isFiniteProfile (p: ResourceProfile | undefined): p is ResourceProfile {
  return p != null && Number.isFinite(p.capacity) && p.capacity >= 0 && Number.isFinite(p.bandwidthKbps) && p.bandwidthKbps >= 0
}

/**
 * The login server: the one central component. Authenticates a peer (its Noise-verified
 * PeerId), signs a login token, refers it to supernodes with a free slot, admits at most
 * `loginsPerSecond`, tracks supernodes from their load reports and runs the promotion
 * policy over the peers it knows.
 */
export function loginServer (init: LoginServerInit = {}): (components: LoginServerComponents) => LoginServer {
  return (components) => new DefaultLoginServer(components, init)
}
