import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createOverlayNode, issueToken, loadOrCreateIdentity } from '../src/index.js'
import { FAST_TIMING, TempDirs, waitFor } from './helpers.js'
import type { OverlayNode } from '../src/index.js'

const DESKTOP = { name: 'desktop', reachable: true, capacity: 4, bandwidthKbps: 1000 }
/** Pacing with short waits: neighbours are dialled at the latest MAX_DEFER_MS after a supernode is short of them. */
const MAX_DEFER_MS = 2_500
const PACED = { family: 'adaptive' as const, presencePacing: { busyShare: 0.5, retryMs: 200, maxDeferMs: MAX_DEFER_MS } }

/**
 * A supernode dials its DHT neighbours (other supernodes it learns of from the login
 * server's report acks) as DHT upkeep, paced like its presence records: not while it or
 * its host is busy, and anyway once it has been short of neighbours for maxDeferMs. Here
 * the busy reading is one the test sets.
 */
describe('overlay: DHT neighbours dialled when the supernode is not busy', () => {
  const dirs = new TempDirs('stampede-neighbours-')
  const nodes: OverlayNode[] = []
  const timing = { ...FAST_TIMING }
  /** what every supernode's busy measurement reads */
  let busyNow = 0
  const measureBusy = () => () => ({ loop: busyNow, host: undefined, busy: busyNow })

  after(async () => {
    busyNow = 0
    for (const n of nodes) await n.stop().catch(() => {})
    await dirs.removeAll()
  })

  /** A login server of its own for each test: the supernodes meet through its report acks. */
  async function startLogin (seed: number): Promise<{ login: OverlayNode, loginDir: string }> {
    const loginDir = await dirs.make()
    const login = await createOverlayNode({ name: `login-${seed}`, role: 'login', dataDir: loginDir, timing, seed })
    nodes.push(login)
    return { login, loginDir }
  }

  /** An operator's supernode: promoted by its token at start. */
  async function startSupernode (net: { login: OverlayNode, loginDir: string }, name: string, seed: number): Promise<OverlayNode> {
    const dir = await dirs.make()
    const loginKey = await loadOrCreateIdentity(net.loginDir)
    const key = await loadOrCreateIdentity(dir)
    const token = await issueToken(loginKey, { peer: peerIdFromPrivateKey(key), user: name, issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000 })
    const sn = await createOverlayNode({ name, role: 'peer', dataDir: dir, profile: DESKTOP, loginServer: { id: net.login.peerId.toString(), addrs: net.login.status().addrs }, timing, seed, operatorToken: Buffer.from(token).toString('base64'), policy: PACED, measureBusy })
    nodes.push(sn)
    await waitFor(`${name} to serve`, () => sn.status().role === 'supernode' && sn.status().loggedIn, 10_000)
    return sn
  }

  const connected = (a: OverlayNode, b: OverlayNode): boolean => a.libp2p.getConnections(b.peerId).some(c => c.status === 'open')
  const dials = (sn: OverlayNode, result: string): number => sn.status().counters[`neighbour_dials{result=${result}}`] ?? 0

  it('waits while busy, dials once the supernode is not', async () => {
    const net = await startLogin(3)
    busyNow = 0.9
    let a: OverlayNode
    let b: OverlayNode
    try {
      a = await startSupernode(net, 'sn-a', 5)
      b = await startSupernode(net, 'sn-b', 6)
      // both learn of the other within a report or two, and wait; for a while neither dials
      await waitFor('deferred neighbour dials', () => dials(a, 'deferred') >= 1 && dials(b, 'deferred') >= 1, 5_000, 20)
      await new Promise(resolve => setTimeout(resolve, MAX_DEFER_MS / 3))
      assert.equal(connected(a, b), false)
      assert.equal(dials(a, 'dialled') + dials(b, 'dialled'), 0)
    } finally {
      busyNow = 0
    }
    // quiet again: the next report ack brings the dial
    await waitFor('the two supernodes to connect', () => connected(a, b), 3_000, 20)
    assert.ok(dials(a, 'dialled') + dials(b, 'dialled') >= 1)
  })

  it('dials once it has been short of neighbours for maxDeferMs, however busy it stays', async () => {
    const net = await startLogin(4)
    busyNow = 1
    try {
      const c = await startSupernode(net, 'sn-c', 7)
      // short of neighbours from its first report ack on, a few ms after it began to serve
      const servingAt = Date.now()
      const d = await startSupernode(net, 'sn-d', 8)
      await waitFor('the two supernodes to connect', () => connected(c, d), MAX_DEFER_MS + 5_000, 20)
      const tookMs = Date.now() - servingAt
      assert.ok(dials(c, 'deferred') + dials(d, 'deferred') >= 1, 'neither waited')
      assert.ok(tookMs >= MAX_DEFER_MS - 300, `connected ${tookMs} ms after sn-c served, before ${MAX_DEFER_MS} ms of waiting`)
    } finally {
      busyNow = 0
    }
  })
})
