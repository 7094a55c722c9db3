import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { tunePeerStore } from '../src/peer-store-tuning.js'
import type { Libp2p, PeerId, PeerStore } from '@libp2p/interface'

const P1 = '/stampede-test/one/1.0.0'
const P2 = '/stampede-test/two/1.0.0'

describe('tunePeerStore: protocol merges', () => {
  let node: Libp2p
  let store: PeerStore
  let a: PeerId
  let b: PeerId
  let underlying = 0
  let clock = 0

  before(async () => {
    node = await createLibp2p({ start: false })
    a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  })

  after(async () => { await node?.stop() })

  // a fresh store view per test: count the merges that reach the store, then tune
  beforeEach(async () => {
    store = (node as unknown as { components: { peerStore: PeerStore } }).components.peerStore
    for (const id of [a, b]) await store.delete(id).catch(() => {})
    const fresh = Object.create(Object.getPrototypeOf(store) as object) as PeerStore
    Object.assign(fresh, store)
    for (const m of ['save', 'patch', 'delete', 'consumePeerRecord', 'get', 'has', 'all', 'forEach', 'getInfo', 'getRaw'] as const) {
      const fn = (store as unknown as Record<string, unknown>)[m]
      if (typeof fn === 'function') (fresh as unknown as Record<string, unknown>)[m] = fn.bind(store)
    }
    const merge = store.merge.bind(store)
    underlying = 0
    fresh.merge = async (...args: Parameters<PeerStore['merge']>) => { underlying++; return merge(...args) }
    clock = 1_000
    store = tunePeerStore(fresh, { protocolsTtlMs: 10_000, maxPeers: 2, now: () => clock })
  })

  it('answers a repeated protocol merge from memory, with the record the store returned', async () => {
    const first = await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 1)
    const again = await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 1, 'the repeat reached the store')
    assert.deepEqual(again.protocols, first.protocols)
    assert.ok((await store.get(a)).protocols.includes(P1))
  })

  it('sends a protocol the record lacks to the store', async () => {
    await store.merge(a, { protocols: [P1] })
    await store.merge(a, { protocols: [P1, P2] })
    assert.equal(underlying, 2)
    assert.deepEqual([...(await store.get(a)).protocols].sort(), [P1, P2].sort())
    await store.merge(a, { protocols: [P2] })
    assert.equal(underlying, 2)
  })

  it('always sends a merge of anything besides protocols', async () => {
    await store.merge(a, { protocols: [P1] })
    await store.merge(a, { protocols: [P1], multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] })
    assert.equal(underlying, 2)
    assert.equal((await store.get(a)).addresses.length, 1)
  })

  it('forgets a peer written any other way: patch and delete', async () => {
    await store.merge(a, { protocols: [P1] })
    await store.patch(a, { protocols: [] })
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 2, 'after a patch the merge must reach the store')
    assert.ok((await store.get(a)).protocols.includes(P1))
    await store.delete(a)
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 3, 'after a delete the merge must reach the store')
    assert.ok((await store.get(a)).protocols.includes(P1))
  })

  it('does not remember a merge that another write for the peer overtook', async () => {
    await store.merge(a, { protocols: [P2] })
    const racing = store.merge(a, { protocols: [P1] })
    const patching = store.patch(a, { protocols: [] })
    await Promise.all([racing, patching])
    await store.merge(a, { protocols: [P1] })
    assert.ok((await store.get(a)).protocols.includes(P1), 'the store lost the protocol')
  })

  it('trusts what it remembers for ttlMs only', async () => {
    await store.merge(a, { protocols: [P1] })
    clock += 9_999
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 1)
    clock += 1
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 2)
  })

  it('remembers at most maxPeers peers, forgetting the oldest', async () => {
    const c = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await store.merge(a, { protocols: [P1] })
    await store.merge(b, { protocols: [P1] })
    await store.merge(c, { protocols: [P1] })
    assert.equal(underlying, 3)
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 4, 'the oldest peer should have been forgotten')
    await store.merge(c, { protocols: [P1] })
    assert.equal(underlying, 4)
    await store.delete(c)
  })

  it('is idempotent', async () => {
    assert.equal(tunePeerStore(store), store)
    await store.merge(a, { protocols: [P1] })
    await store.merge(a, { protocols: [P1] })
    assert.equal(underlying, 1)
  })
})

describe('tunePeerStore: address reads', () => {
  let node: Libp2p
  let store: PeerStore
  let a: PeerId
  let reads = 0
  let clock = 0
  const addr1 = multiaddr('/ip4/127.0.0.1/tcp/4001')
  const addr2 = multiaddr('/ip4/127.0.0.1/tcp/4002')

  before(async () => {
    node = await createLibp2p({ start: false })
    a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  })

  after(async () => { await node?.stop() })

  beforeEach(async () => {
    const real = (node as unknown as { components: { peerStore: PeerStore } }).components.peerStore
    await real.delete(a).catch(() => {})
    await real.save(a, { multiaddrs: [addr1] })
    const fresh = Object.create(Object.getPrototypeOf(real) as object) as PeerStore
    for (const m of ['save', 'patch', 'delete', 'consumePeerRecord', 'get', 'merge'] as const) {
      (fresh as unknown as Record<string, unknown>)[m] = (real[m] as (...args: unknown[]) => unknown).bind(real)
    }
    const getInfo = real.getInfo.bind(real)
    reads = 0
    fresh.getInfo = async (...args: Parameters<PeerStore['getInfo']>) => { reads++; return getInfo(...args) }
    clock = 5_000
    store = tunePeerStore(fresh, { addressesTtlMs: 1_000, now: () => clock })
  })

  const addrs = async (): Promise<string[]> => (await store.getInfo(a)).multiaddrs.map(ma => ma.toString())

  it('answers a repeated read from memory for ttlMs', async () => {
    assert.deepEqual(await addrs(), [addr1.toString()])
    assert.deepEqual(await addrs(), [addr1.toString()])
    assert.equal(reads, 1)
    clock += 1_000
    await addrs()
    assert.equal(reads, 2)
  })

  it('reads again after a write that may change the addresses, not after a protocol merge', async () => {
    await addrs()
    await store.merge(a, { protocols: ['/stampede-test/one/1.0.0'] })
    await addrs()
    assert.equal(reads, 1)
    await store.merge(a, { multiaddrs: [addr2] })
    assert.deepEqual((await addrs()).sort(), [addr1.toString(), addr2.toString()].sort())
    assert.equal(reads, 2)
    await store.patch(a, { multiaddrs: [addr2] })
    assert.deepEqual(await addrs(), [addr2.toString()])
    await store.delete(a)
    await assert.rejects(store.getInfo(a), { name: 'NotFoundError' })
  })

  it('does not remember a read that a write overtook', async () => {
    const reading = store.getInfo(a)
    const writing = store.merge(a, { multiaddrs: [addr2] })
    await Promise.all([reading, writing])
    assert.ok((await addrs()).includes(addr2.toString()), 'a read from before the write was kept')
  })

  it('hands out copies: a caller changing its answer changes no other', async () => {
    const first = await store.getInfo(a)
    first.multiaddrs.push(addr2)
    assert.deepEqual(await addrs(), [addr1.toString()])
  })

  it('is idempotent', async () => {
    assert.equal(tunePeerStore(store), store)
    await addrs()
    await addrs()
    assert.equal(reads, 1)
  })
})
