#!/usr/bin/env node
/**
 * stampede-worker: several overlay nodes in one process, the testnet's packed mode.
 *
 * Started by the testnet launcher with an IPC channel, never by hand. The launcher asks it
 * to start, stop or crash nodes by name; each node keeps its own identity key, data
 * directory, listen port, control endpoint, logger tag (`stampede:<name>`) and metrics
 * registry, exactly as in a process of its own.
 *
 * A crash is what a dead machine looks like from outside: every TCP connection of that
 * node is reset (RST from the socket, before yamux can send a GoAway; no DETACH, no MOVE,
 * no stream close), any connection opened during the crash is reset as it opens, its
 * timers and streams end, and nothing is flushed. The other nodes of the process carry on.
 * Killing the whole worker (SIGKILL) takes all its nodes down at once.
 *
 * The worker exits when its parent goes away (IPC disconnect or a changed parent pid), so
 * no node outlives its testnet; SIGTERM stops every node politely, then exits.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { warmOnEvents } from '../code-cache.js'
import { settleOnEvents } from '../event-log.js'
import { createOverlayNode } from '../index.js'
import type { OverlayNode, OverlayNodeInit } from '../index.js'
import type { Connection } from '@libp2p/interface'

/** Nodes one worker runs at most unless `--max-nodes` says otherwise. */
const DEFAULT_MAX_NODES = 64
/** Upper bound of `--max-nodes`. */
const MAX_MAX_NODES = 1_024
/** A polite stop of one node that takes longer than this becomes a crash. */
const STOP_TIMEOUT_MS = 5_000
/** How often the parent pid is checked. */
const PARENT_CHECK_MS = 1_000

/** What the launcher asks; `id` pairs the answer with the request. */
export type WorkerCommand =
  | { type: 'start', id: number, name: string, configPath: string, priorUptimeMs?: number }
  | { type: 'stop', id: number, name: string }
  | { type: 'crash', id: number, name: string }
  /** the status of every running node of the worker (`name` is ignored): one message instead of an HTTP request per node */
  | { type: 'status', id: number, name: string }

/** What the worker tells the launcher. */
export type WorkerReply =
  | { type: 'hello', pid: number, maxNodes: number }
  | { type: 'ready', id: number, name: string, peerId: string, addrs: string[], controlPort?: number, pid: number }
  /** the node has attached to a supernode or begun serving as one, for the first time since its start */
  | { type: 'settled', name: string }
  | { type: 'error', id: number, name: string, errorName: string, message: string }
  /** a node is gone: asked for (`id` set), or on its own (admin stop through its control endpoint) */
  | { type: 'exited', id?: number, name: string, how: 'stop' | 'crash' }
  | { type: 'status', id: number, name: string, nodes: Record<string, unknown> }

class WorkerUsageError extends Error {
  override name = 'UsageError'
}

class WorkerCommandError extends Error {
  override name = 'WorkerCommandError'
}

function send (msg: WorkerReply): void {
  if (process.send != null && process.connected) process.send(msg)
}

function readOptions (): { name: string, maxNodes: number } {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, 'max-nodes': { type: 'string' } },
    strict: true,
    allowPositionals: false
  })
  const maxNodes = values['max-nodes'] == null ? DEFAULT_MAX_NODES : Number(values['max-nodes'])
  if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > MAX_MAX_NODES) throw new WorkerUsageError(`--max-nodes must be 1-${MAX_MAX_NODES}, got ${values['max-nodes']}`)
  return { name: values.name ?? 'worker', maxNodes }
}

/** A node's settings file (the JSON stampede-node --config reads), with the control token from the environment. */
async function readNodeInit (configPath: string, name: string): Promise<OverlayNodeInit> {
  let init: Partial<OverlayNodeInit>
  try {
    init = JSON.parse(await readFile(configPath, 'utf8')) as Partial<OverlayNodeInit>
  } catch (err: unknown) {
    throw new WorkerCommandError(`${name}: cannot read its settings ${configPath}: ${(err as Error).message}`)
  }
  if (init.name !== name) throw new WorkerCommandError(`${configPath} is the settings of ${String(init.name)}, not ${name}`)
  if (init.role == null || init.dataDir == null) throw new WorkerCommandError(`${configPath}: role and dataDir are required`)
  if (init.control != null) {
    const token = process.env.STAMPEDE_CONTROL_TOKEN
    if (token == null) throw new WorkerCommandError('the settings ask for a control endpoint: set STAMPEDE_CONTROL_TOKEN')
    init.control = { ...init.control, token }
  }
  return init as OverlayNodeInit
}

const CRASH = new Error('crashed')
CRASH.name = 'NodeCrashedError'

/**
 * Reset a connection as a dead host's kernel would: the socket first (TCP RST), so the
 * muxer has no chance to send a GoAway; then the connection, so libp2p forgets it.
 */
function resetConnection (conn: Connection): void {
  const socket = (conn as unknown as { maConn?: { abort(err: Error): void } }).maConn
  try {
    socket?.abort(CRASH)
  } catch {
    // already closed
  }
  try {
    conn.abort(CRASH)
  } catch {
    // already closed
  }
}

interface Hosted {
  node?: OverlayNode
  /** operations on this node run one after the other */
  queue: Promise<void>
  /** the launcher asked for this node to go (its `exited` is the answer, not news) */
  leaving: boolean
}

async function main (): Promise<void> {
  const opts = readOptions()
  const hosted = new Map<string, Hosted>()
  // the code cache is written once a node of this worker has logged in or served (code-cache.ts)
  const warm = warmOnEvents()
  let exiting = false

  const entry = (name: string): Hosted => {
    let h = hosted.get(name)
    if (h == null) {
      h = { queue: Promise.resolve(), leaving: false }
      hosted.set(name, h)
    }
    return h
  }
  const running = (): number => [...hosted.values()].filter(h => h.node != null).length

  /** Run `fn` after the node's earlier operations; a failed one does not block the next. */
  const serialise = async <T>(name: string, fn: (h: Hosted) => Promise<T>): Promise<T> => {
    const h = entry(name)
    const next = h.queue.then(async () => fn(h))
    h.queue = next.then(() => {}, () => {})
    return next
  }

  const crashNode = async (h: Hosted): Promise<void> => {
    const node = h.node
    if (node == null) return
    h.node = undefined
    // anything that connects while the node goes down is reset as it opens
    node.libp2p.addEventListener('connection:open', (evt) => { resetConnection(evt.detail) })
    for (const conn of node.libp2p.getConnections()) resetConnection(conn)
    await node.crash()
  }

  const stopNode = async (h: Hosted): Promise<void> => {
    const node = h.node
    if (node == null) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<'late'>(resolve => { timer = setTimeout(() => { resolve('late') }, STOP_TIMEOUT_MS) })
    try {
      const outcome = await Promise.race([node.stop().then(() => 'done' as const), late])
      if (outcome === 'late') await crashNode(h)
    } finally {
      clearTimeout(timer)
      h.node = undefined
    }
  }

  const start = async (cmd: Extract<WorkerCommand, { type: 'start' }>): Promise<void> => {
    await serialise(cmd.name, async (h) => {
      if (h.node != null) throw new WorkerCommandError(`${cmd.name} is already running`)
      if (running() >= opts.maxNodes) throw new WorkerCommandError(`${opts.name} already runs ${opts.maxNodes} nodes (--max-nodes)`)
      const init = await readNodeInit(cmd.configPath, cmd.name)
      h.leaving = false
      h.node = await createOverlayNode({
        ...init,
        ...(cmd.priorUptimeMs != null ? { priorUptimeMs: cmd.priorUptimeMs } : {}),
        onEvent: settleOnEvents(() => { send({ type: 'settled', name: cmd.name }) }, (e) => { warm(e); init.onEvent?.(e) }),
        onStopRequested: () => {
          // an admin stop through the node's control endpoint: the launcher did not ask
          void serialise(cmd.name, async (hh) => {
            await stopNode(hh)
            if (!hh.leaving) send({ type: 'exited', name: cmd.name, how: 'stop' })
          }).catch((err: unknown) => { console.error(`stampede-worker ${opts.name}: ${cmd.name}: stop failed: ${(err as Error).message}`) })
        }
      })
      const status = h.node.status()
      send({ type: 'ready', id: cmd.id, name: cmd.name, peerId: status.peerId, addrs: status.addrs, controlPort: h.node.controlPort, pid: process.pid })
    })
  }

  const leave = async (cmd: Extract<WorkerCommand, { type: 'stop' | 'crash' }>): Promise<void> => {
    await serialise(cmd.name, async (h) => {
      h.leaving = true
      if (cmd.type === 'crash') await crashNode(h)
      else await stopNode(h)
    })
    send({ type: 'exited', id: cmd.id, name: cmd.name, how: cmd.type })
  }

  const shutdown = (code: number, why: string): void => {
    if (exiting) return
    exiting = true
    const force = setTimeout(() => { process.exit(code) }, STOP_TIMEOUT_MS + 1_000)
    force.unref()
    void (async () => {
      await Promise.all([...hosted.entries()].map(async ([name, h]) => {
        h.leaving = true
        await serialise(name, stopNode).catch((err: unknown) => {
          console.error(`stampede-worker ${opts.name}: ${name}: stop failed (${why}): ${(err as Error).message}`)
        })
      }))
      process.exit(code)
    })()
  }

  process.on('SIGTERM', () => { shutdown(0, 'SIGTERM') })
  process.on('SIGINT', () => { shutdown(0, 'SIGINT') })
  // A stray rejection left behind by one node's crash must not take its worker-mates
  // down; it is reported, not swallowed. An uncaught exception still ends the worker.
  process.on('unhandledRejection', (reason: unknown) => {
    const e = reason as Error | undefined
    console.error(`stampede-worker ${opts.name}: unhandled rejection: ${e?.stack ?? String(reason)}`)
  })
  if (process.send == null) throw new WorkerUsageError('stampede-worker is started by the stampede testnet launcher (it needs an IPC channel)')
  // no node outlives the launcher that started it
  process.on('disconnect', () => { shutdown(0, 'parent gone') })
  const parent = process.ppid
  const watch = setInterval(() => {
    if (process.ppid !== parent) shutdown(0, 'parent gone')
  }, PARENT_CHECK_MS)
  watch.unref()

  process.on('message', (raw: unknown) => {
    const cmd = raw as WorkerCommand
    if (exiting || cmd == null || typeof cmd.name !== 'string' || typeof cmd.id !== 'number') return
    if (cmd.type === 'status') {
      const nodes: Record<string, unknown> = {}
      for (const [name, h] of hosted) {
        if (h.node != null && !h.leaving) nodes[name] = h.node.status()
      }
      send({ type: 'status', id: cmd.id, name: cmd.name, nodes })
      return
    }
    const work = cmd.type === 'start' ? start(cmd) : cmd.type === 'stop' || cmd.type === 'crash' ? leave(cmd) : Promise.reject(new WorkerCommandError(`unknown command ${String((cmd as { type?: unknown }).type)}`))
    work.catch((err: unknown) => {
      const e = err as Error
      send({ type: 'error', id: cmd.id, name: cmd.name, errorName: e.name, message: e.message })
    })
  })
  send({ type: 'hello', pid: process.pid, maxNodes: opts.maxNodes })
}

main().catch((err: unknown) => {
  const e = err as Error
  console.error(`stampede-worker: ${e.name === 'UsageError' ? e.message : e.stack ?? e.message}`)
  process.exitCode = e.name === 'UsageError' ? 2 : 1
  setTimeout(() => process.exit(), 50).unref()
})
