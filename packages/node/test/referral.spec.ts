import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { LOGIN_PROTOCOL, LoginRequest, MAX_LOGIN_RESPONSE_BYTES, MAX_REPORT_ACK_BYTES, REPORT_PROTOCOL, RefusalReason, SupernodeReport, decode } from '@stampede/wire'
import { createLibp2p } from 'libp2p'
import { infoFromWire } from '../src/framing.js'
import { createOverlayNode } from '../src/index.js'
import { makeTempDir, metricValue, removeTempDir, waitFor } from './helpers.js'
import type { OverlayNode, OverlayNodeInit, TimingOptions } from '../src/index.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { ResourceProfile } from '@stampede/allocation'
import type { LoginResponse } from '@stampede/wire'

const DESKTOP: ResourceProfile = { name: 'desktop', reachable: true, capacity: 3, bandwidthKbps: 1000 }
const LAPTOP: ResourceProfile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }

/**
 * Reports once a second and a long expiry: a crashed supernode stays on the login server's
 * books for seconds, the window in which a client's word about it matters.
 */
const TIMING: Partial<TimingOptions> = {
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 700,
  reportIntervalMs: 1_000,
  supernodeExpiryMs: 8_000,
  requestTimeoutMs: 1_000,
  retryBaseMs: 50,
  retryMaxMs: 500
}

describe('referrals of the login server: suspect supernodes and held requests', () => {
  const dirs: string[] = []
  const nodes: OverlayNode[] = []
  const raws: Libp2p[] = []

  afterEach(async () => {
    for (const r of raws.splice(0)) await Promise.resolve(r.stop()).catch(() => {})
    for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => {})
  })

  after(async () => {
    for (const d of dirs) await removeTempDir(d)
  })

  /** the data directory of each node started, by name */
  const dataDirs = new Map<string, string>()

  async function start (init: Omit<OverlayNodeInit, 'dataDir'>, dataDir?: string): Promise<OverlayNode> {
    if (dataDir == null) {
      dataDir = await makeTempDir(`stampede-referral-${init.name}-`)
      dirs.push(dataDir)
    }
    dataDirs.set(init.name, dataDir)
    const node = await createOverlayNode({ timing: TIMING, eventLog: false, ...init, dataDir })
    nodes.push(node)
    return node
  }

  async function loginServer (family: 'legacy' | 'adaptive', switches?: Record<string, boolean>, onEvent?: OverlayNodeInit['onEvent']): Promise<OverlayNode> {
    return start({
      name: 'login',
      onEvent,
      role: 'login',
      seed: 1,
      policy: { family, ...(switches != null ? { switches } : {}) },
      promotion: { clientsPerSupernode: 2, minSupernodes: 2, eligibility: { minUptimeMs: 0 } }
    })
  }

  async function peer (login: OverlayNode, name: string, profile: ResourceProfile, seed: number): Promise<OverlayNode> {
    return start({ name, role: 'peer', profile, seed, loginServer: { id: login.peerId.toString(), addrs: login.status().addrs } })
  }

  /** A bare libp2p node that speaks the login protocol by hand, as a client would. */
  async function rawPeer (): Promise<Libp2p> {
    const raw = await createLibp2p({
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false }
    })
    raws.push(raw)
    return raw
  }

  async function ask (raw: Libp2p, login: OverlayNode, req: Partial<LoginRequest>, timeoutMs = 3_000): Promise<LoginResponse> {
    const stream = await raw.dialProtocol(login.status().addrs.map(a => multiaddr(a)), LOGIN_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) })
    const lp = lpStream(stream, { maxDataLength: MAX_LOGIN_RESPONSE_BYTES })
    try {
      await lp.write(LoginRequest.encode({ user: 'raw', profile: LAPTOP, uptimeMs: 0, token: new Uint8Array(), ...req }))
      const res = decode.loginResponse((await lp.read({ signal: AbortSignal.timeout(timeoutMs) })).subarray())
      await stream.close()
      return res
    } catch (err: unknown) {
      stream.abort(err as Error)
      throw err
    }
  }

  const idBytes = (node: OverlayNode): Uint8Array<ArrayBuffer> => peerIdFromString(node.peerId.toString()).toMultihash().bytes as Uint8Array<ArrayBuffer>
  const referred = (res: LoginResponse): string[] => res.referrals.map(r => infoFromWire(r)?.id ?? 'garbage').sort()

  async function twoSupernodes (login: OverlayNode): Promise<[OverlayNode, OverlayNode]> {
    const a = await peer(login, 'desktop-1', DESKTOP, 11)
    const b = await peer(login, 'desktop-2', DESKTOP, 12)
    await waitFor('both desktops registered as supernodes', () => login.status().network?.supernodes.length === 2, 15_000)
    return [a, b]
  }

  it('never refers a peer back to a supernode it reports unreachable, and nobody else until that supernode reports again', async () => {
    const login = await loginServer('adaptive')
    const [a, b] = await twoSupernodes(login)
    const raw = await rawPeer()
    const first = await ask(raw, login, {})
    assert.equal(first.refusal, undefined)
    assert.equal(referred(first).length, 2, 'both supernodes are referred while nobody has complained')

    // a live supernode that one peer calls unreachable: not referred to that peer, nor
    // (suspect) to another, until its next report clears it
    const res = await ask(raw, login, { token: first.token, unreachable: [idBytes(a)] })
    assert.deepEqual(referred(res), [b.peerId.toString()])
    const other = await rawPeer()
    assert.deepEqual(referred(await ask(other, login, {})), [b.peerId.toString()], 'a suspect is referred to nobody')
    await waitFor('the live supernode to clear itself with its next report', async () =>
      referred(await ask(other, login, {})).includes(a.peerId.toString()), 3_000, 100)

    // a crashed one stays suspect: it never reports again, though it has not expired yet
    await a.crash()
    nodes.splice(nodes.indexOf(a), 1)
    const after = await ask(raw, login, { token: first.token, unreachable: [idBytes(a)] })
    assert.deepEqual(referred(after), [b.peerId.toString()])
    assert.ok(login.status().network?.supernodes.some(s => s.id === a.peerId.toString()), 'not expired yet: the exclusion is the suspicion')
    await new Promise(resolve => setTimeout(resolve, 1_200))
    assert.deepEqual(referred(await ask(other, login, {})), [b.peerId.toString()])
  })

  it('suspects a supernode whose connection to the login server went down at once (adaptive), not so legacy', async () => {
    for (const family of ['adaptive', 'legacy'] as const) {
      const events: Array<{ type: string, supernode?: unknown, by?: unknown }> = []
      // legacy with its promotion faults off, so that two supernodes come up at once
      const login = await loginServer(family, family === 'legacy' ? { slowPromotion: false, globalPromotionLimit: false } : undefined, (e) => { events.push(e) })
      const [a, b] = await twoSupernodes(login)
      const raw = await rawPeer()
      assert.equal(referred(await ask(raw, login, {})).length, 2)
      // nobody reports it unreachable: the crash resets its connection to the login server
      await a.crash()
      nodes.splice(nodes.indexOf(a), 1)
      const byDisconnect = (): boolean => events.some(e => e.type === 'supernode-suspect' && e.by === 'disconnect' && e.supernode === a.peerId.toString())
      if (family === 'adaptive') {
        await waitFor('the login server to suspect the crashed supernode', byDisconnect, 1_000, 20)
        assert.deepEqual(referred(await ask(raw, login, {})), [b.peerId.toString()])
        assert.ok(login.status().network?.supernodes.some(s => s.id === a.peerId.toString()), 'not expired yet: the exclusion is the suspicion')
      } else {
        await new Promise(resolve => setTimeout(resolve, 500))
        assert.equal(byDisconnect(), false)
        assert.ok(referred(await ask(raw, login, {})).includes(a.peerId.toString()), 'legacy refers it until it expires')
      }
      for (const r of raws.splice(0)) await Promise.resolve(r.stop()).catch(() => {})
      for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => {})
    }
  })

  it('ends the term of a crashed supernode that logs in again, and promotes it again before it would have expired (adaptive)', async () => {
    const events: Array<{ type: string, supernode?: unknown, by?: unknown }> = []
    const login = await loginServer('adaptive', undefined, (e) => { events.push(e) })
    const [a] = await twoSupernodes(login)
    const id = a.peerId.toString()
    await a.crash()
    nodes.splice(nodes.indexOf(a), 1)
    await waitFor('the login server to suspect the crashed supernode', () =>
      events.some(e => e.type === 'supernode-suspect' && e.by === 'disconnect' && e.supernode === id), 1_000, 20)
    // restarted with the same identity: it logs in as a peer. Still registered, it was no
    // candidate for promotion until its registration expired (supernodeExpiryMs, 8 s here),
    // and the network stayed one supernode short (minSupernodes 2)
    const restartedAt = Date.now()
    const again = await start({ name: 'desktop-1', role: 'peer', profile: DESKTOP, seed: 11, loginServer: { id: login.peerId.toString(), addrs: login.status().addrs } }, dataDirs.get('desktop-1'))
    assert.equal(again.peerId.toString(), id)
    await waitFor('the restarted peer to serve again', () => again.status().role === 'supernode' && again.status().loggedIn, 4_000, 20)
    assert.ok(events.some(e => e.type === 'supernode-ended' && e.supernode === id))
    assert.ok(!events.some(e => e.type === 'supernode-expired' && e.supernode === id), 'it expired instead')
    assert.ok(Date.now() - restartedAt < (TIMING.supernodeExpiryMs ?? 0))
  })

  it('rejects and counts an unreachable entry that is not a peer id, and still answers', async () => {
    const login = await loginServer('adaptive')
    await twoSupernodes(login)
    const raw = await rawPeer()
    const before = await metricValue(login.metrics, 'stampede_rejected_input_total', { field: 'unreachable' })
    const res = await ask(raw, login, { unreachable: [new Uint8Array([1, 2, 3])] })
    assert.equal(referred(res).length, 2)
    assert.equal(await metricValue(login.metrics, 'stampede_rejected_input_total', { field: 'unreachable' }), before + 1)
  })

  it('holds a logged-in peer\'s referral request until a supernode registers, instead of refusing it', async () => {
    const login = await loginServer('adaptive')
    const raw = await rawPeer()
    // nobody can serve yet: a first log-in waits its short while, then is refused with a token
    const first = await ask(raw, login, {})
    assert.equal(first.refusal?.reason, RefusalReason.NO_SUPERNODE)
    assert.ok(first.token.byteLength > 0)
    // the same peer, now holding a token, asks once and is willing to wait
    const started = Date.now()
    const held = ask(raw, login, { token: first.token, waitMs: 10_000 }, 12_000)
    await new Promise(resolve => setTimeout(resolve, 300))
    const desktop = await peer(login, 'desktop-1', DESKTOP, 11)
    const res = await held
    assert.equal(res.refusal, undefined, `answered with a refusal after ${Date.now() - started} ms`)
    assert.deepEqual(referred(res), [desktop.peerId.toString()])
    assert.equal(await metricValue(login.metrics, 'stampede_login_requests_total', { result: 'no-supernode' }), 1, 'one refusal: the first log-in')
  })

  it('legacy: answers a logged-in peer at once, however long it would wait', async () => {
    const login = await loginServer('legacy')
    const raw = await rawPeer()
    const first = await ask(raw, login, {})
    assert.equal(first.refusal?.reason, RefusalReason.NO_SUPERNODE)
    const started = Date.now()
    const res = await ask(raw, login, { token: first.token, waitMs: 10_000 }, 12_000)
    assert.equal(res.refusal?.reason, RefusalReason.NO_SUPERNODE)
    assert.ok(Date.now() - started < 1_000, `answered after ${Date.now() - started} ms`)
  })

  it('counts a supernode that is only late with its report until it expires (adaptive): no replacement for lateness', async () => {
    const events: Array<{ type: string, ts: number, peer?: string, supernode?: string }> = []
    const dataDir = await makeTempDir('stampede-referral-late-')
    dirs.push(dataDir)
    // reports due every 400 ms: late (suspect for referrals) after 600 ms, expired after 2.5 s
    const login = await createOverlayNode({
      name: 'login',
      role: 'login',
      dataDir,
      eventLog: false,
      seed: 1,
      timing: { ...TIMING, reportIntervalMs: 400, supernodeExpiryMs: 2_500 },
      policy: { family: 'adaptive' },
      promotion: { clientsPerSupernode: 100, minSupernodes: 1, eligibility: { minUptimeMs: 0 } },
      onEvent: (e) => { events.push({ ...(e as { type: string }), ts: Date.now() }) }
    })
    nodes.push(login)
    // a supernode by hand: one report with room for everyone, then silence on an open connection
    const sn = await rawPeer()
    const snToken = (await ask(sn, login, {})).token
    const stream: Stream = await sn.dialProtocol(login.status().addrs.map(a => multiaddr(a)), REPORT_PROTOCOL, { signal: AbortSignal.timeout(3_000) })
    const lp = lpStream(stream, { maxDataLength: MAX_REPORT_ACK_BYTES })
    await lp.write(SupernodeReport.encode({ token: snToken, addrs: [], load: 0, capacity: 10, candidates: [], uptimeMs: 60_000, profile: DESKTOP }))
    const ack = decode.reportAck((await lp.read({ signal: AbortSignal.timeout(3_000) })).subarray())
    assert.equal(ack.refusal, undefined)
    const reportedAt = Date.now()
    // a desktop logs in: a candidate, not needed while the silent supernode counts
    const desktop = await rawPeer()
    const res = await ask(desktop, login, { profile: DESKTOP, uptimeMs: 60_000 })
    assert.equal(res.promote, false)

    const ordered = (): number | undefined => events.find(e => e.type === 'promotion-ordered')?.ts
    await new Promise(resolve => setTimeout(resolve, 2_000 - (Date.now() - reportedAt)))
    assert.equal(ordered(), undefined, 'late by several reports, but still connected: no replacement ordered')
    assert.ok(login.status().network?.supernodes.some(s => s.id === sn.peerId.toString()), 'not expired yet')

    // once it expires, the gap is seen and the desktop is ordered promoted
    await waitFor('a replacement ordered once the silent supernode expired', () => ordered() != null, 4_000, 50)
    const expiredAt = events.find(e => e.type === 'supernode-expired' && e.supernode === sn.peerId.toString())?.ts
    assert.ok(expiredAt != null && (ordered() ?? 0) >= expiredAt, 'ordered after the expiry, not before')
    stream.abort(new Error('done'))
  })
})
