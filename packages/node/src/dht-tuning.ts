/**
 * Which peers a supernode's Kademlia routing table takes, and what it costs to take them.
 *
 * kad-dht adds a peer to its routing table from two sources: a connection on which
 * identify showed the DHT protocol, and every peer named in every DHT answer (up to k
 * "closer peers" per response). Before adding one it verifies it with a ping, dialling
 * it when there is no connection. On a testnet's bring-up that turned each new
 * supernode's first queries (kad-dht's start-up table refresh, by its source, waits up to
 * 30 s for a first routing-table peer, so a peer promoted that early runs it then) into a
 * connection to (nearly) every other supernode: measured on a 100-peer bring-up, 161 supernode-to-supernode
 * connections among 21 supernodes, each a TCP + Noise + Yamux + identify handshake on both
 * ends and a ping stream, for peers the DHT had only heard of. Peers named in answers
 * include dead ones too: after a mass crash a new supernode dialled the old supernodes'
 * addresses, where restarted peers were now clients. With the two changes below, three
 * alternating pairs of 100-peer bring-ups (process mode, default config): the supernodes
 * used 23.7-27.4 CPU-s in all against 30.0-36.9, and opened 6.5-7.6 outbound and 9.8-10.7
 * inbound connections each against 9.3-9.9 and 12.7-13.7.
 *
 * - `connectedOnlyMapper()`: kad-dht's `peerInfoMapper`, which every candidate for the
 *   routing table passes through (and the peers this node names in its own answers). In
 *   client mode it lets nobody through (a client's table stays empty, see overlay-node.ts);
 *   in server mode only peers this node has a connection to: the table fills from
 *   neighbours, clients' supernodes and the peers its own queries reached, all alive a
 *   moment ago, and this node names only those in its answers. A query still walks to the
 *   peers an answer names: kad-dht's query keeps its own list and dials them to ask.
 * - `trustConnectedContacts()`: a new contact with an open connection is taken without
 *   the verification ping: the connection's identify has just shown it alive and speaking
 *   the DHT protocol. A contact without one (none pass the mapper above) is pinged as before;
 *   so are old contacts when a full bucket needs room.
 */
import { passthroughMapper } from '@libp2p/kad-dht'
import type { PeerId, PeerInfo } from '@libp2p/interface'

/** kad-dht's routing table, as far as `trustConnectedContacts` reaches into it. */
interface RoutingTableInternals {
  routingTable?: { kb?: { verify?: (contact: { peerId: PeerId }, options?: unknown) => Promise<boolean> } }
}

/**
 * A peer info mapper for kad-dht: nobody while `isServer()` is false, then only peers
 * `isConnected` says this node has a connection to, with all their addresses (private
 * ones included: the overlay runs on loopback and LANs).
 */
export function connectedOnlyMapper (isServer: () => boolean, isConnected: (peer: PeerId) => boolean): (info: PeerInfo) => PeerInfo {
  return (info) => isServer() && isConnected(info.id) ? passthroughMapper(info) : { ...info, multiaddrs: [] }
}

/**
 * Let `dht` (a kad-dht instance) take a new routing-table contact that `isConnected`
 * reports connected without pinging it first. Returns false, changing nothing, when the
 * instance does not have the routing table this was written against (another DHT
 * implementation or version): the DHT then works as it comes.
 */
export function trustConnectedContacts (dht: unknown, isConnected: (peer: PeerId) => boolean): boolean {
  const kb = (dht as RoutingTableInternals | undefined)?.routingTable?.kb
  const verify = kb?.verify
  if (kb == null || typeof verify !== 'function') return false
  kb.verify = async (contact, options) => isConnected(contact.peerId) ? true : verify(contact, options)
  return true
}
