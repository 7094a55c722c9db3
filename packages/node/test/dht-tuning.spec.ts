import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { connectedOnlyMapper, trustConnectedContacts } from '../src/dht-tuning.js'
import type { PeerId } from '@libp2p/interface'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

describe('connectedOnlyMapper', () => {
  it('passes a connected peer with all its addresses, loopback included, only in server mode', async () => {
    const a = await peer()
    const b = await peer()
    let server = false
    const mapper = connectedOnlyMapper(() => server, (p) => p.equals(a))
    const info = (id: PeerId): Parameters<typeof mapper>[0] => ({ id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001'), multiaddr('/ip4/10.0.0.1/tcp/4001')] })
    assert.deepEqual(mapper(info(a)).multiaddrs, [], 'a client takes nobody')
    server = true
    assert.deepEqual(mapper(info(a)).multiaddrs.map(String), ['/ip4/127.0.0.1/tcp/4001', '/ip4/10.0.0.1/tcp/4001'])
    assert.deepEqual(mapper(info(b)).multiaddrs, [], 'a peer only named in an answer is not taken')
    assert.ok(mapper(info(b)).id.equals(b))
  })
})

describe('trustConnectedContacts', () => {
  it('takes a connected contact without the ping and pings the others as before', async () => {
    const a = await peer()
    const b = await peer()
    const pinged: string[] = []
    const dht = { routingTable: { kb: { verify: async (contact: { peerId: PeerId }): Promise<boolean> => { pinged.push(contact.peerId.toString()); return false } } } }
    assert.equal(trustConnectedContacts(dht, (p) => p.equals(a)), true)
    assert.equal(await dht.routingTable.kb.verify({ peerId: a }), true)
    assert.deepEqual(pinged, [])
    assert.equal(await dht.routingTable.kb.verify({ peerId: b }), false, 'the original verdict for an unconnected contact')
    assert.deepEqual(pinged, [b.toString()])
  })

  it('leaves a DHT without that routing table as it is', () => {
    assert.equal(trustConnectedContacts(undefined, () => true), false)
    assert.equal(trustConnectedContacts({ routingTable: {} }, () => true), false)
    const other = { routingTable: { kb: { verify: 'not a function' } } }
    assert.equal(trustConnectedContacts(other, () => true), false)
    assert.equal(other.routingTable.kb.verify, 'not a function')
  })

  it('reaches the routing table of the kad-dht this project runs', async () => {
    const { kadDHT } = await import('@libp2p/kad-dht')
    const { createLibp2p } = await import('libp2p')
    const { tcp } = await import('@libp2p/tcp')
    const { noise } = await import('@chainsafe/libp2p-noise')
    const { yamux } = await import('@chainsafe/libp2p-yamux')
    const { identify } = await import('@libp2p/identify')
    const { ping } = await import('@libp2p/ping')
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping(), dht: kadDHT({ clientMode: true }) }
    })
    try {
      assert.equal(trustConnectedContacts(node.services.dht, () => true), true, 'kad-dht changed: dht-tuning.ts no longer reaches its routing table')
    } finally {
      await node.stop()
    }
  })
})
