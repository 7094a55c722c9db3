/**
 * js-libp2p records, on every stream it opens or accepts, that the remote peer speaks the
 * stream's protocol: `peerStore.merge(peer, { protocols: [protocol] })`, once on each side.
 * A merge takes the peer's write lock, loads and decodes its record, rebuilds it and
 * compares, even when the protocol was recorded long ago, as it nearly always was. Each
 * DHT request is a new stream, so a presence put (15-17 requests) cost some 35 such merges;
 * among 39 supernodes in one process, skipping the repeats took a put from 43 to 35 ms of
 * CPU.
 *
 * `skipKnownProtocolMerges()` answers such a merge from memory when the protocols asked
 * for are already in the record the store returned last time for that peer. Any other
 * write for the peer (save, patch, a merge of anything else, delete, a peer record) goes
 * to the store as before and is seen through; what is remembered is bounded in peers and
 * forgotten after `ttlMs`, after which a merge goes to the store again. The store's
 * contents are the same as without it.
 */
import type { AbortOptions, Peer, PeerData, PeerId, PeerInfo, PeerStore } from '@libp2p/interface'

/** Peers whose protocols are remembered before the oldest are forgotten. */
export const DEFAULT_KNOWN_PROTOCOL_PEERS = 4_096
/** A remembered record is trusted this long, then the next merge goes to the store. */
export const DEFAULT_KNOWN_PROTOCOL_TTL_MS = 30_000

export interface SkipKnownProtocolMergesOptions {
  /** peers remembered (oldest forgotten first); @default 4096 */
  maxPeers?: number
  /** how long a remembered record is trusted; @default 30000 */
  ttlMs?: number
  /** the clock; @default Date.now */
  now?(): number
}

const TUNED = Symbol.for('@stampede/node/skip-known-protocol-merges')

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

/** Set `key` as the newest entry of `map`, forgetting the oldest first when it holds `max`. */
function setNewest<K, V> (map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key)
  if (map.size >= max) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
  }
  map.set(key, value)
}

/**
 * Call `onWrite` before each save, patch and delete (with the peer's id) and each peer
 * record (with undefined: a record may change any peer) that reaches `peerStore`.
 */
function beforeWrites (peerStore: PeerStore, onWrite: (id: string | undefined) => void): void {
  const save = peerStore.save.bind(peerStore)
  const patch = peerStore.patch.bind(peerStore)
  const del = peerStore.delete.bind(peerStore)
  const consumePeerRecord = peerStore.consumePeerRecord.bind(peerStore) as (...args: unknown[]) => Promise<boolean>
  peerStore.save = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    onWrite(id.toString())
    return save(id, data, options)
  }
  peerStore.patch = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    onWrite(id.toString())
    return patch(id, data, options)
  }
  peerStore.delete = async (id: PeerId, options?: AbortOptions): Promise<void> => {
    onWrite(id.toString())
    await del(id, options)
  }
  peerStore.consumePeerRecord = (async (...args: unknown[]): Promise<boolean> => {
    onWrite(undefined)
    return consumePeerRecord(...args)
  }) as PeerStore['consumePeerRecord']
}

/**
 * Make `peerStore` (libp2p's own instance: its components' peer store) answer repeated
 * protocol-only merges from memory. Patches the instance; idempotent. Returns it.
 */
export function skipKnownProtocolMerges (peerStore: PeerStore, opts: SkipKnownProtocolMergesOptions = {}): PeerStore {
  const store = peerStore as PeerStore & { [TUNED]?: true }
  if (store[TUNED] === true) return peerStore
  const maxPeers = Math.max(1, opts.maxPeers ?? DEFAULT_KNOWN_PROTOCOL_PEERS)
  const ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_KNOWN_PROTOCOL_TTL_MS)
  const now = opts.now ?? Date.now
  // peer id -> the record the store last returned for it, and when
  const known = new Map<string, { peer: Peer, protocols: ReadonlySet<string>, at: number }>()

  // peer id -> a number bumped by every write that reaches the store: a merge's answer is
  // remembered only if no other write for the peer started while it ran (the store
  // serialises writes per peer, so a later one may have changed the record since)
  const versions = new Map<string, number>()
  let nextVersion = 0
  const bump = (id: string): number => {
    known.delete(id)
    const v = ++nextVersion
    setNewest(versions, id, v, 2 * maxPeers)
    return v
  }

  const remember = (peer: Peer, version: number): void => {
    const id = peer.id.toString()
    if (versions.get(id) !== version) return
    setNewest(known, id, { peer, protocols: new Set(peer.protocols), at: now() }, maxPeers)
  }

  const merge = peerStore.merge.bind(peerStore)

  store.merge = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    const key = id.toString()
    const protocols = protocolsOnly(data)
    const entry = protocols != null ? known.get(key) : undefined
    if (entry != null && protocols != null) {
      const t = now()
      if (t >= entry.at && t - entry.at < ttlMs && protocols.every(p => entry.protocols.has(p))) return entry.peer
    }
    const version = bump(key)
    const peer = await merge(id, data, options)
    if (protocols != null) remember(peer, version)
    return peer
  }
  beforeWrites(peerStore, (id) => {
    if (id != null) {
      bump(id)
      return
    }
    // a peer record (rare) may change any peer: forget everything
    known.clear()
    versions.clear()
  })
  store[TUNED] = true
  return peerStore
}

/** Peers whose addresses are remembered by `cachePeerInfoReads` before the oldest are forgotten. */
export const DEFAULT_PEER_INFO_CACHE_PEERS = 4_096
/** A remembered `getInfo` answer is trusted this long. */
export const DEFAULT_PEER_INFO_CACHE_TTL_MS = 5_000

const INFO_CACHED = Symbol.for('@stampede/node/cache-peer-info-reads')

/** `cachePeerInfoReads` options: peers remembered (4096), how long (5000 ms), the clock. */
export type CachePeerInfoReadsOptions = SkipKnownProtocolMergesOptions

/**
 * Make `peerStore.getInfo(peer)` (a peer's id and addresses) answer from memory for up to
 * `ttlMs` after the store last answered it. Kad-DHT reads it for every peer it names in an
 * answer, k per FIND_NODE: some 60 reads per presence put, each taking the peer's read lock
 * and decoding its whole record. Among 38 supernodes in one process a put went from 30 to
 * 20-29 ms of CPU. Any write that may change a peer's addresses (save, patch, delete, a
 * merge of anything but protocols, a peer record) forgets it, a read overtaken by such a
 * write is not remembered, and memory is bounded. Patches the instance; idempotent.
 */
export function cachePeerInfoReads (peerStore: PeerStore, opts: CachePeerInfoReadsOptions = {}): PeerStore {
  const store = peerStore as PeerStore & { [INFO_CACHED]?: true }
  if (store[INFO_CACHED] === true) return peerStore
  const maxPeers = Math.max(1, opts.maxPeers ?? DEFAULT_PEER_INFO_CACHE_PEERS)
  const ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_PEER_INFO_CACHE_TTL_MS)
  const now = opts.now ?? Date.now
  const cached = new Map<string, { info: PeerInfo, at: number }>()
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
  const forget = (id: string): void => {
    cached.delete(id)
    versions.delete(id)
  }

  const getInfo = peerStore.getInfo.bind(peerStore)
  const merge = peerStore.merge.bind(peerStore)

  store.getInfo = async (id: PeerId, options?: AbortOptions): Promise<PeerInfo> => {
    const key = id.toString()
    const hit = cached.get(key)
    const t = now()
    if (hit != null && t >= hit.at && t - hit.at < ttlMs) return { id: hit.info.id, multiaddrs: [...hit.info.multiaddrs] }
    const version = versionOf(key)
    const info = await getInfo(id, options)
    if (versions.get(key) === version) setNewest(cached, key, { info: { id: info.id, multiaddrs: [...info.multiaddrs] }, at: t }, maxPeers)
    return info
  }
  store.merge = async (id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> => {
    // a merge of protocols alone leaves the addresses as they are
    if (protocolsOnly(data) == null) forget(id.toString())
    return merge(id, data, options)
  }
  beforeWrites(peerStore, (id) => {
    if (id != null) {
      forget(id)
      return
    }
    cached.clear()
    versions.clear()
  })
  store[INFO_CACHED] = true
  return peerStore
}
