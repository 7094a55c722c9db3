/**
 * Which connections a peer runs identify on: only those a supernode's DHT can use.
 *
 * libp2p runs identify on every connection, from both ends: a stream, a signed peer
 * record to verify and a peer-store write each way. In the overlay almost none of it is
 * read. A client keeps its DHT routing table empty (see createOverlayNode) and dials the
 * login server and its supernode by address and protocol; a supernode reads nothing of
 * its clients' from the peer store. Only supernodes among themselves need it: identify is
 * how kad-dht learns that a connected peer speaks the DHT protocol, and so how a
 * supernode's routing table fills (dht-tuning.ts). So a peer's libp2p identifies nobody
 * on its own (`runOnConnectionOpen: false`, as the login server already did) and the
 * supernode service identifies, while it serves:
 *
 * - every connection it opens (to neighbours, to the peers its DHT queries reach), at once;
 * - an inbound connection from a supernode it knows of (report acks name them), at once;
 * - any other inbound connection after {@link IDENTIFY_INBOUND_GRACE_MS}, unless by then it
 *   is closed or carries a client's attach stream: a supernode that dialled us unknown
 *   still enters the table, a client never costs an identify.
 *
 * Never the login server (no DHT). A client promoted to supernode identifies the
 * connections it already has when it joins the DHT (`Supernode.activate`), and libp2p's
 * identify push then tells those peers that it serves the DHT. Measured against the old
 * behaviour behind a throwaway switch, runs alternating (README, "Peers identify only among
 * supernodes"): a 40-peer storm, 6 rounds each way, everyone logged in again 5.3-6.9 s
 * after the kill against 7.0-8.9 s; 1,000 packed peers up in 125.8 and 130.7 s against
 * 139.0 and 157.8 s.
 */
import type { Connection } from '@libp2p/interface'

/** How long an inbound connection of unknown purpose waits before a supernode identifies it. */
export const IDENTIFY_INBOUND_GRACE_MS = 2_000

export type IdentifyDecision = 'now' | 'later' | 'never'

export interface IdentifyContext {
  /** this peer serves as a supernode */
  serving: boolean
  /** the remote is the login server */
  loginServer: boolean
  /** the remote is a supernode this peer has heard of */
  knownSupernode: boolean
}

/** Whether a supernode identifies a connection that just opened, and when. */
export function identifyOnOpen (direction: Connection['direction'], c: IdentifyContext): IdentifyDecision {
  if (!c.serving || c.loginServer) return 'never'
  if (direction === 'outbound' || c.knownSupernode) return 'now'
  return 'later'
}

/**
 * Whether an inbound connection is still worth identifying once its grace has passed:
 * open, this peer still serving, and no attach stream on it (nor the remote among the
 * attached clients).
 */
export function identifyAfterGrace (conn: Pick<Connection, 'status' | 'streams'>, serving: boolean, attachedClient: boolean, attachProtocol: string): boolean {
  if (!serving || attachedClient || conn.status !== 'open') return false
  return !conn.streams.some(s => s.protocol === attachProtocol)
}
