/**
 * What one node costs the machine, for the capacity check `stampede up` and `stampede run`
 * make before they start anything (see capacity.ts). Measured on this repository's dev
 * machine (2 cores, Linux, Node 24, `--max-semi-space-size=1`, bundled entry points).
 */

const MB = 1024 * 1024

/**
 * Resident memory of one node in a process of its own (process mode), at idle after
 * bring-up: median 87.8 MB, p90 93.2 MB over the peers of a 20-peer testnet
 * (docs/benchmarks.md, `npm run bench`, VmRSS from /proc/<pid>/status).
 */
export const NODE_PROCESS_RSS_BYTES = 90 * MB

/** The login server's process: 95.3 MB in the same measurement, more with many peers. */
export const LOGIN_SERVER_RSS_BYTES = 100 * MB

/**
 * A worker process of packed mode before it runs any node: Node.js plus the bundled node
 * code loaded, VmRSS 81 MB right after it said hello (three runs: 80.9-81.3 MB).
 */
export const WORKER_BASE_RSS_BYTES = 82 * MB

/**
 * What each packed node adds to its worker's resident memory (packed mode), rounded up to
 * the largest figure measured. How: `stampede up --config testnet/small.yaml --nodes N
 * --nodes-per-process K --detach`, 20 s after every peer logged in read VmRSS of each
 * worker (`grep VmRSS /proc/<pid>/status`, pids under `workers` in
 * `.stampede/<name>/nodes.json`), then (sum - workers x WORKER_BASE_RSS_BYTES) / N:
 *   N=48 K=4:  9.8 MB (12 workers, 95-158 MB each; 30.3 MB per peer all told)
 *   N=48 K=16: 5.0 MB (3 workers, 133-192 MB; 10.1 MB per peer all told)
 *   N=96 K=32: 7.5 MB (3 workers, 275-362 MB; 10.1 MB per peer all told)
 * against about 90 MB for a node in a process of its own. These are figures at rest:
 * under crash/restart churn a worker's RSS grows further while V8 lets its heap fill
 * before a major GC (an 8-node worker crashed and restarted 240 times in a row: RSS
 * 100 -> 222 MB, live heap after each mark-compact steady at 28-32 MB, so no leak).
 */
export const PACKED_NODE_RSS_BYTES = 10 * MB

/**
 * File descriptors per node: its libp2p listener, its control endpoint, its event log and
 * its connections (each connection holds one descriptor at each end; both ends are on
 * this machine; supernodes also hold their clients and DHT neighbours). Measured in the
 * same runs (`ls /proc/<pid>/fd | wc -l`): up to 26 per node (838 in a worker of 32 peers
 * of a 96-peer testnet with 38 supernodes), 20 at K=16, 40 in a K=4 worker of supernodes;
 * the login server held peers + 26 (74 with 48 peers, 122 with 96).
 */
export const FDS_PER_NODE = 32

/** Descriptors of a Node.js process before any node runs (stdio, epoll, IPC, libuv's own). */
export const FDS_PER_PROCESS = 32

/**
 * Ephemeral ports each peer takes: its control endpoint (bound to port 0), the launcher's
 * keep-alive status connection to it, and the source ports of its outbound connections
 * (login server, supernode, a few DHT neighbours while a supernode).
 */
export const EPHEMERAL_PORTS_PER_NODE = 5

/** Share of the memory the kernel reports available that a testnet may plan to use. */
export const MEMORY_HEADROOM = 0.9
