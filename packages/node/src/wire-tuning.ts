/**
 * Changes to how js-libp2p's TCP transport, noise and yamux put bytes on the wire, each found
 * in a CPU profile: the first four of a testnet at steady state, where nearly every message
 * is small (a heartbeat, a report) and the cost is per message, not per byte; the last of a
 * restart storm, where the cost is per handshake:
 *
 * - **One socket write per message.** Noise hands the TCP connection each encrypted message
 *   as two buffers (its 2-byte length, then the ciphertext) and the TCP connection writes
 *   every buffer with a `socket.write()` of its own: two system calls per message, the
 *   largest single item of a busy worker's profile (15 % of its CPU). `coalescingTcp()`
 *   writes the buffers of one send as one.
 * - **Yamux window updates when half the window is used**, as Go's yamux does, not after
 *   every data frame. A stream of small messages never uses half its 256 KiB window, so a
 *   request and its answer no longer cost two extra frames (each encrypted, written and
 *   decrypted). `tuneYamuxWindowUpdates()` changes yamux's stream class once per process.
 * - **No yamux keep-alive pings**: every connection pinged every 30 s, while failure
 *   detection is the overlay's own (heartbeats, reports); about 2 % of a worker.
 * - **No exception at the end of every received chunk.** Noise splits what TCP delivers
 *   into messages with @libp2p/utils' LengthPrefixedDecoder, which decodes lengths until
 *   its length decoder throws a RangeError for want of bytes: on almost every chunk, whose
 *   last message ends where the chunk does, that is a RangeError (and its stack trace) on
 *   an empty buffer, 7-9 % of a packed worker's CPU in profiles. `tuneLengthPrefixedDecoder()`
 *   stops at an empty buffer instead: a 40-byte message and its echo between two nodes in
 *   one process went from 65 to 43 µs of CPU.
 * - **Noise's key derivation in Node's crypto.** Noise's default crypto on Node uses Node
 *   for hashing, X25519 and ChaCha20-Poly1305 but @noble/hashes (JavaScript) for HKDF, four
 *   derivations a side per handshake. In a freshly started process that code has not been
 *   optimised yet: its first handshake's four cost 2.5-3 ms of CPU against 0.4 ms with
 *   `crypto.hkdfSync` (both the same HKDF, RFC 5869 over SHA-256); a peer restarted in a
 *   storm does two handshakes at once. `tunedNoise()` is noise with that one function
 *   replaced.
 *
 * None changes what the bytes on the wire mean: peers with and without them interoperate.
 */
import { hkdfSync } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { yamux } from '@chainsafe/libp2p-yamux'
import { YamuxStream, StreamState } from '@chainsafe/libp2p-yamux/stream'
import { tcp } from '@libp2p/tcp'
import { InvalidParametersError } from '@libp2p/interface'
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils'
import type { ICryptoInterface, NoiseInit } from '@chainsafe/libp2p-noise'
import type { Transport, Upgrader, MultiaddrConnection } from '@libp2p/interface'
import type { TCPComponents, TCPOptions } from '@libp2p/tcp'

interface SocketLike { write(buf: Uint8Array): boolean }
/** the part of uint8arraylist's Uint8ArrayList a send is given as */
interface Uint8ArrayList { bufs: Uint8Array[], byteLength: number, subarray(): Uint8Array }
interface SendResult { sentBytes: number, canSendMore: boolean }
interface TcpConnectionInternals {
  socket?: SocketLike
  sendData?(data: Uint8ArrayList): SendResult
}

/**
 * Make a TCP multiaddr connection write each send with one `socket.write()`. A connection
 * that does not look like @libp2p/tcp's (no socket, no sendData) is left as it is.
 */
export function coalesceWrites (maConn: MultiaddrConnection): boolean {
  const conn = maConn as unknown as TcpConnectionInternals
  const socket = conn.socket
  if (socket == null || typeof socket.write !== 'function' || typeof conn.sendData !== 'function') return false
  conn.sendData = (data: Uint8ArrayList): SendResult => {
    // one buffer is written as it is; several are copied into one (small messages: cheap)
    const buf = data.bufs.length === 1 ? data.bufs[0] as Uint8Array : data.subarray()
    return { sentBytes: data.byteLength, canSendMore: socket.write(buf) }
  }
  return true
}

function coalescingUpgrader (upgrader: Upgrader): Upgrader {
  return new Proxy(upgrader, {
    get (target, prop, receiver) {
      if (prop === 'upgradeInbound' || prop === 'upgradeOutbound') {
        const method = target[prop].bind(target) as (maConn: MultiaddrConnection, opts: never) => Promise<never>
        return async (maConn: MultiaddrConnection, opts: never) => {
          coalesceWrites(maConn)
          return method(maConn, opts)
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/** @libp2p/tcp's transport, its connections writing each send with one system call. */
export function coalescingTcp (init?: TCPOptions): (components: TCPComponents) => Transport {
  const factory = tcp(init)
  return (components) => {
    const transport = factory(components)
    const dial = transport.dial.bind(transport)
    const createListener = transport.createListener.bind(transport)
    transport.dial = async (ma, options) => dial(ma, { ...options, upgrader: coalescingUpgrader(options.upgrader) })
    transport.createListener = (options) => createListener({ ...options, upgrader: coalescingUpgrader(options.upgrader) })
    return transport
  }
}

interface YamuxWindow {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let yamuxTuned = false

/**
 * Yamux streams send a window update only once less than half of the receive window is
 * left (or when the update carries a flag: the first answer to a new stream, a resume),
 * instead of after every data frame. Idempotent; applies to every yamux stream in this
 * process.
 */
export function tuneYamuxWindowUpdates (): void {
  if (yamuxTuned) return
  yamuxTuned = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate(this: YamuxWindow): void }
  const original = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: YamuxWindow): void {
    // an established stream with more than half its window left: the remote is far from
    // blocked, and an update now would tell it little
    if (this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
}

/** yamux with window updates at half the window and no keep-alive pings (the overlay has heartbeats). */
export function tunedYamux (): ReturnType<typeof yamux> {
  tuneYamuxWindowUpdates()
  return yamux({ enableKeepAlive: false })
}

/** The fields of @libp2p/utils' LengthPrefixedDecoder (7.x) its decode loop reads. */
interface DecoderInternals {
  buffer: Uint8ArrayListLike
  maxBufferSize: number
  maxDataLength: number
  lengthDecoder(data: Uint8ArrayListLike): number
  encodingLength(length: number): number
}
interface Uint8ArrayListLike {
  byteLength: number
  append(buf: Uint8Array | Uint8ArrayListLike): void
  sublist(begin: number, end: number): Uint8ArrayListLike
  consume(bytes: number): void
}

let decoderTuned = false

/**
 * LengthPrefixedDecoder's decode loop, ending when the buffer is empty instead of when the
 * length decoder throws on it. Everything else is as in @libp2p/utils 7.x: the same
 * errors for an oversized buffer or message, a RangeError from the length decoder still
 * means "wait for more bytes" (a partial length prefix). A decoder whose fields do not look
 * like 7.x's is left as it is. Idempotent; applies to every decoder in this process.
 */
export function tuneLengthPrefixedDecoder (): boolean {
  if (decoderTuned) return true
  const probe = new LengthPrefixedDecoder() as unknown as Partial<DecoderInternals>
  const fields = ['maxBufferSize', 'maxDataLength', 'lengthDecoder', 'encodingLength'] as const
  if (probe.buffer == null || typeof probe.buffer.append !== 'function' || fields.some(f => probe[f] == null)) return false
  decoderTuned = true
  const proto = LengthPrefixedDecoder.prototype as unknown as { decode(this: DecoderInternals, buf: Uint8Array | Uint8ArrayListLike): Generator<Uint8ArrayListLike> }
  proto.decode = function * (this: DecoderInternals, buf: Uint8Array | Uint8ArrayListLike): Generator<Uint8ArrayListLike> {
    this.buffer.append(buf)
    if (this.buffer.byteLength > this.maxBufferSize) {
      throw new InvalidParametersError(`Buffer length limit exceeded - ${this.buffer.byteLength}/${this.maxBufferSize}`)
    }
    // the one change: no length can be read from an empty buffer, so do not ask
    while (this.buffer.byteLength > 0) {
      let dataLength: number
      try {
        dataLength = this.lengthDecoder(this.buffer)
      } catch (err) {
        if (err instanceof RangeError) break
        throw err
      }
      if (dataLength < 0 || dataLength > this.maxDataLength) {
        throw new InvalidMessageLengthError('Invalid message length')
      }
      const lengthLength = this.encodingLength(dataLength)
      const chunkLength = lengthLength + dataLength
      if (this.buffer.byteLength < chunkLength) break
      const message = this.buffer.sublist(lengthLength, chunkLength)
      this.buffer.consume(chunkLength)
      if (message.byteLength > 0) yield message
    }
  }
  return true
}

const NO_INFO = new Uint8Array(0)

/**
 * Noise's HKDF (chaining key `ck` as salt, `ikm` as input keying material, no info, 96
 * bytes out, as three 32-byte keys) with Node's `crypto.hkdfSync`; the same bytes as
 * noise's own @noble/hashes version.
 */
export function nodeHkdf (ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const okm = new Uint8Array(hkdfSync('sha256', ikm, ck, NO_INFO, 96))
  return [okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 96)]
}

/** Noise's default crypto on Node with its HKDF in Node's crypto (see above). */
export const noiseCrypto: ICryptoInterface = { ...defaultCrypto, getHKDF: nodeHkdf }

/** Noise with its key derivation in Node's crypto; `init` as noise's own (its `crypto` wins). */
export function tunedNoise (init: NoiseInit = {}): ReturnType<typeof noise> {
  return noise({ crypto: noiseCrypto, ...init })
}
