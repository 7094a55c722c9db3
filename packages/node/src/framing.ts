import { performance } from 'node:perf_hooks'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { DeadlineError } from './errors.js'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { SupernodeInfo } from '@stampede/wire'

/** Why an inbound stream was reset; used as a metrics label, so keep the set small. */
export type ResetReason = 'oversized' | 'malformed' | 'invalid' | 'timeout' | 'eof' | 'reset' | 'unexpected' | 'other'

/** Map an error from reading or decoding a frame to a reset reason. */
export function resetReason (err: unknown): ResetReason {
  const name = (err as Error | undefined)?.name ?? ''
  switch (name) {
    case 'InvalidDataLengthError': return 'oversized'
    case 'InvalidMessageLengthError':
    case 'InvalidDataLengthLengthError':
    case 'MalformedMessageError': return 'malformed'
    case 'InvalidMessageError':
    case 'TokenError': return 'invalid'
    case 'ProtocolViolationError': return 'unexpected'
    case 'AbortError':
    case 'TimeoutError':
    case 'PeerTimeoutError': return 'timeout'
    case 'UnexpectedEOFError': return 'eof'
    case 'StreamResetError':
    case 'StreamAbortedError':
    case 'StreamStateError':
    case 'ConnectionClosedError': return 'reset'
    default: return 'other'
  }
}

export interface FramedStream {
  readonly stream: Stream
  read<T>(decode: (buf: Uint8Array) => T, signal?: AbortSignal): Promise<T>
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void>
}

/** A length-prefixed view of a stream that never buffers a frame over `maxDataLength`. */
export function framed (stream: Stream, maxDataLength: number): FramedStream {
  const lp: LengthPrefixedStream<Stream> = lpStream(stream, { maxDataLength })
  return {
    stream,
    async read (decode, signal) {
      const buf = await lp.read({ signal })
      return decode(buf.subarray())
    },
    async write (bytes, signal) {
      await lp.write(bytes, { signal })
    }
  }
}

/**
 * A signal that fires on timeout or when `parent` fires, whichever is first. Its timer
 * runs to the end even when the work finished long before: for anything done every
 * second (heartbeats, reports) use `withDeadline`, which clears it.
 */
export function deadline (ms: number, parent?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(ms)
  return parent == null ? t : AbortSignal.any([t, parent])
}

/**
 * Run `fn` with a signal that fires after `ms` or when `parent` fires, and clear the timer
 * and the listener on `parent` as soon as `fn` settles. `AbortSignal.timeout`'s timer
 * cannot be cleared: each one fires later, builds a DOMException and dispatches an abort
 * event, which with a heartbeat a second per client was about 7 % of a worker's CPU.
 */
export async function withDeadline<T> (ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  if (parent?.aborted === true) controller.abort(parent.reason)
  const due = performance.now() + ms
  let immediate: ReturnType<typeof setImmediate> | undefined
  const timer = setTimeout(() => {
    // a timer that fires late fired on a stalled event loop, and timers run before the
    // loop reads its sockets: the answer may be waiting unread. Give the loop one turn of
    // I/O first, so a busy host's own lag is not taken for a silent peer
    if (performance.now() - due > LATE_TIMER_MS) {
      immediate = setImmediate(() => { controller.abort(new DeadlineError(`timed out after ${ms} ms`)) })
    } else {
      controller.abort(new DeadlineError(`timed out after ${ms} ms`))
    }
  }, ms)
  const onAbort = (): void => { controller.abort(parent?.reason) }
  parent?.addEventListener('abort', onAbort, { once: true })
  try {
    return await fn(controller.signal)
  } finally {
    clearTimeout(timer)
    if (immediate != null) clearImmediate(immediate)
    parent?.removeEventListener('abort', onAbort)
  }
}

/** A deadline timer this much late fired on a stalled event loop (see withDeadline). */
const LATE_TIMER_MS = 50

export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes))
}

export function peerIdToBytes (peer: PeerId): Uint8Array {
  return peer.toMultihash().bytes
}

/** A supernode's address list as multiaddrs ending in its /p2p/ id. */
export function toDialable (id: string, addrs: readonly string[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const a of addrs) {
    try {
      const ma = multiaddr(a)
      out.push(ma.getComponents().some(c => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${id}`))
    } catch {
      // a bad address is skipped, the others may still work
    }
  }
  return out
}

/** Decode a SupernodeInfo from the wire into strings; null if its id or addresses are unusable. */
export function infoFromWire (info: SupernodeInfo): { id: string, addrs: string[], load: number, capacity: number } | null {
  try {
    const id = peerIdFromBytes(info.id).toString()
    const addrs = addrsFromWire(info.addrs)
    if (addrs.length === 0) return null
    return { id, addrs, load: info.load, capacity: info.capacity }
  } catch {
    return null
  }
}

/** Binary multiaddrs from the wire as strings; undecodable ones are skipped. */
export function addrsFromWire (addrs: readonly Uint8Array[]): string[] {
  const out: string[] = []
  for (const a of addrs) {
    try { out.push(multiaddr(a).toString()) } catch { /* skipped */ }
  }
  return out
}

/** protons types its bytes fields as ArrayBuffer-backed; every Uint8Array we make is. */
export function bytes (u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>
}

/** String multiaddrs as binary for the wire, at most `max`; unparsable ones are skipped. */
export function addrsToWire (addrs: readonly string[], max = 8): Array<Uint8Array<ArrayBuffer>> {
  const out: Array<Uint8Array<ArrayBuffer>> = []
  for (const a of addrs) {
    if (out.length >= max) break
    try { out.push(bytes(multiaddr(a).decapsulateCode(421).bytes)) } catch { /* skipped */ }
  }
  return out
}

export function infoToWire (info: { id: string, addrs: readonly string[], load: number, capacity: number }): SupernodeInfo {
  return {
    id: bytes(peerIdFromString(info.id).toMultihash().bytes),
    addrs: addrsToWire(info.addrs),
    load: info.load,
    capacity: info.capacity
  }
}

/** The addresses this node listens on, as strings without the /p2p/ part. */
export function listenAddrs (node: Libp2p): string[] {
  return node.getMultiaddrs().map(ma => ma.decapsulateCode(421).toString()).filter((a, i, all) => all.indexOf(a) === i)
}
