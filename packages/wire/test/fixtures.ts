import {
  ClientFrame, LoginRequest, LoginResponse, PresenceAnswer, PresenceLookup, PresenceRecord, RefusalReason,
  ReportAck, SignedToken, SupernodeFrame, SupernodeReport, TokenBody, decode
} from '../src/index.js'
import type { Candidate, NetworkView, Profile, Refusal, SupernodeInfo } from '../src/index.js'

/** `length` bytes, each `fill`: stand-ins for peer ids, multiaddrs and signatures. */
export function bytes (length: number, fill = 1): Uint8Array<ArrayBuffer> {
  return new Uint8Array(length).fill(fill)
}

/** Protobuf base-128 varint of a non-negative or (two's complement, 64-bit) negative integer. */
export function varint (value: number | bigint): number[] {
  let v = BigInt(value)
  if (v < 0n) v += 1n << 64n
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

/** A field key: field number and wire type. */
export function key (field: number, wireType: 0 | 2): number[] {
  return varint((field << 3) | wireType)
}

/** A varint field. */
export function varintField (field: number, value: number | bigint): number[] {
  return [...key(field, 0), ...varint(value)]
}

/** A length-delimited field. */
export function lengthDelimited (field: number, payload: ArrayLike<number>): number[] {
  return [...key(field, 2), ...varint(payload.length), ...Array.from(payload)]
}

export const PEER_ID_BYTES = 38

export const profile: Profile = { name: 'alice-laptop', reachable: true, capacity: 40, bandwidthKbps: 2_000 }

export function info (n: number, addrs = 2): SupernodeInfo {
  return {
    id: bytes(PEER_ID_BYTES, n),
    addrs: Array.from({ length: addrs }, (_, i) => bytes(24, n * 10 + i)),
    load: n,
    capacity: 40
  }
}

export const refusal: Refusal = {
  reason: RefusalReason.BUSY,
  retryAfterMs: 5_000,
  alternatives: [info(1), info(2)],
  detail: 'no free slot'
}

export const view: NetworkView = { supernodes: 3, loggedIn: 42, capacity: 120 }

export const candidate: Candidate = { id: bytes(PEER_ID_BYTES, 7), profile, uptimeMs: 90_000 }

/**
 * One fully populated sample of every message with a checked decoder, its codec and its
 * decoder. Each sample ends (on the wire) with a field longer than one byte, so dropping
 * the last byte always cuts a field in half.
 */
export interface Sample<T> {
  name: string
  message: T
  encode: (message: T) => Uint8Array
  check: (buf: Uint8Array) => unknown
}

function sample<T> (name: string, message: T, encode: (message: T) => Uint8Array, check: (buf: Uint8Array) => unknown): Sample<unknown> {
  return { name, message, encode: encode as (message: unknown) => Uint8Array, check }
}

export const samples: Array<Sample<unknown>> = [
  sample<LoginRequest>('loginRequest', {
    user: 'alice', profile, uptimeMs: 123_456_789, token: bytes(120, 9), unreachable: [bytes(PEER_ID_BYTES, 7)], waitMs: 9_000
  }, LoginRequest.encode, decode.loginRequest),
  sample<LoginResponse>('loginResponse', {
    refusal, token: bytes(200, 3), referrals: [info(3), info(4)], promote: true, view
  }, LoginResponse.encode, decode.loginResponse),
  sample<SignedToken>('signedToken', {
    body: bytes(100, 4), signature: bytes(64, 5)
  }, SignedToken.encode, decode.signedToken),
  sample<TokenBody>('tokenBody', {
    peer: bytes(PEER_ID_BYTES, 1), user: 'alice', issuedAtMs: 1_760_000_000_000, expiresAtMs: 1_760_003_600_000, issuer: bytes(PEER_ID_BYTES, 2), operator: true
  }, TokenBody.encode, decode.tokenBody),
  sample<ClientFrame>('clientFrame', {
    type: ClientFrame.Type.ATTACH, seq: 17, token: bytes(150, 6), profile, uptimeMs: 3_600_000
  }, ClientFrame.encode, decode.clientFrame),
  sample<SupernodeFrame>('supernodeFrame', {
    type: SupernodeFrame.Type.REFUSED, seq: 18, refusal, load: 5, capacity: 40, promote: true, alternatives: [info(5)], view
  }, SupernodeFrame.encode, decode.supernodeFrame),
  sample<SupernodeReport>('supernodeReport', {
    token: bytes(150, 6), addrs: [bytes(24, 1), bytes(24, 2)], load: 12, capacity: 40, candidates: [candidate, { ...candidate, id: bytes(PEER_ID_BYTES, 8) }], uptimeMs: 86_400_000, profile
  }, SupernodeReport.encode, decode.supernodeReport),
  sample<ReportAck>('reportAck', {
    refusal, supernodes: [info(6), info(7)], promote: [bytes(PEER_ID_BYTES, 7)], demote: true, view
  }, ReportAck.encode, decode.reportAck),
  sample<PresenceLookup>('presenceLookup', {
    user: bytes(PEER_ID_BYTES, 1)
  }, PresenceLookup.encode, decode.presenceLookup),
  sample<PresenceAnswer>('presenceAnswer', {
    found: true, supernode: info(8), refusal
  }, PresenceAnswer.encode, decode.presenceAnswer),
  sample<PresenceRecord>('presenceRecord', {
    user: bytes(PEER_ID_BYTES, 1), supernode: bytes(PEER_ID_BYTES, 2), addrs: [bytes(24, 3)], updatedAtMs: 1_760_000_000_000
  }, PresenceRecord.encode, decode.presenceRecord)
]

/** A small deterministic PRNG (mulberry32) so fuzz runs are reproducible. */
export function prng (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Asserts `fn` throws an error of class `name` (compared by `.name`), and returns it. */
export function thrown (fn: () => unknown): Error & { field?: string } {
  try {
    fn()
  } catch (err: unknown) {
    if (err instanceof Error) return err
    throw new Error(`threw a non-Error: ${String(err)}`)
  }
  throw new Error('did not throw')
}
