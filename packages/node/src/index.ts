/**
 * @packageDocumentation
 *
 * The Stampede overlay node: a libp2p node that runs the login server, or a peer that
 * logs in, attaches to a supernode and may be promoted to one. `createOverlayNode` is the
 * library entry point; `stampede-node` (bin) runs one node per process.
 */
export { createOverlayNode, servesInbound, DEFAULT_TIMING, DEFAULT_PROFILE } from './overlay-node.js'
export type { OverlayNode, OverlayNodeInit, NodeStatus, OverlayRole, TimingOptions } from './overlay-node.js'
export { loginServer } from './login-server.js'
export type { LoginServer, LoginServerInit, LoginServerView, LoginServerComponents } from './login-server.js'
export { supernode } from './supernode.js'
export type { Supernode, SupernodeInit, SupernodeComponents, LoginServerAddress, AttachedClient } from './supernode.js'
export { client } from './client.js'
export type { Client, ClientInit, ClientComponents, ClientState } from './client.js'
export { HostCache } from './host-cache.js'
export type { HostCacheEntry, HostCacheInit } from './host-cache.js'
export { issueToken, verifyToken } from './token.js'
export { loadOrCreateIdentity } from './identity.js'
export { writeFileAtomic } from './atomic-file.js'
export type { WriteFileAtomicOptions } from './atomic-file.js'
export { startControlEndpoint, isLoopback } from './control.js'
export type { ControlEndpoint, ControlEndpointInit } from './control.js'
export { OverlayMetrics } from './metrics.js'
export { busyMark, busySince, cpuStalledUs } from './busy.js'
export type { BusyMark, BusyShare } from './busy.js'
export { coalescingTcp, coalesceWrites, nodeHkdf, noiseCrypto, tuneLengthPrefixedDecoder, tunedNoise, tunedYamux, tuneYamuxWindowUpdates } from './wire-tuning.js'
export { dedupeDhtDiscovery, DEFAULT_DISCOVERY_MEMORY, DEFAULT_DISCOVERY_REFRESH_MS } from './discovery-dedupe.js'
export type { DedupeDhtDiscoveryOptions } from './discovery-dedupe.js'
export { tunePeerStore, DEFAULT_TUNED_PEER_STORE_PEERS, DEFAULT_KNOWN_PROTOCOLS_TTL_MS, DEFAULT_KNOWN_ADDRESSES_TTL_MS } from './peer-store-tuning.js'
export type { TunePeerStoreOptions } from './peer-store-tuning.js'
export { createEventLog } from './event-log.js'
export type { EventLog, OverlayEvent } from './event-log.js'
export * from './errors.js'
export * from './constants.js'
