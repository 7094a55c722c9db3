import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { ATTACH_PROTOCOL, ClientFrame, MAX_SUPERNODE_FRAME_BYTES, RefusalReason, decode } from '@stampede/wire'
import { createLibp2p } from 'libp2p'
import { framed } from '../src/framing.js'
import { createOverlayNode, issueToken, loadOrCreateIdentity } from '../src/index.js'
import { FAST_TIMING, TempDirs, metricValue, waitFor } from './helpers.js'
import type { OverlayEvent, OverlayNode } from '../src/index.js'
import type { PolicyDescription, ResourceProfile } from '@stampede/allocation'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { SupernodeFrame } from '@stampede/wire'

/** One client slot: once a laptop holds it, every other attach is refused BUSY. */
const TINY: ResourceProfile = { name: 'tiny', reachable: true, capacity: 1, bandwidthKbps: 1000 }
const LAPTOP: ResourceProfile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }
/** Legacy, with explicit refusals (each counted at once): two within 5 s drop the role. */
const POLICY: PolicyDescription = {
  family: 'legacy',
  switches: { silentRefusals: false },
  overload: { refusalsToDrop: 2, windowMs: 5_000 },
  // a one-slot desktop may be promoted, as soon as a client needs it
  promotion: { clientsPerSupernode: 1, eligibility: { minCapacity: 1, minUptimeMs: 0 } }
}

/**
 * The operator's mega-supernodes are dedicated servers: under the legacy overload rule an
 * ordinary supernode that keeps refusing attaches drops its role; a dedicated one keeps
 * it and goes on refusing.
 */
describe('overlay: a dedicated (operator) supernode under the legacy overload rule', () => {
  const dirs = new TempDirs('stampede-dedicated-')
  const nodes: OverlayNode[] = []
  const bare: Libp2p[] = []

  after(async () => {
    for (const b of bare) await Promise.resolve(b.stop()).catch(() => {})
    for (const n of nodes) await n.stop().catch(() => {})
    await dirs.removeAll()
  })

  /**
   * A login server, a capacity-1 supernode (the operator's, or a desktop the login server
   * promotes) and a laptop that takes its one slot.
   */
  async function fullSupernode (dedicated: boolean, policy: PolicyDescription = POLICY): Promise<{ sn: OverlayNode, events: OverlayEvent[], loginKey: PrivateKey }> {
    const root = await dirs.make()
    const login = await createOverlayNode({
      name: 'login', role: 'login', dataDir: root, timing: FAST_TIMING, seed: 7, policy, promotion: policy.promotion
    })
    nodes.push(login)
    const loginServer = { id: login.peerId.toString(), addrs: login.status().addrs }
    const loginKey = await loadOrCreateIdentity(root)
    const snDir = await dirs.make()
    let operatorToken: string | undefined
    if (dedicated) {
      const key = await loadOrCreateIdentity(snDir)
      const token = await issueToken(loginKey, { peer: peerIdFromPrivateKey(key), user: 'mega', issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000, operator: true })
      operatorToken = Buffer.from(token).toString('base64')
    }
    const events: OverlayEvent[] = []
    const sn = await createOverlayNode({
      name: dedicated ? 'mega' : 'desktop',
      role: 'peer',
      dataDir: snDir,
      profile: TINY,
      loginServer,
      timing: FAST_TIMING,
      seed: 11,
      policy,
      operatorToken,
      // up for an hour already: the legacy long-uptime rule does not hold back the desktop
      priorUptimeMs: 3_600_000,
      onEvent: (e) => { events.push(e) }
    })
    nodes.push(sn)
    const laptop = await createOverlayNode({ name: 'laptop', role: 'peer', dataDir: await dirs.make(), profile: LAPTOP, loginServer, timing: FAST_TIMING, seed: 20, policy })
    nodes.push(laptop)
    await waitFor(`${sn.name} to serve the laptop`, () => sn.role === 'supernode' && sn.status().load === 1, 10_000)
    return { sn, events, loginKey }
  }

  /** A bare libp2p peer with a valid token asks `sn` for a slot; resolves to the answer. */
  async function attach (sn: OverlayNode, loginKey: PrivateKey): Promise<SupernodeFrame> {
    const peer = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    bare.push(peer)
    const token = await issueToken(loginKey, { peer: peer.peerId, user: 'bare', issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000 })
    const addr = multiaddr(sn.status().addrs[0] as string) // carries /p2p/<id>
    const stream = await peer.dialProtocol(addr, ATTACH_PROTOCOL, { signal: AbortSignal.timeout(2_000) })
    const f = framed(stream, MAX_SUPERNODE_FRAME_BYTES)
    await f.write(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, seq: 1, token, profile: LAPTOP, uptimeMs: 0 }), AbortSignal.timeout(2_000))
    const reply = await f.read(decode.supernodeFrame, AbortSignal.timeout(2_000))
    await peer.stop()
    return reply
  }

  it('an ordinary supernode that keeps refusing drops its role', async () => {
    const { sn, events, loginKey } = await fullSupernode(false)
    for (let i = 0; i < 2; i++) assert.equal((await attach(sn, loginKey)).refusal?.reason, RefusalReason.BUSY)
    await waitFor('the desktop to drop its role', () => events.some(e => e.type === 'role-dropped'), 5_000)
  })

  it('a dedicated supernode refuses as often and keeps its role', async () => {
    const { sn, events, loginKey } = await fullSupernode(true)
    for (let i = 0; i < 6; i++) assert.equal((await attach(sn, loginKey)).refusal?.reason, RefusalReason.BUSY)
    assert.equal(await metricValue(sn.metrics, 'stampede_attach_requests_total', { result: 'busy' }), 6)
    assert.deepEqual(events.filter(e => e.type === 'role-dropped' || e.type === 'demoted'), [])
    assert.equal(sn.role, 'supernode')
    assert.equal(sn.status().load, 1)
  })

  it('a dedicated supernode bounds its attach queue and refuses explicitly, though the legacy queue is unbounded', async () => {
    // one attach a second: the laptop's took the slot of its second, so three more at once
    // would wait up to 3 s in the legacy queue; the dedicated one promises at most 1 s
    const slow: PolicyDescription = { ...POLICY, attachAdmission: { ratePerSecond: 1, burst: 1 } }
    const { sn, events, loginKey } = await fullSupernode(true, slow)
    const replies = await Promise.all([0, 1, 2].map(async () => await attach(sn, loginKey)))
    const reasons = replies.map(r => r.refusal?.reason)
    assert.ok(reasons.includes(RefusalReason.RATE_LIMITED), `expected a RATE_LIMITED refusal, got ${JSON.stringify(reasons)}`)
    for (const r of replies.filter(r => r.refusal?.reason === RefusalReason.RATE_LIMITED)) {
      assert.ok((r.refusal?.retryAfterMs ?? 0) > 0, 'the refusal says when to come back')
    }
    assert.ok(await metricValue(sn.metrics, 'stampede_attach_requests_total', { result: 'rate-limited' }) >= 1)
    assert.deepEqual(events.filter(e => e.type === 'role-dropped' || e.type === 'demoted'), [])
  })
})

/**
 * The operator's supernodes carry a signed claim in their token; the login server's
 * allocation policy counts them but never orders one to step down as excess.
 */
describe('overlay: the login server never demotes the operator\'s supernodes', () => {
  const dirs = new TempDirs('stampede-dedicated-excess-')
  const nodes: OverlayNode[] = []
  /** no tenure, one supernode per 10 clients: with no clients, three supernodes are an excess */
  const EXCESS: PolicyDescription = { family: 'adaptive', promotion: { clientsPerSupernode: 10, minSupernodes: 1, minTenureMs: 0 } }
  const MEGA: ResourceProfile = { name: 'mega', reachable: true, capacity: 40, bandwidthKbps: 100_000 }

  after(async () => {
    for (const n of nodes) await n.stop().catch(() => {})
    await dirs.removeAll()
  })

  /** A login server and three operator supernodes, their tokens minted with or without the claim. */
  async function threeMegas (claim: boolean): Promise<OverlayEvent[]> {
    const root = await dirs.make()
    const login = await createOverlayNode({ name: 'login', role: 'login', dataDir: root, timing: FAST_TIMING, seed: 7, policy: EXCESS, promotion: EXCESS.promotion })
    nodes.push(login)
    const loginServer = { id: login.peerId.toString(), addrs: login.status().addrs }
    const loginKey = await loadOrCreateIdentity(root)
    const events: OverlayEvent[] = []
    for (let i = 1; i <= 3; i++) {
      const dataDir = await dirs.make()
      const key = await loadOrCreateIdentity(dataDir)
      const token = await issueToken(loginKey, { peer: peerIdFromPrivateKey(key), user: `mega-${i}`, issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000, operator: claim })
      const sn = await createOverlayNode({
        name: `mega-${i}`, role: 'peer', dataDir, profile: MEGA, loginServer, timing: FAST_TIMING, seed: 30 + i, policy: EXCESS,
        operatorToken: Buffer.from(token).toString('base64'),
        onEvent: (e) => { events.push(e) }
      })
      nodes.push(sn)
    }
    await waitFor('three supernodes registered', () => login.status().network?.supernodes.length === 3, 10_000)
    return events
  }

  it('orders a supernode whose token has no claim to step down as excess (the control)', async () => {
    const events = await threeMegas(false)
    await waitFor('an excess demotion', () => events.some(e => e.type === 'demoted' && e.reason === 'excess'), 10_000)
  })

  it('orders none of the three down when their tokens carry the operator\'s claim', async () => {
    const events = await threeMegas(true)
    // the control above is demoted within a few report intervals (200 ms each); wait 15
    await new Promise(resolve => setTimeout(resolve, 15 * FAST_TIMING.reportIntervalMs))
    assert.deepEqual(events.filter(e => e.type === 'demoted' || e.type === 'supernode-inactive'), [])
  })
})
