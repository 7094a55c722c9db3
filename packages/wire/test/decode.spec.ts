import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ClientFrame, InvalidMessageError, LoginRequest, LoginResponse, MalformedMessageError, MAX_ADDR_BYTES, MAX_ADDRS,
  MAX_CANDIDATES, MAX_PEER_ID_BYTES, MAX_PROFILE_BANDWIDTH_KBPS, MAX_PROFILE_CAPACITY, MAX_PROMOTE, MAX_REFERRALS,
  MAX_LOGIN_WAIT_MS, MAX_RETRY_AFTER_MS, MAX_TOKEN_BYTES, MAX_UNREACHABLE, MAX_USER_LENGTH, PresenceAnswer, PresenceLookup, PresenceRecord, ReportAck,
  SignedToken, SupernodeFrame, SupernodeReport, TokenBody, decode, validateProfile, validateSupernodeInfo
} from '../src/index.js'
import {
  bytes, candidate, info, key, lengthDelimited, PEER_ID_BYTES, prng, profile, refusal, samples, thrown, varint,
  varintField, view
} from './fixtures.js'

const NAMED_ERRORS = new Set(['MalformedMessageError', 'InvalidMessageError'])

function assertMalformed (fn: () => unknown, label?: string): void {
  const err = thrown(fn)
  assert.equal(err.name, 'MalformedMessageError', `${label ?? ''} ${err.name}: ${err.message}`)
  assert.ok(err instanceof MalformedMessageError)
}

function assertInvalid (fn: () => unknown, field: string): void {
  const err = thrown(fn)
  assert.equal(err.name, 'InvalidMessageError', `${err.name}: ${err.message}`)
  assert.ok(err instanceof InvalidMessageError)
  assert.equal(err.field, field, err.message)
  assert.ok(err.message.startsWith(`${field}:`), err.message)
}

/** Decodes, and if it throws at all, throws only one of the two named errors. */
function decodesOrRejectsByName (check: (buf: Uint8Array) => unknown, buf: Uint8Array, label: string): void {
  try {
    check(buf)
  } catch (err: unknown) {
    assert.ok(err instanceof Error && NAMED_ERRORS.has(err.name), `${label}: ${String(err)}`)
  }
}

describe('errors', () => {
  it('are named classes', () => {
    const malformed = new MalformedMessageError('x')
    assert.equal(malformed.name, 'MalformedMessageError')
    assert.ok(malformed instanceof Error)
    const invalid = new InvalidMessageError('a.b', 'bad')
    assert.equal(invalid.name, 'InvalidMessageError')
    assert.equal(invalid.field, 'a.b')
    assert.equal(invalid.message, 'a.b: bad')
  })
})

describe('malformed bytes', () => {
  for (const { name, message, encode, check } of samples) {
    it(`${name}: rejects the message cut one byte short`, () => {
      const encoded = encode(message)
      assertMalformed(() => check(encoded.subarray(0, encoded.byteLength - 1)))
    })

    it(`${name}: rejects the message cut inside its first length-delimited field`, () => {
      const encoded = encode(message)
      // walk the top-level fields to the first length-delimited one longer than one byte
      let pos = 0
      const readVarint = (): number => {
        let value = 0
        let shift = 0
        let byte: number
        do {
          byte = encoded[pos++] ?? 0
          value += (byte & 0x7f) * 2 ** shift
          shift += 7
        } while ((byte & 0x80) !== 0)
        return value
      }
      while (pos < encoded.byteLength) {
        const wireType = readVarint() & 7
        const value = readVarint()
        if (wireType !== 2) continue
        if (value > 1) {
          assertMalformed(() => check(encoded.subarray(0, pos + Math.floor(value / 2))))
          return
        }
        pos += value
      }
      assert.fail('sample has no length-delimited field')
    })

    it(`${name}: every truncation decodes or fails with a named error`, () => {
      const encoded = encode(message)
      for (let length = 0; length < encoded.byteLength; length++) {
        decodesOrRejectsByName(check, encoded.subarray(0, length), `${name} cut at ${length}`)
      }
    })

    it(`${name}: rejects garbage`, () => {
      // field 15 with wire type 7, which does not exist
      assertMalformed(() => check(Uint8Array.of(0x7f)), 'bad wire type')
      // a length prefix far longer than the bytes that follow
      assertMalformed(() => check(Uint8Array.of(...key(1, 2), ...varint(1_000), 1, 2, 3)), 'long length')
      // a key that never ends
      assertMalformed(() => check(new Uint8Array(16).fill(0xff)), 'endless varint')
      // an unknown field announcing more bytes than there are
      assertMalformed(() => check(Uint8Array.of(...key(30, 2), 10, 1)), 'unknown field')
    })

    it(`${name}: random and mutated bytes only ever fail with a named error`, () => {
      const random = prng(name.length * 7919)
      const encoded = encode(message)
      for (let i = 0; i < 300; i++) {
        const garbage = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))
        decodesOrRejectsByName(check, garbage, `${name} garbage ${i}`)
        const mutated = encoded.slice()
        for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) {
          mutated[Math.floor(random() * mutated.byteLength)] = Math.floor(random() * 256)
        }
        decodesOrRejectsByName(check, mutated, `${name} mutated ${i}`)
      }
    })
  }

  it('rejects a 64-bit value that cannot be read', () => {
    // ten bytes of continuation: longer than any varint
    assertMalformed(() => decode.clientFrame(Uint8Array.of(...key(2, 0), ...new Array(10).fill(0xff), 0x01)))
  })
})

describe('unknown enum values', () => {
  it('rejects an unknown ClientFrame.type', () => {
    assertMalformed(() => decode.clientFrame(Uint8Array.of(...varintField(1, 99))))
    assertMalformed(() => decode.clientFrame(Uint8Array.of(...varintField(1, -1))), 'negative')
    // the largest known value is accepted
    const detach = Uint8Array.of(...varintField(1, 2), ...varintField(2, 1))
    assert.equal(decode.clientFrame(detach).type, ClientFrame.Type.DETACH)
  })

  it('rejects an unknown SupernodeFrame.type', () => {
    assertMalformed(() => decode.supernodeFrame(Uint8Array.of(...varintField(1, 99))))
    assert.equal(decode.supernodeFrame(Uint8Array.of(...varintField(1, 3))).type, SupernodeFrame.Type.MOVE)
  })

  it('rejects an unknown Refusal.reason wherever a refusal travels', () => {
    const badRefusal = varintField(1, 99)
    assertMalformed(() => decode.supernodeFrame(Uint8Array.of(...varintField(1, 1), ...lengthDelimited(3, badRefusal))), 'supernodeFrame')
    assertMalformed(() => decode.loginResponse(Uint8Array.of(...lengthDelimited(1, badRefusal))), 'loginResponse')
    assertMalformed(() => decode.reportAck(Uint8Array.of(...lengthDelimited(1, badRefusal))), 'reportAck')
    assertMalformed(() => decode.presenceAnswer(Uint8Array.of(...lengthDelimited(3, badRefusal))), 'presenceAnswer')
    // reason 7 (SHUTTING_DOWN) is the largest known
    const ok = decode.loginResponse(Uint8Array.of(...lengthDelimited(1, varintField(1, 7))))
    assert.equal(ok.refusal?.reason, 'SHUTTING_DOWN')
  })
})

describe('repeated field bounds', () => {
  const peer = bytes(PEER_ID_BYTES, 1)
  const addrs = (n: number): Uint8Array<ArrayBuffer>[] => Array.from({ length: n }, (_, i) => bytes(20, i + 1))
  const infos = (n: number, addrCount = 1): ReturnType<typeof info>[] => Array.from({ length: n }, (_, i) => info(i + 1, addrCount))
  const withAlternatives = (n: number, addrCount = 1): typeof refusal => ({ ...refusal, alternatives: infos(n, addrCount) })

  const cases: Array<[string, number, (n: number) => void]> = [
    ['LoginResponse.referrals', MAX_REFERRALS, n =>
      decode.loginResponse(LoginResponse.encode({ token: bytes(8), referrals: infos(n) }))],
    ['LoginResponse.referrals[].addrs', MAX_ADDRS, n =>
      decode.loginResponse(LoginResponse.encode({ token: bytes(8), referrals: [info(1, n)] }))],
    ['LoginResponse.refusal.alternatives', MAX_REFERRALS, n =>
      decode.loginResponse(LoginResponse.encode({ refusal: withAlternatives(n) }))],
    ['LoginResponse.refusal.alternatives[].addrs', MAX_ADDRS, n =>
      decode.loginResponse(LoginResponse.encode({ refusal: withAlternatives(1, n) }))],
    ['SupernodeFrame.alternatives', MAX_REFERRALS, n =>
      decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.MOVE, alternatives: infos(n) }))],
    ['SupernodeFrame.alternatives[].addrs', MAX_ADDRS, n =>
      decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.MOVE, alternatives: [info(1, n)] }))],
    ['SupernodeFrame.refusal.alternatives', MAX_REFERRALS, n =>
      decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.REFUSED, refusal: withAlternatives(n) }))],
    ['SupernodeReport.addrs', MAX_ADDRS, n =>
      decode.supernodeReport(SupernodeReport.encode({ token: bytes(8), addrs: addrs(n), profile }))],
    ['SupernodeReport.candidates', MAX_CANDIDATES, n =>
      decode.supernodeReport(SupernodeReport.encode({
        token: bytes(8), profile, candidates: Array.from({ length: n }, (_, i) => ({ ...candidate, id: bytes(PEER_ID_BYTES, i + 1) }))
      }))],
    ['ReportAck.supernodes', MAX_REFERRALS, n =>
      decode.reportAck(ReportAck.encode({ supernodes: infos(n) }))],
    ['ReportAck.supernodes[].addrs', MAX_ADDRS, n =>
      decode.reportAck(ReportAck.encode({ supernodes: [info(1, n)] }))],
    ['ReportAck.promote', MAX_PROMOTE, n =>
      decode.reportAck(ReportAck.encode({ promote: Array.from({ length: n }, () => peer) }))],
    ['ReportAck.refusal.alternatives', MAX_REFERRALS, n =>
      decode.reportAck(ReportAck.encode({ refusal: withAlternatives(n) }))],
    ['PresenceAnswer.supernode.addrs', MAX_ADDRS, n =>
      decode.presenceAnswer(PresenceAnswer.encode({ found: true, supernode: info(1, n) }))],
    ['PresenceAnswer.refusal.alternatives', MAX_REFERRALS, n =>
      decode.presenceAnswer(PresenceAnswer.encode({ refusal: withAlternatives(n) }))],
    ['PresenceRecord.addrs', MAX_ADDRS, n =>
      decode.presenceRecord(PresenceRecord.encode({ user: peer, supernode: peer, addrs: addrs(n), updatedAtMs: 1 }))]
  ]

  for (const [field, max, decodeWith] of cases) {
    it(`${field}: accepts ${max}, rejects ${max + 1}`, () => {
      decodeWith(max)
      assertMalformed(() => { decodeWith(max + 1) })
    })
  }

  it('validateSupernodeInfo rejects too many addresses given directly', () => {
    validateSupernodeInfo('s', info(1, MAX_ADDRS))
    assertInvalid(() => validateSupernodeInfo('s', info(1, MAX_ADDRS + 1)), 's.addrs')
  })
})

describe('out-of-range values', () => {
  const peer = bytes(PEER_ID_BYTES, 1)
  const login = (overrides: Partial<LoginRequest>): Uint8Array =>
    LoginRequest.encode({ user: 'alice', profile, uptimeMs: 1, ...overrides })

  it('profile capacity above MAX_PROFILE_CAPACITY', () => {
    decode.loginRequest(login({ profile: { ...profile, capacity: MAX_PROFILE_CAPACITY } }))
    assertInvalid(() => decode.loginRequest(login({ profile: { ...profile, capacity: MAX_PROFILE_CAPACITY + 1 } })), 'profile.capacity')
    assertInvalid(() => decode.clientFrame(ClientFrame.encode({
      type: ClientFrame.Type.ATTACH, token: bytes(8), profile: { ...profile, capacity: MAX_PROFILE_CAPACITY + 1 }
    })), 'profile.capacity')
    assertInvalid(() => decode.clientFrame(ClientFrame.encode({
      type: ClientFrame.Type.HEARTBEAT, profile: { ...profile, capacity: MAX_PROFILE_CAPACITY + 1 }
    })), 'profile.capacity')
    assertInvalid(() => decode.supernodeReport(SupernodeReport.encode({
      token: bytes(8), profile, candidates: [candidate, { ...candidate, profile: { ...profile, capacity: MAX_PROFILE_CAPACITY + 1 } }]
    })), 'candidates[1].profile.capacity')
  })

  it('profile bandwidth above MAX_PROFILE_BANDWIDTH_KBPS', () => {
    assertInvalid(() => decode.loginRequest(login({ profile: { ...profile, bandwidthKbps: MAX_PROFILE_BANDWIDTH_KBPS + 1 } })), 'profile.bandwidthKbps')
  })

  it('unreachable supernodes: too many, empty or oversized ids, and an absurd wait', () => {
    const ids = (n: number): Array<Uint8Array<ArrayBuffer>> => Array.from({ length: n }, (_, i) => bytes(PEER_ID_BYTES, i))
    assert.equal(decode.loginRequest(login({ unreachable: ids(MAX_UNREACHABLE) })).unreachable.length, MAX_UNREACHABLE)
    assert.throws(() => decode.loginRequest(login({ unreachable: ids(MAX_UNREACHABLE + 1) })), { name: 'MalformedMessageError' })
    assertInvalid(() => decode.loginRequest(login({ unreachable: [peer, new Uint8Array()] })), 'unreachable[1]')
    assertInvalid(() => decode.loginRequest(login({ unreachable: [bytes(MAX_PEER_ID_BYTES + 1)] })), 'unreachable[0]')
    decode.loginRequest(login({ waitMs: MAX_LOGIN_WAIT_MS }))
    assertInvalid(() => decode.loginRequest(login({ waitMs: MAX_LOGIN_WAIT_MS + 1 })), 'waitMs')
  })

  it('a missing profile where one is required', () => {
    assertInvalid(() => decode.loginRequest(LoginRequest.encode({ user: 'alice' })), 'profile')
    assertInvalid(() => decode.clientFrame(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, token: bytes(8) })), 'profile')
    assertInvalid(() => decode.supernodeReport(SupernodeReport.encode({ token: bytes(8) })), 'profile')
    assertInvalid(() => validateProfile('x', undefined), 'x')
  })

  it('retryAfterMs above MAX_RETRY_AFTER_MS', () => {
    const at = (retryAfterMs: number): typeof refusal => ({ ...refusal, retryAfterMs })
    decode.loginResponse(LoginResponse.encode({ refusal: at(MAX_RETRY_AFTER_MS) }))
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({ refusal: at(MAX_RETRY_AFTER_MS + 1) })), 'refusal.retryAfterMs')
    assertInvalid(() => decode.supernodeFrame(SupernodeFrame.encode({
      type: SupernodeFrame.Type.REFUSED, refusal: at(MAX_RETRY_AFTER_MS + 1)
    })), 'refusal.retryAfterMs')
    assertInvalid(() => decode.reportAck(ReportAck.encode({ refusal: at(MAX_RETRY_AFTER_MS + 1) })), 'refusal.retryAfterMs')
    assertInvalid(() => decode.presenceAnswer(PresenceAnswer.encode({ refusal: at(MAX_RETRY_AFTER_MS + 1) })), 'refusal.retryAfterMs')
  })

  it('empty peer ids', () => {
    const empty = new Uint8Array(0)
    const token = { peer, user: 'alice', issuedAtMs: 1, expiresAtMs: 2, issuer: peer }
    decode.tokenBody(TokenBody.encode(token))
    assertInvalid(() => decode.tokenBody(TokenBody.encode({ ...token, peer: empty })), 'peer')
    assertInvalid(() => decode.tokenBody(TokenBody.encode({ ...token, issuer: empty })), 'issuer')
    assertInvalid(() => decode.presenceLookup(PresenceLookup.encode({ user: empty })), 'user')
    assertInvalid(() => decode.presenceRecord(PresenceRecord.encode({ user: empty, supernode: peer })), 'user')
    assertInvalid(() => decode.presenceRecord(PresenceRecord.encode({ user: peer, supernode: empty })), 'supernode')
    assertInvalid(() => decode.reportAck(ReportAck.encode({ promote: [peer, empty] })), 'promote[1]')
    assertInvalid(() => decode.reportAck(ReportAck.encode({ supernodes: [{ ...info(1), id: empty }] })), 'supernodes[0].id')
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({
      token: bytes(8), referrals: [info(1), { ...info(2), id: empty }]
    })), 'referrals[1].id')
    assertInvalid(() => decode.supernodeFrame(SupernodeFrame.encode({
      type: SupernodeFrame.Type.MOVE, alternatives: [{ ...info(1), id: empty }]
    })), 'alternatives[0].id')
    assertInvalid(() => decode.supernodeFrame(SupernodeFrame.encode({
      type: SupernodeFrame.Type.REFUSED, refusal: { ...refusal, alternatives: [{ ...info(1), id: empty }] }
    })), 'refusal.alternatives[0].id')
    assertInvalid(() => decode.presenceAnswer(PresenceAnswer.encode({ found: true, supernode: { ...info(1), id: empty } })), 'supernode.id')
    assertInvalid(() => decode.supernodeReport(SupernodeReport.encode({
      token: bytes(8), profile, candidates: [{ ...candidate, id: empty }]
    })), 'candidates[0].id')
  })

  it('peer ids and addresses longer than their maximum', () => {
    decode.presenceLookup(PresenceLookup.encode({ user: bytes(MAX_PEER_ID_BYTES) }))
    assertInvalid(() => decode.presenceLookup(PresenceLookup.encode({ user: bytes(MAX_PEER_ID_BYTES + 1) })), 'user')
    assertInvalid(() => decode.presenceRecord(PresenceRecord.encode({
      user: peer, supernode: peer, addrs: [bytes(MAX_ADDR_BYTES + 1)]
    })), 'addrs[0]')
    assertInvalid(() => decode.presenceRecord(PresenceRecord.encode({
      user: peer, supernode: peer, addrs: [bytes(4), new Uint8Array(0)]
    })), 'addrs[1]')
  })

  it('a REFUSED SupernodeFrame without a refusal', () => {
    assertInvalid(() => decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.REFUSED, seq: 1 })), 'refusal')
    // the same frame with a refusal, or another type without one, is fine
    decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.REFUSED, refusal }))
    decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.ATTACHED, seq: 1 }))
  })

  it('a found PresenceAnswer without a supernode', () => {
    assertInvalid(() => decode.presenceAnswer(PresenceAnswer.encode({ found: true })), 'supernode')
  })

  it('an ATTACH frame without a token, a login response with neither token nor refusal', () => {
    assertInvalid(() => decode.clientFrame(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, profile })), 'token')
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({ promote: true })), 'token')
    assertInvalid(() => decode.supernodeReport(SupernodeReport.encode({ profile })), 'token')
  })

  it('tokens longer than MAX_TOKEN_BYTES', () => {
    assertInvalid(() => decode.loginRequest(login({ token: bytes(MAX_TOKEN_BYTES + 1) })), 'token')
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({ token: bytes(MAX_TOKEN_BYTES + 1) })), 'token')
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({ refusal, token: bytes(MAX_TOKEN_BYTES + 1) })), 'token')
    assertInvalid(() => decode.clientFrame(ClientFrame.encode({ type: ClientFrame.Type.HEARTBEAT, token: bytes(MAX_TOKEN_BYTES + 1) })), 'token')
    assertInvalid(() => decode.signedToken(SignedToken.encode({ body: bytes(MAX_TOKEN_BYTES + 1), signature: bytes(64) })), 'body')
    assertInvalid(() => decode.signedToken(SignedToken.encode({ body: bytes(8) })), 'signature')
  })

  it('a user name longer than MAX_USER_LENGTH', () => {
    decode.loginRequest(login({ user: 'u'.repeat(MAX_USER_LENGTH) }))
    assertInvalid(() => decode.loginRequest(login({ user: 'u'.repeat(MAX_USER_LENGTH + 1) })), 'user')
  })

  it('durations and timestamps that no peer can have', () => {
    const tenYearsMs = 10 * 365 * 24 * 3600_000
    decode.loginRequest(login({ uptimeMs: tenYearsMs }))
    assertInvalid(() => decode.loginRequest(login({ uptimeMs: tenYearsMs + 1 })), 'uptimeMs')
    assertInvalid(() => decode.presenceRecord(PresenceRecord.encode({
      user: peer, supernode: peer, updatedAtMs: Number.MAX_SAFE_INTEGER
    })), 'updatedAtMs')
  })

  it('a 64-bit value beyond the safe integer range', () => {
    // 2^53 and 2^54 + 1 fit in eight varint bytes but not exactly in a double
    for (const seq of [1n << 53n, (1n << 54n) + 1n]) {
      const frame = Uint8Array.of(...varintField(1, 1), ...varintField(2, seq))
      const err = thrown(() => decode.clientFrame(frame))
      assert.ok(NAMED_ERRORS.has(err.name), `${seq}: ${err.name}`)
    }
  })

  it('network view counts out of range', () => {
    decode.loginResponse(LoginResponse.encode({ token: bytes(8), view }))
    assertInvalid(() => decode.loginResponse(LoginResponse.encode({
      token: bytes(8), view: { ...view, loggedIn: 10_000_001 }
    })), 'view.loggedIn')
    assertInvalid(() => decode.reportAck(ReportAck.encode({ view: { ...view, supernodes: 10_000_001 } })), 'view.supernodes')
  })

  it('supernode load and capacity above MAX_PROFILE_CAPACITY', () => {
    assertInvalid(() => decode.supernodeFrame(SupernodeFrame.encode({ type: SupernodeFrame.Type.HEARTBEAT_ACK, load: MAX_PROFILE_CAPACITY + 1 })), 'load')
    assertInvalid(() => decode.supernodeReport(SupernodeReport.encode({ token: bytes(8), profile, capacity: MAX_PROFILE_CAPACITY + 1 })), 'capacity')
    assertInvalid(() => decode.reportAck(ReportAck.encode({ supernodes: [{ ...info(1), load: MAX_PROFILE_CAPACITY + 1 }] })), 'supernodes[0].load')
  })
})
