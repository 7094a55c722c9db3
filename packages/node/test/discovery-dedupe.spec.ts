import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerDiscoverySymbol } from '@libp2p/interface'
import { dedupeDhtDiscovery } from '../src/discovery-dedupe.js'
import type { PeerDiscovery, PeerInfo } from '@libp2p/interface'

/** A stand-in for kad-dht: an event target that is its own peer discovery face. */
function fakeDht (): { service: { readonly [peerDiscoverySymbol]: PeerDiscovery }, emit(id: string, ...addrs: string[]): void, emitOther(): void } {
  const target = new EventTarget() as EventTarget & { safeDispatchEvent: PeerDiscovery['safeDispatchEvent'], listenerCount(): number }
  target.safeDispatchEvent = (type, init) => target.dispatchEvent(new CustomEvent(String(type), init))
  target.listenerCount = () => 0
  const service = { get [peerDiscoverySymbol] (): PeerDiscovery { return target as unknown as PeerDiscovery } }
  return {
    service,
    emit: (id, ...addrs) => {
      const detail = { id: { toString: () => id }, multiaddrs: addrs.map(a => ({ toString: () => a })) } as unknown as PeerInfo
      target.dispatchEvent(new CustomEvent('peer', { detail }))
    },
    emitOther: () => { target.dispatchEvent(new CustomEvent('other', { detail: 1 })) }
  }
}

describe('dedupeDhtDiscovery', () => {
  it('passes a peer on once per set of addresses, in any order', () => {
    const dht = fakeDht()
    const face = dedupeDhtDiscovery(dht.service, { now: () => 0 })[peerDiscoverySymbol]
    const seen: string[] = []
    face.addEventListener('peer', (evt) => { seen.push(evt.detail.id.toString()) })
    dht.emit('A', '/ip4/1.1.1.1/tcp/1', '/ip4/1.1.1.1/tcp/2')
    dht.emit('A', '/ip4/1.1.1.1/tcp/2', '/ip4/1.1.1.1/tcp/1')
    dht.emit('B', '/ip4/2.2.2.2/tcp/1')
    dht.emit('A', '/ip4/1.1.1.1/tcp/3')
    dht.emit('A', '/ip4/1.1.1.1/tcp/3')
    assert.deepEqual(seen, ['A', 'B', 'A'])
  })

  it('passes an unchanged peer on again after refreshMs', () => {
    const dht = fakeDht()
    let clock = 100
    const face = dedupeDhtDiscovery(dht.service, { refreshMs: 1_000, now: () => clock })[peerDiscoverySymbol]
    let seen = 0
    face.addEventListener('peer', () => { seen++ })
    dht.emit('A', '/ip4/1.1.1.1/tcp/1')
    clock += 999
    dht.emit('A', '/ip4/1.1.1.1/tcp/1')
    assert.equal(seen, 1)
    clock += 1
    dht.emit('A', '/ip4/1.1.1.1/tcp/1')
    assert.equal(seen, 2)
  })

  it('remembers at most maxPeers peers', () => {
    const dht = fakeDht()
    const face = dedupeDhtDiscovery(dht.service, { maxPeers: 2, now: () => 0 })[peerDiscoverySymbol]
    let seen = 0
    face.addEventListener('peer', () => { seen++ })
    for (const id of ['A', 'B', 'C', 'A']) dht.emit(id, '/ip4/1.1.1.1/tcp/1')
    assert.equal(seen, 4, 'A should have been forgotten when C came')
  })

  it('supports handleEvent listeners, removal, and passes other events through', () => {
    const dht = fakeDht()
    const face = dedupeDhtDiscovery(dht.service, { now: () => 0 })[peerDiscoverySymbol]
    const seen: string[] = []
    const listener = { handleEvent: (evt: CustomEvent<PeerInfo>) => { seen.push(evt.detail.id.toString()) } }
    face.addEventListener('peer', listener as never)
    dht.emit('A', '/ip4/1.1.1.1/tcp/1')
    face.removeEventListener('peer', listener as never)
    dht.emit('B', '/ip4/1.1.1.1/tcp/1')
    assert.deepEqual(seen, ['A'])
    let other = 0
    const onOther = (): void => { other++ }
    face.addEventListener('other' as 'peer', onOther)
    dht.emitOther()
    face.removeEventListener('other' as 'peer', onOther)
    dht.emitOther()
    assert.equal(other, 1)
  })

  it('leaves a service without a peer discovery face alone', () => {
    const plain = { x: 1 }
    assert.equal(dedupeDhtDiscovery(plain), plain)
    assert.equal(Object.getOwnPropertySymbols(plain).length, 0)
  })
})
