/**
 * What one node costs the machine, for the capacity check `stampede up` and `stampede run`
 * make before they start anything (see capacity.ts). Measured on this repository's dev
 * machine (2 cores, Linux, Node 24, `--max-semi-space-size=1`, bundled entry points).
 */

const MB = 1024 * 1024

/**
 * Memory every node process and worker maps and shares with the others: the Node.js
 * binary's code and read-only data. It is in each process's RSS (Shared_Clean in
 * /proc/<pid>/smaps_rollup: 52.9 MB median, 55.5 MB at most, over the 40 peers of a
 * 40-peer testnet) but takes the machine's memory once, so it is counted once.
 */
export const SHARED_CODE_BYTES = 56 * MB

/**
 * What one node in a process of its own (process mode) adds beyond the shared code, at
 * idle after bring-up: PSS median 31.0 MB, largest 44.4 MB (private 29.7 / 43.0 MB) over
 * the peers of a 40-peer testnet, supernodes included (RSS 83.4 MB median, of which the
 * shared code is most of the rest). Summing RSS instead counted the shared code once per
 * process and refused 300 peers that fit (27.1 GB estimated; about 14 GB is real).
 */
export const NODE_PROCESS_PRIVATE_BYTES = 45 * MB

/** The login server's process beyond the shared code: 52.7 MB private with 500 peers; more with more. */
export const LOGIN_SERVER_PRIVATE_BYTES = 100 * MB

/**
 * A worker process of packed mode before it runs any node, beyond the shared code: VmRSS
 * 81 MB right after it said hello (three runs: 80.9-81.3 MB), of which about 52 MB shared.
 */
export const WORKER_BASE_PRIVATE_BYTES = 35 * MB

/**
 * What each packed node adds to its worker's resident memory (packed mode), rounded up to
 * the largest figure measured. How: `stampede up --config testnet/small.yaml --nodes N
 * --nodes-per-process K --detach`, 20 s after every peer logged in read VmRSS of each
 * worker (`grep VmRSS /proc/<pid>/status`, pids under `workers` in
 * `.stampede/<name>/nodes.json`), then (sum - workers x 82 MB at start) / N:
 *   N=48 K=4:  9.8 MB (12 workers, 95-158 MB each; 30.3 MB per peer all told)
 *   N=48 K=16: 5.0 MB (3 workers, 133-192 MB; 10.1 MB per peer all told)
 *   N=96 K=32: 7.5 MB (3 workers, 275-362 MB; 10.1 MB per peer all told)
 * These are figures at rest: under crash/restart churn a worker's RSS grows further while
 * V8 lets its heap fill before a major GC (an 8-node worker crashed and restarted 240
 * times in a row: RSS 100 -> 222 MB, live heap after each mark-compact steady at 28-32
 * MB, so no leak).
 */
export const PACKED_NODE_BYTES = 10 * MB
// With the workers' 8 MB young generation (BUSY_EXEC_ARGV) the estimate still holds: 400
// peers at K=25, at steady state, private memory per worker median 119 MB, largest 186 MB,
// against 35 + 25 x 10 = 285 MB estimated; the login server 85 MB private.

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
