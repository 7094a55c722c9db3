/**
 * Every default of the overlay node in one place. Durations are milliseconds; a testnet
 * compresses time, so these are values for a local run where seconds stand for minutes.
 */

/** How often a client sends a heartbeat to its supernode. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000
/** A supernode or client silent this long is considered gone. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3_500
/** How often a supernode reports its load to the login server. */
export const DEFAULT_REPORT_INTERVAL_MS = 1_000
/** The login server forgets a supernode that has not reported for this long. */
export const DEFAULT_SUPERNODE_EXPIRY_MS = 3_500
/** Upper bound on any single request/response exchange (dial included). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000
/** First retry delay of a client after a failed log-in or attach round. */
export const DEFAULT_RETRY_BASE_MS = 250
/** Largest retry delay of a client. */
export const DEFAULT_RETRY_MAX_MS = 5_000

/** How long a login token stays valid. */
export const DEFAULT_TOKEN_TTL_MS = 3_600_000
/** Supernode referrals handed out per log-in. */
export const DEFAULT_REFERRALS = 3
/** Peers the login server remembers as promotion candidates. */
export const DEFAULT_MAX_CANDIDATES = 1_024
/** Supernodes the login server tracks at most. */
export const DEFAULT_MAX_SUPERNODES = 4_096
/** How long a peer turned away for lack of supernodes counts as unserved demand. */
export const DEFAULT_UNSERVED_WINDOW_MS = 5_000
/** How long a promotion order counts as a supernode before its first report arrives. */
export const DEFAULT_PROMOTION_GRACE_MS = 5_000

/** Host cache: most supernodes remembered (Skype/KaZaA: up to 200). */
export const DEFAULT_HOST_CACHE_SIZE = 200
/** Host cache: an entry that failed this many times in a row is dropped. */
export const DEFAULT_HOST_CACHE_MAX_FAILURES = 3
/** Host cache: at most one write to disk per this many ms. */
export const DEFAULT_HOST_CACHE_SAVE_DELAY_MS = 500
/** Candidates tried per attach round before asking the login server again. */
export const DEFAULT_ATTACH_TRIES_PER_ROUND = 4

/** Supernode: pending presence publications kept before the oldest are dropped. */
export const DEFAULT_PRESENCE_QUEUE_SIZE = 256
/**
 * Supernode: a client's presence is published into the DHT once it has stayed attached
 * this long. A put costs a DHT query and a store on the closest supernodes, about as much
 * CPU as the log-in and attach together; published at once, the puts of a burst of
 * attaches (a restart storm, a newly promoted supernode filling up) competed with the
 * log-ins themselves.
 */
export const DEFAULT_PRESENCE_DELAY_MS = 2_000
/**
 * Supernode: while no other supernode is in its DHT routing table, queued presence records
 * wait, and the queue looks again this often.
 */
export const PRESENCE_NO_PEERS_POLL_MS = 500
/** Supernode: other supernodes it keeps a connection to, for the DHT. */
export const DEFAULT_DHT_NEIGHBOURS = 4
/**
 * The supernodes' Kademlia DHT, sized for an overlay of tens of supernodes instead of
 * kad-dht's defaults for the public IPFS DHT (k 20, alpha 10, 10 disjoint paths): a
 * presence record is stored on the DHT_K supernodes closest to its key, and a query asks
 * DHT_ALPHA peers at a time along DHT_DISJOINT_PATHS path(s). With the defaults every
 * attach sent a FIND_NODE and a PUT_VALUE (each a new stream) to nearly every supernode,
 * and each FIND_NODE answer read k peers from the peer store.
 */
export const DEFAULT_DHT_K = 8
export const DEFAULT_DHT_ALPHA = 3
export const DEFAULT_DHT_DISJOINT_PATHS = 1
/** Supernode: clients offered to the login server as promotion candidates per report. */
export const DEFAULT_CANDIDATES_PER_REPORT = 8

/** Streams a peer may have open per connection, per protocol. */
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 4

/** Control endpoint: requests in flight at most, and their time limit. */
export const DEFAULT_CONTROL_MAX_CONNECTIONS = 32
export const DEFAULT_CONTROL_REQUEST_TIMEOUT_MS = 5_000

/** Event log: pending writes before events are dropped (and counted). */
export const DEFAULT_EVENT_LOG_HIGH_WATER = 1_000

/** Connection limits raised for loopback testnets, where every peer is one host. */
export const DEFAULT_MAX_CONNECTIONS = 2_000
export const DEFAULT_MAX_INCOMING_PENDING = 256
export const DEFAULT_INBOUND_THRESHOLD = 10_000

/**
 * The longest a request waits in an unbounded (legacy) admission queue before it is
 * served anyway; its client has long gone by then, which is the point of the fault.
 */
export const MAX_QUEUE_WAIT_MS = 10 * 60_000
/** Supernode: attaches per second it serves (its share of the modelled CPU) unless the policy says. */
export const DEFAULT_ATTACHES_PER_SECOND = 10

/** A client waits out one supernode's rate limit (retry-after) at most this often per round before moving on. */
export const MAX_RATE_LIMIT_WAITS = 3
/** Referral requests the login server holds at once waiting for a supernode; more are answered at once. */
export const MAX_HELD_REFERRAL_REQUESTS = 512
