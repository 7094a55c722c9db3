#!/usr/bin/env node
/**
 * stampede-node: run one overlay node in this process.
 *
 * Started by the testnet launcher with an IPC channel, it reports `ready` to its parent
 * and exits when the parent goes away (IPC disconnect or a changed parent pid), so no
 * node outlives its testnet. Run by hand, it runs until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { warmOnEvents } from '../code-cache.js'
import { settleOnEvents } from '../event-log.js'
import { createOverlayNode } from '../index.js'
import type { OverlayNode, OverlayNodeInit } from '../index.js'

const HELP = `Usage: stampede-node --config FILE [options]
       stampede-node --role login|peer --name NAME --data-dir DIR [options]

Runs one Stampede overlay node (login server or peer) until SIGINT/SIGTERM.

Options:
  --config FILE        node settings as JSON (the fields of OverlayNodeInit)
  --role login|peer    overrides the config's role
  --name NAME          overrides the config's name
  --data-dir DIR       must exist; holds identity.key, host-cache.json, events.jsonl
  --listen MULTIADDR   listen address (repeatable); default /ip4/127.0.0.1/tcp/0
  --login MULTIADDR    the login server, ending in /p2p/<PeerId> (peers only)
  --control-port N     serve the control endpoint on 127.0.0.1:N (0 = any port);
                       its bearer token comes from STAMPEDE_CONTROL_TOKEN
  -h, --help           show this help

Environment:
  STAMPEDE_CONTROL_TOKEN   bearer token of the control endpoint (16+ characters)
  STAMPEDE_PRIOR_UPTIME_MS uptime the peer had before this start (a long-running network)
  DEBUG=stampede:*         debug logs to stderr

Example:
  mkdir -p /tmp/login && stampede-node --role login --name login --data-dir /tmp/login --listen /ip4/127.0.0.1/tcp/4001`

class UsageError extends Error {
  override name = 'UsageError'
}

function send (msg: unknown): void {
  if (process.send != null && process.connected) process.send(msg)
}

async function readInit (): Promise<OverlayNodeInit> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      'data-dir': { type: 'string' },
      listen: { type: 'string', multiple: true },
      login: { type: 'string' },
      'control-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  })
  if (values.help === true) {
    console.log(HELP)
    process.exit(0)
  }
  let init: Partial<OverlayNodeInit> = {}
  if (values.config != null) {
    let text: string
    try {
      text = await readFile(values.config, 'utf8')
    } catch (err: unknown) {
      throw new UsageError(`--config: cannot read ${values.config}: ${(err as Error).message}`)
    }
    try {
      init = JSON.parse(text) as Partial<OverlayNodeInit>
    } catch (err: unknown) {
      throw new UsageError(`--config: ${values.config} is not JSON: ${(err as Error).message}`)
    }
  }
  if (values.role != null) {
    if (values.role !== 'login' && values.role !== 'peer') throw new UsageError(`--role must be login or peer, got ${values.role}`)
    init.role = values.role
  }
  if (values.name != null) init.name = values.name
  if (values['data-dir'] != null) init.dataDir = values['data-dir']
  if (values.listen != null) init.listen = values.listen
  if (values.login != null) {
    try {
      const ma = multiaddr(values.login)
      const id = ma.getComponents().find(c => c.name === 'p2p')?.value
      if (id == null) throw new Error('it has no /p2p/<PeerId> part')
      peerIdFromString(id)
      init.loginServer = { id, addrs: [ma.decapsulateCode(421).toString()] }
    } catch (err: unknown) {
      throw new UsageError(`--login: ${(err as Error).message}`)
    }
  }
  if (values['control-port'] != null) {
    const port = Number(values['control-port'])
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--control-port must be 0-65535, got ${values['control-port']}`)
    const token = process.env.STAMPEDE_CONTROL_TOKEN
    if (token == null || token.length < 16) throw new UsageError('--control-port needs STAMPEDE_CONTROL_TOKEN (16+ characters) in the environment')
    init.control = { host: '127.0.0.1', port, token }
  } else if (init.control != null) {
    const token = process.env.STAMPEDE_CONTROL_TOKEN
    if (token == null) throw new UsageError('the config asks for a control endpoint: set STAMPEDE_CONTROL_TOKEN')
    init.control = { ...init.control, token }
  }
  const prior = process.env.STAMPEDE_PRIOR_UPTIME_MS
  if (prior != null && prior !== '') {
    const ms = Number(prior)
    if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`STAMPEDE_PRIOR_UPTIME_MS must be a number of milliseconds, got ${prior}`)
    init.priorUptimeMs = ms
  }
  if (init.role == null) throw new UsageError('--role (or "role" in --config) is required')
  if (init.name == null) throw new UsageError('--name (or "name" in --config) is required')
  if (init.dataDir == null) throw new UsageError('--data-dir (or "dataDir" in --config) is required')
  return init as OverlayNodeInit
}

async function main (): Promise<void> {
  const init = await readInit()
  // assigned once the node runs; shutdown() may be called before that
  // eslint-disable-next-line prefer-const
  let node: OverlayNode | undefined
  let stopping = false
  const shutdown = (code: number, why: string): void => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => { process.exit(code) }, 5_000)
    force.unref()
    void (async () => {
      try {
        await node?.stop()
      } catch (err: unknown) {
        console.error(`stampede-node ${init.name}: stop failed (${why}): ${(err as Error).message}`)
      }
      process.exit(code)
    })()
  }
  process.on('SIGTERM', () => { shutdown(0, 'SIGTERM') })
  process.on('SIGINT', () => { shutdown(0, 'SIGINT') })
  // a node never outlives the launcher that started it
  if (process.send != null) {
    process.on('disconnect', () => { shutdown(0, 'parent gone') })
    const parent = process.ppid
    const watch = setInterval(() => {
      if (process.ppid !== parent) shutdown(0, 'parent gone')
    }, 1_000)
    watch.unref()
  }
  node = await createOverlayNode({
    ...init,
    // the code cache is written once this process has logged in or served (code-cache.ts)
    onEvent: settleOnEvents(() => { send({ type: 'settled', name: init.name }) }, warmOnEvents(init.onEvent)),
    onStopRequested: () => { shutdown(0, 'admin stop') }
  })
  const running = node
  // the launcher's status requests over the IPC channel it started this process with: far
  // cheaper than one over HTTP, which costs a freshly started node 3-6 ms of CPU for each of
  // its first two (Node's HTTP server code compiling); the control endpoint stays for others
  if (process.send != null) {
    process.on('message', (msg: unknown) => {
      const m = msg as { type?: string, id?: unknown } | null
      if (m?.type === 'status' && typeof m.id === 'number') send({ type: 'status', id: m.id, status: running.status() })
    })
  }
  const status = node.status()
  send({ type: 'ready', name: init.name, peerId: status.peerId, addrs: status.addrs, controlPort: node.controlPort, pid: process.pid, ipcStatus: true })
  if (process.send == null) {
    console.log(JSON.stringify({ ready: true, name: init.name, peerId: status.peerId, addrs: status.addrs, controlPort: node.controlPort }))
  }
}

const KNOWN = new Set(['UsageError', 'NodeConfigError', 'DataDirError', 'ListenError', 'TypeError'])

main().catch((err: unknown) => {
  const e = err as Error
  const known = KNOWN.has(e.name) || (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  const message = known ? e.message : (e.stack ?? e.message)
  console.error(`stampede-node: ${message}`)
  send({ type: 'error', name: e.name, message: e.message })
  process.exitCode = e.name === 'UsageError' || e.name === 'NodeConfigError' || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true ? 2 : 1
  setTimeout(() => process.exit(), 50).unref()
})
