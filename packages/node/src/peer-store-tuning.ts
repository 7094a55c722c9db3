/**
 * Two kinds of peer-store traffic that are nearly always repeats, answered from memory:
 *
 * - **Protocol merges.** js-libp2p records, on every stream it opens or accepts, that the
 *   remote peer speaks the stream's protocol: `peerStore.merge(peer, { protocols: [p] })`,
 *   once on each side. A merge takes the peer's write lock, loads and decodes its record,
 *   rebuilds it and compares, even when the protocol was recorded long ago, as it nearly
 *   always was. Each DHT request is a new stream, so a presence put (15-17 requests) cost
 *   some 35 such merges; among 39 supernodes in one process, skipping the repeats took a
 *   put from 43 to 35 ms of CPU. A protocol-only merge whose protocols are in the record the
 *   store returned for that peer (within `protocolsTtlMs`) is answered with that record.
 * - **Address reads.** Kad-DHT reads `getInfo` (id and addresses) for every peer it names in
 *   an answer, k per FIND_NODE: some 60 reads per put, each taking the peer's read lock and
 *   decoding its whole record. An answer is kept `addressesTtlMs`; among 36-40 supernodes,
 *   three A/B pairs of 100 puts went from 27.1 to 23.0 ms of CPU per put.
 *
 * Every write that reaches the store (save, patch, delete, a merge not answered from
 * memory) forgets what was remembered of that peer (its addresses only when the write may
 * change them: not a protocol-only merge), a peer record forgets everything, and an answer
 * overtaken by a write for the same peer is not remembered. Memory is bounded in peers.
 * The store's contents are the same as without it; callers get copies of address lists.
 */
import { setNewest } from './bounded.js'
import type { AbortOptions, Peer, PeerData, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'

/** Peers remembered (for each kind) before the oldest are forgotten. */
export const DEFAULT_TUNED_PEER_STORE_PEERS = 4_096
/** A remembered record is trusted this long for protocol merges. */
export const DEFAULT_KNOWN_PROTOCOLS_TTL_MS = 30_000
/** A remembered `getInfo` answer is trusted this long. */
export const DEFAULT_KNOWN_ADDRESSES_TTL_MS = 5_000

export interface TunePeerStoreOptions {
  /** peers remembered for each kind (oldest forgotten first); @default 4096 */
  maxPeers?: number
  /** how long a record answers protocol merges; @default 30000 */
  protocolsTtlMs?: number
  /** how long a `getInfo` answer is reused; @default 5000 */
  addressesTtlMs?: number
  /** the clock; @default Date.now */
  now?(): number
}

const TUNED = Symbol.for('@stampede/node/tune-peer-store')

/** Only `protocols` is being merged (what libp2p's connections merge on each stream). */
function protocolsOnly (data: PeerData): readonly string[] | undefined {
  let protocols: readonly string[] | undefined
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue
    if (key !== 'protocols' || !Array.isArray(value)) return undefined
    protocols = value as string[]
  }
  return protocols
}

/**
 * Make `peerStore` (libp2p's own instance: its components' peer store, the one its
 * connections and services use) answer repeated protocol merges and address reads from
 * memory. Patches the instance; idempotent. Returns it.
 */
export function tunePeerStore (peerStore: PeerStore, opts: TunePeerStoreOptions = {}): PeerStore {
  const store = peerStore as PeerStore & { [TUNED]?: true }
  if (store[TUNED] === true) return peerStore
  const maxPeers = Math.max(1, opts.maxPeers ?? DEFAULT_TUNED_PEER_STORE_PEERS)
  const protocolsTtlMs = Math.max(0, opts.protocolsTtlMs ?? DEFAULT_KNOWN_PROTOCOLS_TTL_MS)
  const addressesTtlMs = Math.max(0, opts.addressesTtlMs ?? DEFAULT_KNOWN_ADDRESSES_TTL_MS)
  const now = opts.now ?? Date.now
  const fresh = (at: number, t: number, ttl: number): boolean => t >= at && t - at < ttl
  // peer id -> the record the store last returned for a protocol merge, and when
  const known = new Map<string, { peer: Peer, protocols: ReadonlySet<string>, at: number }>()
  // peer id -> the store's last getInfo answer, and when
  const addresses = new Map<string, { info: PeerInfo, at: number }>()
  // peer id -> a number changed by every write that reaches the store: an answer is kept
  // only if no write for the peer started while it ran (the store serialises a peer's
  // writes, so a later one may have changed the record since)
  const versions = new Map<string, number>()
  let nextVersion = 0
  const versionOf = (id: string): number => {
    let v = versions.get(id)
    if (v == null) {
      v = ++nextVersion
      setNewest(versions, id, v, 2 * maxPeers)
    }
    return v
  }
  const written = (id: string, addressesMayChange: boolean): number => {
    known.delete(id)
    if (addressesMayChange) addresses.delete(id)
    const v = ++nextVersion
    setNewest(versions, id, v, 2 * maxPeers)
    return v
  }

  const merge = peerStore.merge.bind(peerStore)
  const getInfo = peerStore.getInfo.bind(peerStore)
  const save = peerStore.save.bind(peerStore)
  const patch = peerStore.patch.bind(peerStore)
  const del = peerStore.delete.bind(peerStore)
  const consumePeerRecord = peerStore.consumePeerRecord.bind(peerStore) as (...args: unknown[]) => Promise<boolean>

  store.merge = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    const key = id.toString()
    const protocols = protocolsOnly(data)
    const entry = protocols != null ? known.get(key) : undefined
    if (entry != null && protocols != null && fresh(entry.at, now(), protocolsTtlMs) && protocols.every(p => entry.protocols.has(p))) {
      return entry.peer
    }
    // a merge of protocols alone leaves the addresses as they are
    const version = written(key, protocols == null)
    const peer = await merge(id, data, options)
    if (protocols != null && versions.get(key) === version) {
      setNewest(known, key, { peer, protocols: new Set(peer.protocols), at: now() }, maxPeers)
    }
    return peer
  }
  store.getInfo = async (id: PeerId, options?: AbortOptions): Promise<PeerInfo> => {
    const key = id.toString()
    const hit = addresses.get(key)
    const t = now()
    if (hit != null && fresh(hit.at, t, addressesTtlMs)) return { id: hit.info.id, multiaddrs: [...hit.info.multiaddrs] }
    const version = versionOf(key)
    const info = await getInfo(id, options)
    if (versions.get(key) === version) setNewest(addresses, key, { info: { id: info.id, multiaddrs: [...info.multiaddrs] }, at: t }, maxPeers)
    return info
  }
  store.save = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    written(id.toString(), true)
    return save(id, data, options)
  }
  store.patch = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    written(id.toString(), true)
    return patch(id, data, options)
  }
  store.delete = async (id: PeerId, options?: AbortOptions): Promise<void> => {
    written(id.toString(), true)
    await del(id, options)
  }
  // a peer record (rare) may change any peer: forget everything
  store.consumePeerRecord = (async (...args: unknown[]): Promise<boolean> => {
    known.clear()
    addresses.clear()
    versions.clear()
    return consumePeerRecord(...args)
  }) as PeerStore['consumePeerRecord']
  store[TUNED] = true
  return peerStore
}
