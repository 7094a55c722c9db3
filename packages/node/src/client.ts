import { setTimeout as sleepFor } from 'node:timers/promises'
import { logger } from '@libp2p/logger'
import { createPolicy, retryState, seededRandom } from '@stampede/allocation'
import {
  ATTACH_PROTOCOL, ClientFrame, LOGIN_PROTOCOL, LoginRequest, MAX_LOGIN_RESPONSE_BYTES, MAX_LOGIN_WAIT_MS, MAX_UNREACHABLE,
  MAX_PRESENCE_ANSWER_BYTES, MAX_SUPERNODE_FRAME_BYTES, PRESENCE_PROTOCOL, PresenceLookup,
  RefusalReason, SupernodeFrame, decode
} from '@stampede/wire'
import {
  DEFAULT_ATTACH_TRIES_PER_ROUND, DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY_BASE_MS, DEFAULT_RETRY_MAX_MS, MAX_RATE_LIMIT_WAITS
} from './constants.js'
import { PeerTimeoutError, RefusedError } from './errors.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { bytes, deadline, framed, infoFromWire, resetReason, toDialable, withDeadline } from './framing.js'
import { defaultContext } from './shared.js'
import { tokenExpiry } from './token.js'
import type { FramedStream } from './framing.js'
import type { HostCache } from './host-cache.js'
import type { OverlayContext } from './shared.js'
import type { LoginServerAddress } from './supernode.js'
import type { PeerId, Startable, Stream } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { AllocationPolicy, Random, ResourceProfile, RetryState } from '@stampede/allocation'
import type { NetworkView, SupernodeInfo } from '@stampede/wire'

export type ClientState = 'idle' | 'logging-in' | 'attaching' | 'attached' | 'waiting'

export interface ClientInit {
  loginServer: LoginServerAddress
  profile: ResourceProfile
  hostCache: HostCache
  /** the user name to log in as; @default the PeerId */
  user?: string
  startedAtMs?: number
  /** @default 1_000 */
  heartbeatIntervalMs?: number
  /** @default 3_500 */
  heartbeatTimeoutMs?: number
  /** @default 5_000 */
  requestTimeoutMs?: number
  /** @default 250 */
  retryBaseMs?: number
  /** @default 5_000 */
  retryMaxMs?: number
  /** supernodes tried before asking the login server for fresh referrals; @default 4 */
  attachTriesPerRound?: number
  random?: Random
  /** retry, and the order and forgetting of the host cache; @default createPolicy({ family: 'adaptive' }) */
  policy?: AllocationPolicy
  context?: OverlayContext
  /** the login server or our supernode asked this peer to become a supernode */
  onPromote?(token: Uint8Array): void
  /** logged in (attached) or not any more */
  onLoggedInChange?(loggedIn: boolean): void
}

export interface ClientComponents {
  connectionManager: ConnectionManager
  peerId: PeerId
}

export interface Client {
  readonly state: ClientState
  /** PeerId of the supernode we are attached to */
  readonly supernode: string | null
  readonly token: Uint8Array | null
  readonly loggedIn: boolean
  readonly view: NetworkView | undefined
  /** retry-budget tokens left; null when the policy has no budget */
  readonly retryBudget: number | null
  /** start logging in and attaching, in the background */
  begin(): void
  /** stop; detach from the supernode politely unless `abrupt` */
  end(opts?: { abrupt?: boolean }): Promise<void>
  /** ask our supernode where `user` is attached */
  lookup(user: PeerId, signal?: AbortSignal): Promise<{ id: string, addrs: string[] } | null>
}

interface Target { id: string, addrs: string[] }

type Outcome =
  | { kind: 'lost', cause: string }
  | { kind: 'moved', alternatives: Target[] }
  | { kind: 'refused', reason: RefusalReason, retryAfterMs: number, alternatives: Target[] }
  | { kind: 'unreachable', error: string, timeout: boolean }
  | { kind: 'promote' }
  | { kind: 'stopped' }

function targets (infos: readonly SupernodeInfo[]): Target[] {
  return infos.map(infoFromWire).filter((t): t is NonNullable<typeof t> => t != null).map(t => ({ id: t.id, addrs: t.addrs }))
}

class DefaultClient implements Client, Startable {
  private readonly components: ClientComponents
  private readonly init: ClientInit
  private readonly ctx: OverlayContext
  private readonly log: ReturnType<typeof logger>
  private readonly policy: AllocationPolicy
  private readonly retry: RetryState
  private readonly opts: Required<Pick<ClientInit, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'requestTimeoutMs' | 'attachTriesPerRound' | 'startedAtMs'>>
  private controller: AbortController | undefined
  private loop: Promise<void> | undefined
  private session: { target: Target, f: FramedStream, stream: Stream } | undefined
  private _state: ClientState = 'idle'
  private _token: Uint8Array | null = null
  private _view: NetworkView | undefined
  private seq = 0
  /** supernodes we failed to reach since our last referrals, newest last (told to the login server) */
  private readonly unreachable = new Set<string>()

  constructor (components: ClientComponents, init: ClientInit) {
    this.components = components
    this.init = init
    this.ctx = init.context ?? defaultContext('client')
    this.log = logger(`stampede:${this.ctx.name}:client`)
    this.policy = init.policy ?? createPolicy({
      family: 'adaptive',
      retry: { baseMs: init.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, maxMs: init.retryMaxMs ?? DEFAULT_RETRY_MAX_MS }
    }, this.ctx.clock)
    this.retry = retryState(this.policy.retry, init.random ?? seededRandom(Date.now()))
    this.opts = {
      heartbeatIntervalMs: init.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: init.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      attachTriesPerRound: init.attachTriesPerRound ?? DEFAULT_ATTACH_TRIES_PER_ROUND,
      startedAtMs: init.startedAtMs ?? this.ctx.clock.now()
    }
  }

  readonly [Symbol.toStringTag] = '@stampede/client'

  get state (): ClientState { return this._state }
  get supernode (): string | null { return this._state === 'attached' ? this.session?.target.id ?? null : null }
  get token (): Uint8Array | null { return this._token }
  get loggedIn (): boolean { return this._state === 'attached' }
  get view (): NetworkView | undefined { return this._view }
  /**
   * Retry-budget tokens left (policies with a budget; null without one): a failure spends
   * one, an answered request (a log-in, a heartbeat) returns the budget's `ratio` of one.
   */
  get retryBudget (): number | null { return Number.isFinite(this.retry.tokens) ? this.retry.tokens : null }

  async start (): Promise<void> {}

  async stop (): Promise<void> {
    await this.end()
  }

  begin (): void {
    if (this.loop != null) return
    const controller = this.controller = new AbortController()
    this.ctx.metrics.setRole('client')
    this.loop = this.run(controller.signal)
      .catch((err: unknown) => { this.log.error('client loop failed: %e', err) })
      .finally(() => {
        this.setState('idle')
        this.loop = undefined
      })
  }

  async end (opts: { abrupt?: boolean } = {}): Promise<void> {
    const session = this.session
    if (session != null && opts.abrupt !== true && this._state === 'attached') {
      try {
        await session.f.write(ClientFrame.encode({ type: ClientFrame.Type.DETACH, seq: ++this.seq }), deadline(500))
        await session.stream.close({ signal: deadline(500) })
      } catch {
        session.stream.abort(new Error('client stopping'))
      }
    }
    this.controller?.abort()
    await this.loop
  }

  async lookup (user: PeerId, signal?: AbortSignal): Promise<{ id: string, addrs: string[] } | null> {
    const target = this.session?.target
    if (target == null || this._state !== 'attached') throw new RefusedError('NOT_ATTACHED', 0, 'not attached to a supernode')
    const s = deadline(this.opts.requestTimeoutMs, signal)
    const conn = await this.components.connectionManager.openConnection(toDialable(target.id, target.addrs), { signal: s })
    const stream = await conn.newStream(PRESENCE_PROTOCOL, { signal: s, negotiateFully: false })
    const f = framed(stream, MAX_PRESENCE_ANSWER_BYTES)
    try {
      await f.write(PresenceLookup.encode({ user: bytes(user.toMultihash().bytes) }), s)
      const answer = await f.read(decode.presenceAnswer, s)
      await stream.close({ signal: s })
      if (!answer.found || answer.supernode == null) return null
      const info = infoFromWire(answer.supernode)
      return info == null ? null : { id: info.id, addrs: info.addrs }
    } catch (err: unknown) {
      stream.abort(err as Error)
      throw err
    }
  }

  private setState (state: ClientState): void {
    const was = this._state === 'attached'
    this._state = state
    const is = state === 'attached'
    if (was !== is) {
      this.ctx.metrics.loggedIn.set(is ? 1 : 0)
      this.init.onLoggedInChange?.(is)
    }
  }

  private uptime (): number {
    return Math.max(0, this.ctx.clock.now() - this.opts.startedAtMs)
  }

  private tokenUsable (): boolean {
    return this._token != null && tokenExpiry(this._token) - this.ctx.clock.now() > 60_000
  }

  private async wait (ms: number, signal: AbortSignal): Promise<void> {
    this.setState('waiting')
    await sleepFor(ms, undefined, { signal }).catch(() => {})
  }

  private async run (signal: AbortSignal): Promise<void> {
    let needReferrals = true
    let fresh: Target[] = []
    const tried = new Set<string>()
    /** how often each supernode's retry-after was waited out in this round */
    const rateLimitWaits = new Map<string, number>()
    while (!signal.aborted) {
      if (!this.tokenUsable() || needReferrals) {
        let response
        try {
          response = await this.login(signal)
        } catch (err: unknown) {
          if (signal.aborted) return
          if (resetReason(err) === 'timeout') this.retry.timedOut()
          this.ctx.metrics.loginAttempts.inc({ result: resetReason(err) === 'timeout' ? 'timeout' : 'error' })
          this.ctx.events.write({ type: 'login-failed', error: (err as Error).message })
          await this.wait(this.retry.failure(), signal)
          continue
        }
        if (response.token.byteLength > 0) this._token = response.token
        if (response.view != null) this._view = response.view
        if (response.promote && this._token != null) {
          this.ctx.metrics.loginAttempts.inc({ result: 'promote' })
          this.ctx.events.write({ type: 'login-ok', promote: true })
          this.init.onPromote?.(this._token)
          return
        }
        if (response.refusal != null) {
          const reason = RefusalReason[response.refusal.reason] ?? 'UNKNOWN'
          this.ctx.metrics.loginAttempts.inc({ result: reason.toLowerCase() })
          this.ctx.events.write({ type: 'login-refused', reason, retryAfterMs: response.refusal.retryAfterMs })
          await this.wait(this.retry.failure(response.refusal.retryAfterMs), signal)
          continue
        }
        this.ctx.metrics.loginAttempts.inc({ result: 'ok' })
        this.retry.success()
        this.ctx.events.write({ type: 'login-ok', referrals: response.referrals.length })
        fresh = targets(response.referrals)
        for (const t of fresh) this.init.hostCache.seen(t.id, t.addrs)
        this.unreachable.clear()
        needReferrals = false
        tried.clear()
        rateLimitWaits.clear()
      }

      const next = this.nextTarget(fresh, tried)
      if (next == null) {
        needReferrals = true
        await this.wait(this.retry.failure(), signal)
        continue
      }
      fresh = fresh.filter(t => t.id !== next.id)
      tried.add(next.id)
      const outcome = await this.attachTo(next, signal)
      switch (outcome.kind) {
        case 'stopped':
          return
        case 'promote':
          if (this._token != null) this.init.onPromote?.(this._token)
          return
        case 'lost':
        case 'moved':
          tried.clear()
          tried.add(next.id)
          if (outcome.kind === 'lost') {
            this.init.hostCache.failed(next.id)
            if (outcome.cause === 'closed') this.noteUnreachable(next.id)
          } else {
            this.forget(next.id)
          }
          fresh = outcome.kind === 'moved' ? outcome.alternatives : []
          this.ctx.metrics.failovers.inc({ cause: outcome.kind === 'moved' ? 'moved' : outcome.cause })
          this.ctx.events.write({ type: 'supernode-lost', supernode: next.id, cause: outcome.kind === 'moved' ? 'moved' : outcome.cause })
          break
        case 'refused':
          this.ctx.metrics.attachAttempts.inc({ result: (RefusalReason[outcome.reason] ?? 'refused').toLowerCase() })
          if (this.shouldWaitOut(outcome, rateLimitWaits.get(next.id) ?? 0)) {
            // a supernode with free slots asked us to come back shortly: waiting costs
            // nothing, while going back to the login server costs it a request
            rateLimitWaits.set(next.id, (rateLimitWaits.get(next.id) ?? 0) + 1)
            tried.delete(next.id)
            fresh.unshift(next)
            await this.wait(outcome.retryAfterMs, signal)
            continue
          }
          fresh.push(...outcome.alternatives.filter(a => !tried.has(a.id)))
          if (outcome.reason === RefusalReason.BAD_TOKEN) {
            this._token = null
          } else if (outcome.reason === RefusalReason.NOT_SUPERNODE) {
            this.forget(next.id)
          } else {
            this.init.hostCache.seen(next.id, next.addrs)
          }
          break
        case 'unreachable':
          this.ctx.metrics.attachAttempts.inc({ result: outcome.timeout ? 'timeout' : 'unreachable' })
          this.init.hostCache.failed(next.id)
          this.noteUnreachable(next.id)
          break
      }
      if (outcome.kind === 'refused' || outcome.kind === 'unreachable') {
        if (tried.size >= this.opts.attachTriesPerRound) {
          needReferrals = true
          const refusal = outcome.kind === 'refused' ? outcome.retryAfterMs : undefined
          await this.wait(this.retry.failure(refusal), signal)
        }
      }
    }
  }

  /**
   * Wait out a supernode's rate limit instead of moving on (policies that honour retry-after):
   * it has free slots and said when, so the wait replaces a request to the login server.
   */
  private shouldWaitOut (outcome: Extract<Outcome, { kind: 'refused' }>, waitedBefore: number): boolean {
    return this.policy.retry.honorRetryAfter &&
      outcome.reason === RefusalReason.RATE_LIMITED &&
      outcome.retryAfterMs > 0 && outcome.retryAfterMs <= this.opts.requestTimeoutMs &&
      waitedBefore < MAX_RATE_LIMIT_WAITS
  }

  private noteUnreachable (id: string): void {
    this.unreachable.delete(id)
    this.unreachable.add(id)
    while (this.unreachable.size > MAX_UNREACHABLE) {
      const oldest = this.unreachable.values().next().value
      if (oldest == null) break
      this.unreachable.delete(oldest)
    }
  }

  /** A supernode that is no longer one: dropped from the host cache, unless the policy never forgets. */
  private forget (id: string): void {
    if (this.policy.hostCache.forgetAfterFailures === null) this.init.hostCache.failed(id)
    else this.init.hostCache.remove(id)
  }

  /**
   * The next supernode to try, skipping those tried this round: fresh referrals and
   * alternatives before the host cache (`fresh-first`), or the host cache in its own
   * order first (`cache-first`, the legacy herding onto stale entries).
   */
  private nextTarget (fresh: Target[], tried: Set<string>): Target | undefined {
    const self = this.components.peerId.toString()
    const fromFresh = (): Target | undefined => fresh.find(t => !tried.has(t.id) && t.id !== self)
    const fromCache = (): Target | undefined => {
      if (tried.size >= this.opts.attachTriesPerRound) return undefined
      const e = this.init.hostCache.ordered().find(e => !tried.has(e.id) && e.id !== self)
      return e == null ? undefined : { id: e.id, addrs: e.addrs }
    }
    return this.policy.hostCache.order === 'cache-first' ? fromCache() ?? fromFresh() : fromFresh() ?? fromCache()
  }

  private async login (signal: AbortSignal) {
    this.setState('logging-in')
    // a peer already logged in only wants referrals: it may wait at the login server for a
    // supernode (a promotion under way) instead of coming back again and again
    const holder = this.tokenUsable() && this._token != null
    const waitMs = Math.min(MAX_LOGIN_WAIT_MS, this.opts.requestTimeoutMs + (holder ? this.policy.referralHoldMs : 0))
    // the server holds the request up to waitMs; after timeouts, a slow server is given more
    const s = deadline(waitMs + this.retry.timeoutMs(this.opts.requestTimeoutMs) - this.opts.requestTimeoutMs, signal)
    const { id, addrs } = this.init.loginServer
    const conn = await this.components.connectionManager.openConnection(toDialable(id, addrs), { signal: s })
    const stream = await conn.newStream(LOGIN_PROTOCOL, { signal: s, negotiateFully: false })
    const f = framed(stream, MAX_LOGIN_RESPONSE_BYTES)
    try {
      await f.write(LoginRequest.encode({
        user: this.init.user ?? '',
        profile: this.init.profile,
        uptimeMs: this.uptime(),
        token: holder && this._token != null ? bytes(this._token) : new Uint8Array(),
        unreachable: [...this.unreachable].flatMap(id => {
          try { return [bytes(peerIdFromString(id).toMultihash().bytes)] } catch { return [] }
        }),
        waitMs
      }), s)
      this.ctx.metrics.messages.inc({ direction: 'out' })
      const response = await f.read(decode.loginResponse, s)
      this.retry.answered()
      this.ctx.metrics.messages.inc({ direction: 'in' })
      await stream.close({ signal: s }).catch(() => {})
      return response
    } catch (err: unknown) {
      stream.abort(err as Error)
      throw err
    }
  }

  private async attachTo (target: Target, signal: AbortSignal): Promise<Outcome> {
    const token = this._token
    if (token == null) return { kind: 'refused', reason: RefusalReason.BAD_TOKEN, retryAfterMs: 0, alternatives: [] }
    this.setState('attaching')
    let stream: Stream
    let f: FramedStream
    let reply: SupernodeFrame
    const began = this.ctx.clock.now()
    const timeoutMs = this.retry.timeoutMs(this.opts.requestTimeoutMs)
    try {
      const s = deadline(timeoutMs, signal)
      const conn = await this.components.connectionManager.openConnection(toDialable(target.id, target.addrs), { signal: s })
      stream = await conn.newStream(ATTACH_PROTOCOL, { signal: s, negotiateFully: false })
      f = framed(stream, MAX_SUPERNODE_FRAME_BYTES)
      await f.write(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, seq: ++this.seq, token: bytes(token), profile: this.init.profile, uptimeMs: this.uptime() }), s)
      this.ctx.metrics.messages.inc({ direction: 'out' })
      reply = await f.read(decode.supernodeFrame, s)
      this.ctx.metrics.messages.inc({ direction: 'in' })
    } catch (err: unknown) {
      if (signal.aborted) return { kind: 'stopped' }
      const timeout = resetReason(err) === 'timeout'
      if (timeout) this.retry.timedOut()
      this.ctx.events.write({ type: 'attach-failed', supernode: target.id, timeout, timeoutMs, ms: this.ctx.clock.now() - began, error: (err as Error).message })
      return { kind: 'unreachable', error: (err as Error).message, timeout }
    }
    this.retry.answered()
    if (reply.type === SupernodeFrame.Type.REFUSED && reply.refusal != null) {
      await stream.close({ signal: deadline(this.opts.requestTimeoutMs) }).catch(() => { stream.abort(new Error('close timed out')) })
      this.ctx.events.write({ type: 'attach-refused', supernode: target.id, reason: RefusalReason[reply.refusal.reason] })
      return { kind: 'refused', reason: reply.refusal.reason, retryAfterMs: reply.refusal.retryAfterMs, alternatives: targets(reply.refusal.alternatives) }
    }
    if (reply.type !== SupernodeFrame.Type.ATTACHED) {
      stream.abort(new Error('unexpected reply to ATTACH'))
      return { kind: 'unreachable', error: 'unexpected reply to ATTACH', timeout: false }
    }
    this.session = { target, f, stream }
    this.init.hostCache.seen(target.id, target.addrs)
    this.ctx.metrics.attachAttempts.inc({ result: 'ok' })
    this.ctx.events.write({ type: 'attached', supernode: target.id, load: reply.load, capacity: reply.capacity })
    if (reply.view != null) this._view = reply.view
    this.setState('attached')
    try {
      return await this.heartbeat(f, stream, signal)
    } finally {
      this.session = undefined
      if (this._state === 'attached') this.setState('attaching')
    }
  }

  /** Heartbeat until the supernode goes away, moves us, or promotes us. */
  private async heartbeat (f: FramedStream, stream: Stream, signal: AbortSignal): Promise<Outcome> {
    // wake up at once when the connection or stream closes instead of waiting a beat
    const closed = new AbortController()
    const onClose = (): void => { closed.abort() }
    stream.addEventListener('close', onClose, { once: true })
    const wake = AbortSignal.any([signal, closed.signal])
    try {
      while (true) {
        await sleepFor(this.opts.heartbeatIntervalMs, undefined, { signal: wake }).catch(() => {})
        if (signal.aborted) return { kind: 'stopped' }
        if (closed.signal.aborted) return { kind: 'lost', cause: 'closed' }
        try {
          const frame = await withDeadline(this.opts.heartbeatTimeoutMs, signal, async (s) => {
            await f.write(ClientFrame.encode({ type: ClientFrame.Type.HEARTBEAT, seq: ++this.seq, uptimeMs: this.uptime() }), s)
            this.ctx.metrics.messages.inc({ direction: 'out' })
            return f.read(decode.supernodeFrame, s)
          })
          this.ctx.metrics.messages.inc({ direction: 'in' })
          // an answered heartbeat is a request that succeeded: the retry budget refills as
          // gRPC's retry throttling does on every successful call. Counting log-ins alone, a
          // client in a long session lost a token at each failover and got back a tenth:
          // after six supernode crashes it waited out a cooldown (2-6 s) at every one after
          if (frame.type === SupernodeFrame.Type.HEARTBEAT_ACK) this.retry.success()
          if (frame.view != null) this._view = frame.view
          if (frame.type === SupernodeFrame.Type.MOVE) {
            await stream.close({ signal: deadline(500) }).catch(() => { stream.abort(new Error('close timed out')) })
            return { kind: 'moved', alternatives: targets(frame.alternatives) }
          }
          if (frame.type === SupernodeFrame.Type.HEARTBEAT_ACK && frame.promote) {
            await f.write(ClientFrame.encode({ type: ClientFrame.Type.DETACH, seq: ++this.seq }), deadline(500)).catch(() => {})
            await stream.close({ signal: deadline(500) }).catch(() => { stream.abort(new Error('promoted')) })
            return { kind: 'promote' }
          }
        } catch (err: unknown) {
          if (signal.aborted) return { kind: 'stopped' }
          stream.abort(err instanceof Error ? err : new PeerTimeoutError(String(err)))
          return { kind: 'lost', cause: resetReason(err) === 'timeout' ? 'timeout' : 'closed' }
        }
      }
    } finally {
      stream.removeEventListener('close', onClose)
    }
  }
}

/**
 * The client role: logs in through the login server, attaches to a supernode (fresh
 * referrals first, then its host cache), heartbeats, and fails over when its supernode
 * closes the connection, misses heartbeats or tells it to move.
 */
export function client (init: ClientInit): (components: ClientComponents) => Client {
  return (components) => new DefaultClient(components, init)
}
