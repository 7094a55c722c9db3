import { readFileSync } from 'node:fs'
import {
  EPHEMERAL_PORTS_PER_NODE, FDS_PER_NODE, FDS_PER_PROCESS, LOGIN_SERVER_PRIVATE_BYTES, MEMORY_HEADROOM,
  NODE_PROCESS_PRIVATE_BYTES, PACKED_NODE_BYTES, SHARED_CODE_BYTES, WORKER_BASE_PRIVATE_BYTES
} from './constants.js'
import { ephemeralRange, PORT_FLOOR } from './ports.js'

/** What the machine offers a testnet. */
export interface HostLimits {
  /** bytes of memory available to new processes (MemAvailable, or the cgroup's limit) */
  availableMemory: number
  /** soft limit on open files of each process (`ulimit -n`), inherited by the nodes */
  maxOpenFiles: number
  /** listen ports: from PORT_FLOOR up to below the ephemeral range */
  listenPorts: [number, number]
  /** the kernel's ephemeral port range (outbound source ports, port-0 listeners) */
  ephemeralPorts: [number, number]
}

export interface CapacityEstimate {
  /** peers, not counting the login server */
  nodes: number
  nodesPerProcess: number
  /** processes the testnet runs: the login server and one per peer, or one per worker */
  processes: number
  memory: { needed: number, limit: number, detail: string }
  /** the busiest process: a worker (packed), a node, or the login server (a connection per peer) */
  fds: { needed: number, limit: number, detail: string }
  /** the launcher's own descriptors: an IPC channel per process, a status connection per node */
  launcherFds: { needed: number, limit: number, detail: string }
  listenPorts: { needed: number, limit: number, detail: string }
  ephemeralPorts: { needed: number, limit: number, detail: string }
  /** one line per limit exceeded; empty when the testnet fits */
  problems: string[]
}

/** The testnet does not fit on this machine; nothing was started. */
export class CapacityError extends Error {
  override name = 'CapacityError'
  /** bad input: the CLI exits with 2 */
  readonly exitCode = 2
  readonly estimate: CapacityEstimate

  constructor (estimate: CapacityEstimate) {
    super(`${estimate.nodes} peers${estimate.nodesPerProcess > 1 ? ` at ${estimate.nodesPerProcess} per process` : ''} do not fit on this machine:\n  ${estimate.problems.join('\n  ')}`)
    this.estimate = estimate
  }
}

function softOpenFileLimit (): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find(l => l.startsWith('Max open files'))
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER
    const n = Number(soft)
    if (Number.isInteger(n) && n > 0) return n
  } catch {
    // not Linux
  }
  return 1024
}

/** The limits of this machine and this process, as the nodes will inherit them. */
export function readHostLimits (): HostLimits {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange()
  return {
    availableMemory: process.availableMemory(),
    maxOpenFiles: softOpenFileLimit(),
    listenPorts: [PORT_FLOOR, Math.max(PORT_FLOOR, ephemeralLow) - 1],
    ephemeralPorts: [ephemeralLow, ephemeralHigh]
  }
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`

/**
 * Estimate what `nodes` peers (plus the login server) at `nodesPerProcess` per process
 * need, against the machine's memory, open-file limit and port ranges. The per-node
 * figures are measured ones (constants.ts).
 */
export function estimateCapacity (nodes: number, nodesPerProcess: number, host: HostLimits = readHostLimits()): CapacityEstimate {
  const k = Math.max(1, Math.min(nodesPerProcess, nodes))
  const workers = Math.ceil(nodes / k)
  const packed = nodesPerProcess > 1
  const processes = 1 + workers

  // the Node.js code every process maps is counted once; each process adds its own
  const nodeMemory = packed ? workers * WORKER_BASE_PRIVATE_BYTES + nodes * PACKED_NODE_BYTES : nodes * NODE_PROCESS_PRIVATE_BYTES
  const memory = {
    needed: SHARED_CODE_BYTES + LOGIN_SERVER_PRIVATE_BYTES + nodeMemory,
    limit: Math.floor(host.availableMemory * MEMORY_HEADROOM),
    detail: packed
      ? `shared code ${mb(SHARED_CODE_BYTES)} + login server ${mb(LOGIN_SERVER_PRIVATE_BYTES)} + ${workers} workers x ${mb(WORKER_BASE_PRIVATE_BYTES)} + ${nodes} packed nodes x ${mb(PACKED_NODE_BYTES)}`
      : `shared code ${mb(SHARED_CODE_BYTES)} + login server ${mb(LOGIN_SERVER_PRIVATE_BYTES)} + ${nodes} node processes x ${mb(NODE_PROCESS_PRIVATE_BYTES)}`
  }

  // the login server holds a connection per peer; a worker holds k nodes' descriptors
  const loginFds = FDS_PER_PROCESS + FDS_PER_NODE + nodes
  const workerFds = FDS_PER_PROCESS + k * FDS_PER_NODE
  const fds = loginFds >= workerFds
    ? { needed: loginFds, limit: host.maxOpenFiles, detail: `the login server: ${FDS_PER_PROCESS} + ${FDS_PER_NODE} + a connection per peer (${nodes})` }
    : { needed: workerFds, limit: host.maxOpenFiles, detail: `each ${packed ? 'worker' : 'node process'}: ${FDS_PER_PROCESS} + ${k} node${k === 1 ? '' : 's'} x ${FDS_PER_NODE}` }
  const launcherFds = {
    needed: FDS_PER_PROCESS + processes + (nodes + 1),
    limit: host.maxOpenFiles,
    detail: `the launcher: ${FDS_PER_PROCESS} + an IPC channel per process (${processes}) + a status connection per node (${nodes + 1})`
  }

  const listenPorts = {
    needed: nodes + 1,
    limit: Math.max(0, host.listenPorts[1] - host.listenPorts[0] + 1),
    detail: `one per node, from ${host.listenPorts[0]} to ${host.listenPorts[1]} (below the ephemeral range)`
  }
  const ephemeralPorts = {
    needed: (nodes + 1) * EPHEMERAL_PORTS_PER_NODE,
    limit: Math.max(0, host.ephemeralPorts[1] - host.ephemeralPorts[0] + 1),
    detail: `${EPHEMERAL_PORTS_PER_NODE} per node (control endpoint, status connection, outbound connections), ephemeral range ${host.ephemeralPorts[0]}-${host.ephemeralPorts[1]}`
  }

  const problems: string[] = []
  const hint = packed ? 'lower --nodes' : 'lower --nodes or pack nodes with --nodes-per-process'
  if (memory.needed > memory.limit) {
    problems.push(`memory: needs about ${mb(memory.needed)} (${memory.detail}), but ${mb(memory.limit)} is available (${Math.round(MEMORY_HEADROOM * 100)} % of ${mb(host.availableMemory)}); ${hint}`)
  }
  if (fds.needed > fds.limit) {
    problems.push(`file descriptors: ${fds.detail} needs about ${fds.needed}, above the open-file limit of ${fds.limit} (ulimit -n); raise it or ${packed ? 'lower --nodes-per-process' : 'lower --nodes'}`)
  }
  if (launcherFds.needed > launcherFds.limit) {
    problems.push(`file descriptors: ${launcherFds.detail} needs about ${launcherFds.needed}, above the open-file limit of ${launcherFds.limit} (ulimit -n); raise it or lower --nodes`)
  }
  if (listenPorts.needed > listenPorts.limit) {
    problems.push(`ports: ${listenPorts.needed} listen ports needed, ${listenPorts.detail} holds ${listenPorts.limit}; lower --nodes`)
  }
  if (ephemeralPorts.needed > ephemeralPorts.limit) {
    problems.push(`ports: about ${ephemeralPorts.needed} ephemeral ports needed (${ephemeralPorts.detail}), the range holds ${ephemeralPorts.limit}; lower --nodes`)
  }
  return { nodes, nodesPerProcess, processes, memory, fds, launcherFds, listenPorts, ephemeralPorts, problems }
}

/** Throw a CapacityError when the testnet would not fit on this machine. */
export function checkCapacity (nodes: number, nodesPerProcess: number, host?: HostLimits): CapacityEstimate {
  const estimate = estimateCapacity(nodes, nodesPerProcess, host)
  if (estimate.problems.length > 0) throw new CapacityError(estimate)
  return estimate
}
