/**
 * The floor under an overlay node: a bare libp2p node with the transport stack the overlay
 * uses (TCP, Noise, Yamux, identify; the same connection limits, no connection monitor)
 * and no overlay logic at all. The benchmarks bundle it with esbuild and start it the way
 * the testnet starts stampede-node (`node <flags> <entry> --config <file>`, an IPC channel,
 * `ready` when it is up), so the only difference left is what runs inside.
 *
 * Its config (JSON) holds `name`, `listen` (multiaddrs; default 127.0.0.1, any port),
 * optionally `dial` (a multiaddr with /p2p/) and `eventLog` (a file). With `dial` it dials
 * that peer, retrying until it succeeds, and reports `ready` only once the connection is
 * open and identify has run over it, after appending `{"ts":...,"type":"back"}` to
 * `eventLog`: that is a bare node "back" after a restart. Without `dial` it is a listener
 * (the storm's stand-in for the login server, or the throughput baseline's target).
 */
import { appendFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
// the overlay node's own wire (one write per message, noise's key derivation in Node's
// crypto, yamux window updates at half, noise's decoder stopping at an empty buffer): the
// baseline differs from the overlay by the overlay's logic only
import { coalescingTcp, tuneLengthPrefixedDecoder, tunedNoise, tunedYamux } from '@stampede/node/wire-tuning'
import { tunePeerStore } from '@stampede/node/peer-store-tuning'
import { markWarm, WARM_CLIENT, WARM_CLIENT_DELAY_MS } from '@stampede/node/code-cache'
import { createLibp2p } from 'libp2p'

/** The overlay node's connection limits (packages/node/src/constants.ts), raised for loopback. */
const MAX_CONNECTIONS = 2_000
const MAX_INCOMING_PENDING = 256
const INBOUND_THRESHOLD = 10_000
const DIAL_TIMEOUT_MS = 5_000
const RETRY_MS = 100

const send = (msg) => { if (process.send != null && process.connected) process.send(msg) }

async function main () {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true })
  if (values.config == null) throw new Error('--config FILE is required')
  const config = JSON.parse(await readFile(values.config, 'utf8'))
  const name = config.name ?? 'bare'

  tuneLengthPrefixedDecoder()
  const node = await createLibp2p({
    addresses: { listen: config.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [coalescingTcp()],
    connectionEncrypters: [tunedNoise()],
    streamMuxers: [tunedYamux()],
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      inboundConnectionThreshold: INBOUND_THRESHOLD,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING,
      dialTimeout: DIAL_TIMEOUT_MS
    },
    connectionMonitor: { enabled: false },
    services: { identify: identify() }
  })
  // the overlay node's peer store: repeated protocol merges and address reads answered from memory
  tunePeerStore(node.components.peerStore)

  let stopping = false
  const shutdown = (code) => {
    if (stopping) return
    stopping = true
    setTimeout(() => { process.exit(code) }, 2_000).unref()
    node.stop().finally(() => { process.exit(code) })
  }
  process.on('SIGTERM', () => { shutdown(0) })
  process.on('SIGINT', () => { shutdown(0) })
  // never outlive the launcher (as stampede-node): IPC gone or a new parent
  if (process.send != null) {
    process.on('disconnect', () => { shutdown(0) })
    const parent = process.ppid
    setInterval(() => { if (process.ppid !== parent) shutdown(0) }, 1_000).unref()
  }

  if (config.dial != null) {
    const target = multiaddr(config.dial)
    const targetId = target.getComponents().find(c => c.name === 'p2p')?.value
    // identify over the connection to the target has run
    const identified = new Promise(resolve => {
      node.addEventListener('peer:identify', (evt) => {
        if (evt.detail.peerId.toString() === targetId) resolve()
      })
    })
    while (!stopping) {
      try {
        await node.dial(target, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        break
      } catch {
        await new Promise(resolve => setTimeout(resolve, RETRY_MS))
      }
    }
    const timeout = new Promise((_resolve, reject) => {
      setTimeout(() => { reject(new Error(`identify with ${targetId} did not finish within ${DIAL_TIMEOUT_MS} ms`)) }, DIAL_TIMEOUT_MS).unref()
    })
    await Promise.race([identified, timeout])
    if (config.eventLog != null) appendFileSync(config.eventLog, JSON.stringify({ ts: Date.now(), node: name, type: 'back' }) + '\n')
  }
  send({ type: 'ready', name, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String), pid: process.pid })
  // as stampede-node, the code cache is written by a warm process (the loader writes one per
  // bundle): a dialer once it has done its whole job, a listener once a peer has dialled it
  const warm = () => { setTimeout(() => { markWarm(WARM_CLIENT) }, WARM_CLIENT_DELAY_MS).unref() }
  if (config.dial != null) warm()
  else node.addEventListener('peer:identify', warm, { once: true })
}

main().catch((err) => {
  send({ type: 'error', message: err.message })
  console.error(`bare-node: ${err.stack ?? err.message}`)
  process.exit(1)
})
