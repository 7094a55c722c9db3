import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { KAD_PROTOCOL } from '@stampede/wire'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { createOverlayNode, servesInbound } from '../src/index.js'
import { FAST_TIMING, makeTempDir, metricValue, removeTempDir, waitFor } from './helpers.js'
import type { OverlayEvent, OverlayNode } from '../src/index.js'
import type { ResourceProfile } from '@stampede/allocation'

const DESKTOP: ResourceProfile = { name: 'desktop', reachable: true, capacity: 3, bandwidthKbps: 1000 }
const LAPTOP: ResourceProfile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }

interface Peer {
  name: string
  dir: string
  profile: ResourceProfile
  node: OverlayNode
  events: OverlayEvent[]
  /** crashed or stopped by the test itself */
  down: boolean
}

describe('overlay: login server, supernodes and clients on loopback', () => {
  let root: string
  let login: OverlayNode | undefined
  const peers: Peer[] = []

  const id = (p: Peer): string => p.node.peerId.toString()
  const up = (): Peer[] => peers.filter(p => !p.down)
  const byId = (peerId: string | null): Peer | undefined => up().find(p => id(p) === peerId)
  const supernodes = (): Peer[] => up().filter(p => p.node.role === 'supernode')
  const clientsOf = (sn: Peer): Peer[] => up().filter(p => p.node.role === 'client' && p.node.status().supernode === id(sn))

  function describeOverlay (): string {
    return up().map(p => {
      const s = p.node.status()
      return `${p.name}:${s.role}${s.loggedIn ? '' : '(out)'}${s.supernode != null ? `->${byId(s.supernode)?.name ?? s.supernode}` : ''}${s.role === 'supernode' ? `[${s.load}/${s.capacity}]` : ''}`
    }).join(' ')
  }

  /** Every live peer is logged in, and every client's supernode is a live supernode. */
  function settled (): boolean {
    return up().every(p => {
      const s = p.node.status()
      if (!s.loggedIn) return false
      if (s.role === 'supernode') return true
      return s.role === 'client' && byId(s.supernode)?.node.role === 'supernode'
    })
  }

  async function startPeer (name: string, profile: ResourceProfile, dir?: string): Promise<Peer> {
    if (login == null) throw new Error('no login server')
    const dataDir = dir ?? await makeTempDir(`stampede-${name}-`)
    const events: OverlayEvent[] = []
    const node = await createOverlayNode({
      name,
      role: 'peer',
      dataDir,
      profile,
      loginServer: { id: login.peerId.toString(), addrs: login.status().addrs },
      timing: FAST_TIMING,
      seed: 1_000 + peers.length,
      onEvent: (e) => { events.push(e) }
    })
    return { name, dir: dataDir, profile, node, events, down: false }
  }

  before(async () => {
    root = await makeTempDir('stampede-overlay-')
    login = await createOverlayNode({
      name: 'login',
      role: 'login',
      dataDir: root,
      timing: FAST_TIMING,
      seed: 7,
      promotion: { clientsPerSupernode: 3, eligibility: { minUptimeMs: 0 } }
    })
    // four desktops: after one supernode crashes and another is demoted, the rest (with a
    // desktop promoted in between) still hold every client; with fewer, the demoted peer
    // and its former clients compete for the last free slot
    const plan: Array<[string, ResourceProfile]> = [
      ['desktop-1', DESKTOP], ['desktop-2', DESKTOP], ['desktop-3', DESKTOP], ['desktop-4', DESKTOP],
      ['laptop-1', LAPTOP], ['laptop-2', LAPTOP]
    ]
    for (const [name, profile] of plan) peers.push(await startPeer(name, profile))
  })

  after(async () => {
    for (const p of peers) {
      if (!p.down) await p.node.stop().catch(() => {})
    }
    await login?.stop()
    for (const p of peers) await removeTempDir(p.dir)
    await removeTempDir(root)
  })

  it('logs everyone in, with at least one supernode serving every client', async () => {
    await waitFor('every peer logged in behind a live supernode', settled, 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${describeOverlay()}`)
    })
    assert.ok(supernodes().length >= 1, describeOverlay())
    for (const p of up()) {
      const s = p.node.status()
      assert.equal(s.loggedIn, true, p.name)
      if (s.role === 'client') {
        const sn = byId(s.supernode)
        assert.ok(sn != null, `${p.name} is attached to an unknown peer ${s.supernode}`)
        assert.equal(sn.node.role, 'supernode')
        assert.equal(s.clientState, 'attached')
      } else {
        assert.equal(p.profile.name, 'desktop', `${p.name}: only eligible peers are promoted`)
      }
    }
    for (const p of up().filter(x => x.profile.name === 'laptop')) {
      assert.equal(p.node.role, 'client', `${p.name} is not reachable and must never be promoted`)
    }
    // the login server sees the same supernodes
    const view = login?.status().network
    assert.ok(view != null)
    await waitFor('the login server to list every supernode', () => {
      const listed = new Set(login?.status().network?.supernodes.map(s => s.id))
      return supernodes().every(sn => listed.has(id(sn)))
    }, 5_000)
  })

  it('finds where another user is attached through the supernodes', async () => {
    await waitFor('the overlay to settle', settled, 10_000)
    // laptops are never promoted, so they stay clients while desktops may still change role
    const laptops = up().filter(p => p.profile.name === 'laptop')
    const [asker, target] = laptops as [Peer, Peer]
    const found = await waitFor(`${asker.name} to find ${target.name}`, async () => {
      const home = target.node.status().supernode
      const where = await asker.node.lookup(target.node.peerId)
      return where != null && where.id === home ? where : undefined
    }, 10_000, 100)
    assert.ok(byId(found.id)?.node.role === 'supernode')
    assert.ok(found.addrs.length > 0)

    // every supernode finds every laptop, those it does not serve through the DHT
    let throughDht = 0
    for (const c of laptops) {
      for (const sn of supernodes()) {
        const where = await waitFor(`${sn.name} to find ${c.name}`, async () => {
          const home = c.node.status().supernode
          if (home !== id(sn)) throughDht++
          const w = await sn.node.lookup(c.node.peerId)
          return w != null && w.id === home ? w : undefined
        }, 10_000, 100)
        assert.ok(where.addrs.length > 0)
      }
    }
    assert.ok(supernodes().length < 2 || throughDht > 0, 'no lookup went through the DHT')

    // a user nobody serves is not found
    const loginId = login?.peerId
    assert.ok(loginId != null)
    assert.equal(await asker.node.lookup(loginId), null)
  })

  it('runs identify between supernodes only (identify-scope.ts)', async () => {
    await waitFor('the overlay to settle', settled, 10_000)
    for (const c of up().filter(p => p.profile.name === 'laptop')) {
      const home = byId(c.node.status().supernode)
      assert.ok(home != null, describeOverlay())
      // identify leaves the remote's agent version in the peer store (the protocols of
      // streams negotiated with a peer land there without it)
      const seen = await c.node.libp2p.peerStore.get(home.node.peerId)
      assert.equal(seen.metadata.has('AgentVersion'), false, `${c.name} identified its supernode ${home.name}`)
      assert.equal(seen.protocols.includes(KAD_PROTOCOL), false)
      const seenBy = await home.node.libp2p.peerStore.get(c.node.peerId).catch(() => undefined)
      assert.equal(seenBy?.metadata.has('AgentVersion') ?? false, false, `${home.name} identified its client ${c.name}`)
    }
    const sns = supernodes()
    if (sns.length < 2) return
    // connected supernodes learn that the other speaks the DHT: the dialler at once, the
    // other side at once or after the grace
    await waitFor('a supernode to know that a connected one serves the DHT', async () => {
      for (const a of sns) {
        for (const b of sns) {
          if (a === b || a.node.libp2p.getConnections(b.node.peerId).length === 0) continue
          const p = await a.node.libp2p.peerStore.get(b.node.peerId).catch(() => undefined)
          if (p?.protocols.includes(KAD_PROTOCOL) === true && p.metadata.has('AgentVersion')) return true
        }
      }
      return false
    }, 10_000, 100)
  })

  it('takes no connections while a client: they are closed before the handshake (servesInbound)', async () => {
    await waitFor('the overlay to settle', settled, 10_000)
    const client = up().find(p => p.node.role === 'client')
    const sn = supernodes()[0]
    assert.ok(client != null && sn != null, describeOverlay())
    const refusedBefore = await metricValue(client.node.metrics, 'stampede_connections_refused_total', { reason: 'client' })
    // a stranger (no connection to either yet)
    const stranger = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    try {
      const dial = async (p: Peer): Promise<void> => {
        const addr = p.node.status().addrs.find(a => a.includes('/p2p/'))
        assert.ok(addr != null)
        const conn = await stranger.dial(multiaddr(addr), { signal: AbortSignal.timeout(5_000) })
        await conn.close()
      }
      await assert.rejects(dial(client), `${client.name} took a connection while a client`)
      assert.equal(await metricValue(client.node.metrics, 'stampede_connections_refused_total', { reason: 'client' }), refusedBefore + 1)
      // a supernode takes them (its clients attach so)
      await dial(sn)
    } finally {
      await stranger.stop()
    }
    assert.equal(servesInbound('peer', 'client'), false)
    assert.equal(servesInbound('peer', undefined), false)
    assert.equal(servesInbound('peer', 'supernode'), true)
    assert.equal(servesInbound('login', undefined), true)
  })

  it('records the promotion in the promoted peer\'s events.jsonl', async () => {
    const sn = supernodes()[0]
    assert.ok(sn != null)
    const lines = await waitFor('a promoted event on disk', async () => {
      const text = await readFile(join(sn.dir, 'events.jsonl'), 'utf8')
      const parsed = text.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as OverlayEvent & { ts: number, node: string })
      return parsed.some(e => e.type === 'promoted') ? parsed : undefined
    }, 5_000)
    const promoted = lines.find(e => e.type === 'promoted')
    assert.equal(promoted?.node, sn.name)
    assert.equal(promoted?.capacity, DESKTOP.capacity)
    assert.equal(typeof promoted?.ts, 'number')
    assert.equal(lines[0]?.type, 'started')
    assert.ok(await metricValue(sn.node.metrics, 'stampede_promotions_total') >= 1)
  })

  it('re-attaches the clients of a crashed supernode elsewhere', async () => {
    await waitFor('the overlay to settle', settled, 10_000)
    const victim = await waitFor('a supernode with clients', () => supernodes().find(sn => clientsOf(sn).length > 0), 5_000)
    const orphans = clientsOf(victim)
    const victimId = id(victim)
    await victim.node.crash()
    victim.down = true
    await waitFor(`the clients of ${victim.name} to re-attach`, () => orphans.every(o => {
      const s = o.node.status()
      return s.loggedIn && s.supernode !== victimId && (s.role === 'supernode' || byId(s.supernode)?.node.role === 'supernode')
    }), 15_000).catch((err: Error) => { throw new Error(`${err.message}\n${describeOverlay()}`) })
    for (const o of orphans) {
      assert.ok(o.events.some(e => e.type === 'supernode-lost' && e.supernode === victimId), `${o.name} noticed the loss`)
    }
    await waitFor('the overlay to settle after the crash', settled, 15_000)
    await waitFor('the login server to forget the crashed supernode', () =>
      login?.status().network?.supernodes.every(s => s.id !== victimId), 5_000)
  })

  it('moves the clients of a demoted supernode, which becomes a client', async () => {
    await waitFor('the overlay to settle', settled, 10_000)
    const sn = await waitFor('a supernode with clients', () => supernodes().find(s => clientsOf(s).length > 0), 5_000)
    const moved = clientsOf(sn)
    const snId = id(sn)
    const before = await Promise.all(moved.map(async m => metricValue(m.node.metrics, 'stampede_failovers_total', { cause: 'moved' })))
    const eventsBefore = new Map(moved.map(m => [m, m.events.length]))
    await sn.node.demote()
    assert.equal(sn.node.role, 'client')
    assert.equal(sn.node.status().load, 0)
    assert.ok(sn.events.some(e => e.type === 'demoted' && e.reason === 'admin'))
    assert.equal(await metricValue(sn.node.metrics, 'stampede_demotions_total', { reason: 'admin' }), 1)
    // the demoted peer may well be promoted again soon, so look for the re-attachment in
    // each client's events rather than in a snapshot of its status
    // (a desktop client may instead be promoted itself, which also logs it in elsewhere)
    const since = (m: Peer): OverlayEvent[] => m.events.slice(eventsBefore.get(m))
    const reattached = (m: Peer): boolean => since(m).some(e => (e.type === 'attached' && e.supernode !== snId) || e.type === 'promoted')
    await waitFor(`the clients of ${sn.name} to log in elsewhere`, () => moved.every(reattached), 10_000)
      .catch((err: Error) => {
        const detail = moved.map(m => `${m.name}: ${since(m).map(e => `${e.type}${typeof e.supernode === 'string' ? `->${byId(e.supernode)?.name ?? '?'}` : ''}`).join(', ')}`)
        throw new Error(`${err.message}\n${describeOverlay()}\n${detail.join('\n')}`)
      })
    // they were told to move (MOVE frame), rather than finding out by a heartbeat timeout
    for (const [i, m] of moved.entries()) {
      const now = await metricValue(m.node.metrics, 'stampede_failovers_total', { cause: 'moved' })
      assert.equal(now, (before[i] ?? 0) + 1, `${m.name} failovers by cause: ${await m.node.metrics.registry.getSingleMetricAsString('stampede_failovers_total')}`)
    }
    // the demoted peer logs in again, as a client or promoted anew
    await waitFor('the demoted peer to be logged in again', () => sn.node.status().loggedIn, 15_000)
  })

  it('keeps its PeerId and host cache across a restart', async () => {
    await waitFor('the overlay to settle', settled, 15_000)
    const p = up().find(x => x.node.role === 'client')
    assert.ok(p != null, describeOverlay())
    const oldId = id(p)
    await p.node.stop()
    p.down = true
    const text = await readFile(join(p.dir, 'host-cache.json'), 'utf8')
    const saved = JSON.parse(text) as { entries: Array<{ id: string }> }
    assert.ok(saved.entries.length > 0, text)

    const restarted = await startPeer(`${p.name}-again`, p.profile, p.dir)
    peers.push(restarted)
    assert.equal(id(restarted), oldId)
    assert.ok(!restarted.events.some(e => e.type === 'host-cache-corrupt'))
    await waitFor('the restarted peer to log in', () => restarted.node.status().loggedIn, 15_000)
    await restarted.node.stop()
    restarted.down = true
    const after = JSON.parse(await readFile(join(p.dir, 'host-cache.json'), 'utf8')) as { entries: unknown[] }
    assert.ok(after.entries.length > 0)
  })
})
