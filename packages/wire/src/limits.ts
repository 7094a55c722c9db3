/**
 * The largest encoded message (excluding its length prefix) accepted on each protocol.
 * A longer frame is refused before it is buffered, and the stream is reset. Limits on
 * messages with repeated SupernodeInfo fit MAX_REFERRALS entries of MAX_ADDRS addresses.
 */
export const MAX_LOGIN_REQUEST_BYTES = 2 * 1024
export const MAX_LOGIN_RESPONSE_BYTES = 16 * 1024
export const MAX_CLIENT_FRAME_BYTES = 2 * 1024
export const MAX_SUPERNODE_FRAME_BYTES = 16 * 1024
export const MAX_REPORT_BYTES = 8 * 1024
export const MAX_REPORT_ACK_BYTES = 16 * 1024
export const MAX_PRESENCE_LOOKUP_BYTES = 256
export const MAX_PRESENCE_ANSWER_BYTES = 16 * 1024
export const MAX_PRESENCE_RECORD_BYTES = 1024

/** Bounds on repeated fields, applied while decoding. */
export const MAX_ADDRS = 8
export const MAX_REFERRALS = 16
export const MAX_CANDIDATES = 16
export const MAX_PROMOTE = 16

/** Bounds on scalar values a peer may declare; anything larger is rejected as absurd. */
export const MAX_PROFILE_CAPACITY = 100_000
export const MAX_PROFILE_BANDWIDTH_KBPS = 10_000_000
export const MAX_RETRY_AFTER_MS = 10 * 60_000
export const MAX_USER_LENGTH = 64
export const MAX_TOKEN_BYTES = 512
export const MAX_PEER_ID_BYTES = 64
/** supernodes a log-in request may name as unreachable */
export const MAX_UNREACHABLE = 8
/** the longest a client may ask the login server to hold its request */
export const MAX_LOGIN_WAIT_MS = 60_000
export const MAX_ADDR_BYTES = 128
