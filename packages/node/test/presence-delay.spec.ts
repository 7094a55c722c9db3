import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { NodeConfigError, createOverlayNode, issueToken, loadOrCreateIdentity } from '../src/index.js'
import { FAST_TIMING, TempDirs, metricValue, waitFor } from './helpers.js'
import type { OverlayNode } from '../src/index.js'

const DESKTOP = { name: 'desktop', reachable: true, capacity: 4, bandwidthKbps: 1000 }
const LAPTOP = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }
const DELAY_MS = 1_500
/** Presence pacing with short waits: a record waits at most MAX_DEFER_MS past its due time. */
const MAX_DEFER_MS = 3_000
const PACED = { family: 'adaptive' as const, presencePacing: { busyShare: 0.5, retryMs: 200, maxDeferMs: MAX_DEFER_MS } }

/**
 * A supernode puts a client's presence into the DHT only once the client has stayed
 * attached for timing.presenceDelayMs: the DHT work of a burst of attaches comes after the
 * burst, and a client that leaves sooner costs none. A supernode alone in the DHT keeps its
 * records until another supernode is in its routing table; a busy one lets due records wait
 * (the policy's presencePacing), here with a busy reading the test sets.
 */
describe('overlay: presence published after the delay', () => {
  const dirs = new TempDirs('stampede-presence-')
  const nodes: OverlayNode[] = []
  const timing = { ...FAST_TIMING, presenceDelayMs: DELAY_MS }
  let login: OverlayNode
  let loginDir: string
  const supernodes: OverlayNode[] = []
  /** what every supernode's busy measurement reads */
  let busyNow = 0
  const measureBusy = () => () => ({ loop: busyNow, host: undefined, busy: busyNow })

  after(async () => {
    for (const n of nodes) await n.stop().catch(() => {})
    await dirs.removeAll()
  })

  async function startClient (name: string): Promise<OverlayNode> {
    const c = await createOverlayNode({ name, role: 'peer', dataDir: await dirs.make(), profile: LAPTOP, loginServer: { id: login.peerId.toString(), addrs: login.status().addrs }, timing, seed: 11 })
    nodes.push(c)
    return c
  }

  /** An operator's supernode: promoted by its token at start. */
  async function startSupernode (name: string, seed: number): Promise<OverlayNode> {
    const dir = await dirs.make()
    const loginKey = await loadOrCreateIdentity(loginDir)
    const key = await loadOrCreateIdentity(dir)
    const token = await issueToken(loginKey, { peer: peerIdFromPrivateKey(key), user: name, issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000 })
    const sn = await createOverlayNode({ name, role: 'peer', dataDir: dir, profile: DESKTOP, loginServer: { id: login.peerId.toString(), addrs: login.status().addrs }, timing, seed, operatorToken: Buffer.from(token).toString('base64'), policy: PACED, measureBusy })
    nodes.push(sn)
    supernodes.push(sn)
    await waitFor(`${name} to serve`, () => sn.status().role === 'supernode' && sn.status().loggedIn, 10_000)
    return sn
  }

  /** A presence counter summed over the supernodes. */
  const presence = async (result: string): Promise<number> => {
    let n = 0
    for (const sn of supernodes) n += await metricValue(sn.metrics, 'stampede_presence_total', { result })
    return n
  }
  const attempts = async (): Promise<number> => (await presence('published')) + (await presence('publish-failed'))

  it('keeps a lone supernode\'s records until another supernode is in its DHT, then puts them', async () => {
    loginDir = await dirs.make()
    login = await createOverlayNode({ name: 'login', role: 'login', dataDir: loginDir, timing, seed: 3 })
    nodes.push(login)
    const sn = await startSupernode('sn', 5)
    const client = await startClient('stays')
    await waitFor('the client to attach', () => client.status().loggedIn, 10_000)
    // the supernode answers for a client of its own at once, DHT or not
    assert.equal((await sn.lookup(client.peerId))?.id, sn.peerId.toString())
    // alone in the DHT, the put has nowhere to go: kad-dht's query would wait for a peer
    // until requestTimeoutMs (1 s here) and fail; the record waits in the queue instead
    await new Promise(resolve => setTimeout(resolve, DELAY_MS + 1_500))
    assert.equal(await attempts(), 0)
    assert.equal(sn.status().presenceQueued, 1)
    // a second supernode: the two meet through the login server's report acks
    const other = await startSupernode('sn-2', 6)
    await waitFor('the publication', async () => (await presence('published')) === 1, 15_000, 50)
    assert.equal(await presence('publish-failed'), 0)
    assert.equal(sn.status().presenceQueued, 0)
    // the other supernode finds the client through the DHT
    assert.equal((await other.lookup(client.peerId))?.id, sn.peerId.toString())
    // counted by both ends as they opened them: the client dialled the login server and its supernode
    assert.ok((client.status().counters['connections_opened{direction=outbound}'] ?? 0) >= 2)
    assert.ok((sn.status().counters['connections_opened{direction=inbound}'] ?? 0) >= 1)
  })

  it('puts a client that stays into the DHT presenceDelayMs after it attached', async () => {
    const before = await presence('published')
    const client = await startClient('stays-2')
    await waitFor('the client to attach', () => client.status().loggedIn, 10_000)
    const attachedAt = Date.now()
    await waitFor('the publication', async () => (await presence('published')) === before + 1, DELAY_MS + 5_000, 20)
    const tookMs = Date.now() - attachedAt
    assert.ok(tookMs >= DELAY_MS - 100, `published ${tookMs} ms after the attach, before the ${DELAY_MS} ms delay`)
  })

  it('never publishes a client that left before its delay', async () => {
    const before = await attempts()
    const client = await startClient('leaves')
    await waitFor('the client to attach', () => client.status().loggedIn, 10_000)
    await client.stop()
    await waitFor('the supernode to drop it', async () => (await presence('publish-skipped')) === 1, DELAY_MS + 5_000, 20)
    assert.equal(await attempts(), before)
  })

  /** Presence records queued at all supernodes. */
  const queued = (): number => supernodes.reduce((n, sn) => n + sn.status().presenceQueued, 0)

  it('lets a due record wait while the supernode is busy, and publishes it once it is not', async () => {
    const before = await presence('published')
    const deferredBefore = await presence('publish-deferred')
    busyNow = 0.9
    try {
      const client = await startClient('waits')
      await waitFor('the client to attach', () => client.status().loggedIn, 10_000)
      // due after DELAY_MS; half of MAX_DEFER_MS later it is still waiting, counted once
      await new Promise(resolve => setTimeout(resolve, DELAY_MS + MAX_DEFER_MS / 2))
      assert.equal(await presence('published'), before)
      assert.equal(await presence('publish-deferred'), deferredBefore + 1)
      assert.equal(queued(), 1)
    } finally {
      busyNow = 0
    }
    await waitFor('the publication', async () => (await presence('published')) === before + 1, 5_000, 20)
    assert.equal(queued(), 0)
  })

  it('publishes a record that has waited maxDeferMs, however busy the supernode stays', async () => {
    const before = await presence('published')
    busyNow = 1
    try {
      const client = await startClient('waits-long')
      await waitFor('the client to attach', () => client.status().loggedIn, 10_000)
      const attachedAt = Date.now()
      await waitFor('the publication', async () => (await presence('published')) === before + 1, DELAY_MS + MAX_DEFER_MS + 5_000, 20)
      const tookMs = Date.now() - attachedAt
      assert.ok(tookMs >= DELAY_MS + MAX_DEFER_MS - 300, `published ${tookMs} ms after the attach, before the ${DELAY_MS} ms delay and ${MAX_DEFER_MS} ms of waiting`)
    } finally {
      busyNow = 0
    }
  })

  it('takes 0 (publish at once) and refuses a negative delay', async () => {
    const now = await createOverlayNode({ name: 'login-0', role: 'login', dataDir: await dirs.make(), timing: { ...FAST_TIMING, presenceDelayMs: 0 } })
    nodes.push(now)
    await assert.rejects(
      createOverlayNode({ name: 'login-neg', role: 'login', dataDir: await dirs.make(), timing: { ...FAST_TIMING, presenceDelayMs: -1 } }),
      (err: Error) => err instanceof NodeConfigError && /presenceDelayMs must be a non-negative/.test(err.message)
    )
  })
})
