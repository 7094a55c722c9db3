/**
 * Load generator of the throughput benchmark: `connections` bare libp2p dialers (TCP,
 * Noise, Yamux, identify; each a PeerId of its own with a login token minted for it with
 * the login server's key), each running one operation after another against a target:
 *
 * - `attach`: dial a new connection, open /stampede/attach/1.0.0, send ATTACH with the
 *   token (the frame a client sends after logging in), read the answer, send DETACH,
 *   close; counted as ok when the answer is ATTACHED.
 * - `handshake`: dial a new connection (TCP + Noise + Yamux), close it.
 *
 * Either way the dial is forced (a new connection every time) and the dialer waits until
 * identify has run over the connection before closing it, so both sides do the same
 * connection work in both modes.
 *
 * Driven over IPC by the benchmark: `ready` once its dialers exist; then `run` (mode,
 * target), `count` (running totals) and `idle` (finish the operations in flight and
 * stop). Exits when its parent goes.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { coalescingTcp, issueToken, loadOrCreateIdentity, tuneLengthPrefixedDecoder, tunedYamux, tunePeerStore } from '@stampede/node'
import { ATTACH_PROTOCOL, ClientFrame, MAX_SUPERNODE_FRAME_BYTES, SupernodeFrame, decode } from '@stampede/wire'
import { createLibp2p } from 'libp2p'

/** One operation may take this long before it counts as failed. */
const OP_TIMEOUT_MS = 10_000
/** Pause after a failed operation, so a refusing target is not hammered in a tight loop. */
const FAILURE_PAUSE_MS = 50
const TOKEN_TTL_MS = 3_600_000
const LAPTOP = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }

class RefusedError extends Error {
  name = 'RefusedError'
}

const send = (msg) => { if (process.send != null && process.connected) process.send(msg) }
const sleep = async (ms) => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A dialer: a libp2p node that tells when identify has run over a given connection. */
async function makeDialer () {
  // the overlay node's wire, as on the side being measured
  tuneLengthPrefixedDecoder()
  const privateKey = await generateKeyPair('Ed25519')
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: [] },
    transports: [coalescingTcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [tunedYamux()],
    connectionManager: { maxConnections: 2_000, inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 256, dialTimeout: OP_TIMEOUT_MS },
    connectionMonitor: { enabled: false },
    services: { identify: identify() }
  })
  // the overlay node's peer store: repeated protocol merges and address reads answered from memory
  tunePeerStore(node.components.peerStore)
  const done = new Set()
  const waiters = new Map()
  node.addEventListener('peer:identify', (evt) => {
    const id = evt.detail.connection.id
    const w = waiters.get(id)
    if (w != null) { waiters.delete(id); w() } else done.add(id)
  })
  const identified = async (conn, signal) => {
    if (done.delete(conn.id)) return
    await new Promise((resolve, reject) => {
      waiters.set(conn.id, resolve)
      signal.addEventListener('abort', () => { waiters.delete(conn.id); reject(signal.reason) }, { once: true })
    })
  }
  return { node, privateKey, identified, forget: (conn) => { done.delete(conn.id); waiters.delete(conn.id) } }
}

async function attachOnce (d, target, token, signal) {
  const conn = await d.node.dial(target, { signal, force: true })
  try {
    const stream = await conn.newStream(ATTACH_PROTOCOL, { signal, negotiateFully: false })
    const lp = lpStream(stream, { maxDataLength: MAX_SUPERNODE_FRAME_BYTES })
    await lp.write(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, seq: 1, token, profile: LAPTOP, uptimeMs: 0 }), { signal })
    const reply = decode.supernodeFrame((await lp.read({ signal })).subarray())
    if (reply.type !== SupernodeFrame.Type.ATTACHED) {
      stream.abort(new RefusedError('not attached'))
      throw new RefusedError(`answer ${SupernodeFrame.Type[reply.type] ?? reply.type}${reply.refusal != null ? ` ${reply.refusal.reason}` : ''}`)
    }
    await lp.write(ClientFrame.encode({ type: ClientFrame.Type.DETACH, seq: 2 }), { signal })
    await stream.close({ signal })
    await d.identified(conn, signal)
    await conn.close({ signal })
  } catch (err) {
    conn.abort(err)
    throw err
  } finally {
    d.forget(conn)
  }
}

async function handshakeOnce (d, target, signal) {
  const conn = await d.node.dial(target, { signal, force: true })
  try {
    await d.identified(conn, signal)
    await conn.close({ signal })
  } catch (err) {
    conn.abort(err)
    throw err
  } finally {
    d.forget(conn)
  }
}

async function main () {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true })
  if (values.config == null) throw new Error('--config FILE is required')
  const config = JSON.parse(await readFile(values.config, 'utf8'))
  const loginKey = await loadOrCreateIdentity(config.loginDataDir)
  const issuer = peerIdFromPrivateKey(loginKey)
  const dialers = []
  for (let i = 0; i < config.connections; i++) {
    const d = await makeDialer()
    d.token = await issueToken(loginKey, { peer: d.node.peerId, user: `${config.name}-${i}`, issuer, nowMs: Date.now(), ttlMs: TOKEN_TTL_MS })
    dialers.push(d)
  }

  const totals = { ok: 0, failed: 0, errors: {} }
  let running = false
  let loops = []
  const loop = async (d, mode, target) => {
    while (running) {
      const signal = AbortSignal.timeout(OP_TIMEOUT_MS)
      try {
        if (mode === 'attach') await attachOnce(d, target, d.token, signal)
        else await handshakeOnce(d, target, signal)
        totals.ok++
      } catch (err) {
        totals.failed++
        const key = `${err.name}${err.name === 'RefusedError' ? `: ${err.message}` : ''}`
        totals.errors[key] = (totals.errors[key] ?? 0) + 1
        await sleep(FAILURE_PAUSE_MS)
      }
    }
  }
  const stopping = async () => {
    running = false
    await Promise.all(loops)
    loops = []
  }
  const shutdown = () => {
    setTimeout(() => { process.exit(0) }, 3_000).unref()
    void stopping().then(async () => Promise.all(dialers.map(async d => d.node.stop()))).finally(() => { process.exit(0) })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  process.on('disconnect', shutdown)

  process.on('message', (msg) => {
    if (msg?.type === 'run') {
      void stopping().then(() => {
        running = true
        const target = multiaddr(msg.target)
        loops = dialers.map(async d => loop(d, msg.mode, target))
        send({ type: 'running' })
      })
    } else if (msg?.type === 'count') {
      send({ type: 'count', ...totals, errors: { ...totals.errors } })
    } else if (msg?.type === 'idle') {
      void stopping().then(() => { send({ type: 'idle', ...totals, errors: { ...totals.errors } }) })
    }
  })
  send({ type: 'ready', name: config.name, pid: process.pid, dialers: dialers.length })
}

main().catch((err) => {
  send({ type: 'error', message: err.message })
  console.error(`attach-load: ${err.stack ?? err.message}`)
  process.exit(1)
})
