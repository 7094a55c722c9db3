/**
 * Versioned protocol ids. A peer that speaks a newer major version registers a new id
 * beside the old one; never change the meaning of an existing id.
 */
export const PROTOCOL_PREFIX = '/stampede'

/** Client -> login server: authenticate, get a token and supernode referrals. */
export const LOGIN_PROTOCOL = `${PROTOCOL_PREFIX}/login/1.0.0`
/** Client -> supernode: long-lived attach stream with heartbeats. */
export const ATTACH_PROTOCOL = `${PROTOCOL_PREFIX}/attach/1.0.0`
/** Supernode -> login server: load report, promotion and demotion decisions. */
export const REPORT_PROTOCOL = `${PROTOCOL_PREFIX}/report/1.0.0`
/** Client -> supernode: where is this user attached? */
export const PRESENCE_PROTOCOL = `${PROTOCOL_PREFIX}/presence/1.0.0`
/** The supernodes' own Kademlia DHT, kept apart from any public one. */
export const KAD_PROTOCOL = `${PROTOCOL_PREFIX}/kad/1.0.0`
/** DHT key namespace for presence records: `/stampede-presence/<user peer id, base58>`. */
export const PRESENCE_KEY_PREFIX = '/stampede-presence/'
