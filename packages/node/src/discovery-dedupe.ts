/**
 * Kad-DHT is also a peer discovery source for libp2p: every peer named in every DHT answer
 * (up to k "closer peers" per FIND_NODE, PUT_VALUE or GET_VALUE response) is handed to
 * libp2p, which merges its addresses into the peer store. A merge takes the peer's write
 * lock, loads and re-encodes its record and compares it, even when nothing changed; in a
 * DHT of tens of supernodes, where the same few peers are named in answer after answer, a
 * presence put (a query and a store, 15-17 requests) cost some 60 such merges. Profiled
 * among 39 supernodes in one process, the merges were about a fifth of the CPU of a put.
 *
 * `dedupeDhtDiscovery()` passes a discovered peer on to libp2p only when its addresses
 * differ from those passed on last time, or that was more than `refreshMs` ago: what the
 * peer store sees is the same, less often. The DHT's own use of the answers (its routing
 * table, the query's next hops) is untouched: it listens to its network, not to this.
 */
import { peerDiscoverySymbol } from '@libp2p/interface'
import { setNewest } from './bounded.js'
import type { PeerDiscovery, PeerDiscoveryEvents, PeerInfo } from '@libp2p/interface'

/** Discovered peers remembered before the oldest are forgotten. */
export const DEFAULT_DISCOVERY_MEMORY = 2_048
/** A peer seen again with the same addresses after this long is passed on again. */
export const DEFAULT_DISCOVERY_REFRESH_MS = 60_000

export interface DedupeDhtDiscoveryOptions {
  /** peers remembered (oldest forgotten first); @default 2048 */
  maxPeers?: number
  /** pass a peer on again after this long even when unchanged; @default 60000 */
  refreshMs?: number
  /** the clock; @default Date.now */
  now?(): number
}

type Listener = ((evt: CustomEvent<PeerInfo>) => void) | { handleEvent(evt: CustomEvent<PeerInfo>): void }

/**
 * Give `service` (a kad-dht instance) a peer discovery face that drops repeats. Returns the
 * same service. A service with no peer discovery face is returned as it is.
 */
export function dedupeDhtDiscovery<T extends object> (service: T, opts: DedupeDhtDiscoveryOptions = {}): T {
  const inner = (service as Partial<Record<typeof peerDiscoverySymbol, PeerDiscovery>>)[peerDiscoverySymbol]
  if (inner == null) return service
  const maxPeers = Math.max(1, opts.maxPeers ?? DEFAULT_DISCOVERY_MEMORY)
  const refreshMs = Math.max(0, opts.refreshMs ?? DEFAULT_DISCOVERY_REFRESH_MS)
  const now = opts.now ?? Date.now
  // peer id -> the addresses last passed on, and when
  const seen = new Map<string, { addrs: string, at: number }>()
  const wrapped = new Map<Listener, (evt: CustomEvent<PeerInfo>) => void>()

  /** true when this sighting should reach libp2p; remembers it if so */
  function fresh (peer: PeerInfo): boolean {
    const id = peer.id.toString()
    const addrs = peer.multiaddrs.map(ma => ma.toString()).sort().join(' ')
    const t = now()
    const last = seen.get(id)
    if (last != null && last.addrs === addrs && t - last.at < refreshMs && t >= last.at) return false
    setNewest(seen, id, { addrs, at: t }, maxPeers)
    return true
  }

  const face = {
    addEventListener (type: string, listener: Listener | null, options?: Parameters<PeerDiscovery['addEventListener']>[2]): void {
      if (listener == null) return
      if (type !== 'peer') {
        inner.addEventListener(type as keyof PeerDiscoveryEvents, listener as never, options)
        return
      }
      const filtered = (evt: CustomEvent<PeerInfo>): void => {
        if (!fresh(evt.detail)) return
        if (typeof listener === 'function') listener(evt)
        else listener.handleEvent(evt)
      }
      wrapped.set(listener, filtered)
      inner.addEventListener('peer', filtered, options)
    },
    removeEventListener (type: string, listener: Listener | null, options?: Parameters<PeerDiscovery['removeEventListener']>[2]): void {
      if (listener == null) return
      const filtered = type === 'peer' ? wrapped.get(listener) : undefined
      if (filtered != null) wrapped.delete(listener)
      inner.removeEventListener(type as keyof PeerDiscoveryEvents, (filtered ?? listener) as never, options)
    },
    dispatchEvent: (evt: Event): boolean => inner.dispatchEvent(evt),
    safeDispatchEvent: inner.safeDispatchEvent.bind(inner),
    listenerCount: inner.listenerCount.bind(inner)
  }
  Object.defineProperty(service, peerDiscoverySymbol, { value: face, configurable: true, enumerable: false })
  return service
}
