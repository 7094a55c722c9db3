import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  Candidate, ClientFrame, LoginResponse, NetworkView, PresenceAnswer, Profile, Refusal, RefusalReason,
  SupernodeFrame, SupernodeInfo, decode, validateNetworkView, validateProfile, validateRefusal, validateSupernodeInfo
} from '../src/index.js'
import { bytes, candidate, info, profile, refusal, samples, view } from './fixtures.js'

describe('round trip', () => {
  for (const { name, message, encode, check } of samples) {
    it(`${name}: encode then checked decode gives the message back`, () => {
      const encoded = encode(message)
      assert.ok(encoded.byteLength > 0)
      assert.deepEqual(check(encoded), message)
    })

    it(`${name}: decodes from a Uint8ArrayList split across chunks`, () => {
      const encoded = encode(message)
      const third = Math.floor(encoded.byteLength / 3)
      const list = new Uint8ArrayList(encoded.subarray(0, third), encoded.subarray(third, 2 * third), encoded.subarray(2 * third))
      assert.deepEqual(check(list.subarray()), message)
      assert.deepEqual((decode as Record<string, (buf: Uint8Array | Uint8ArrayList) => unknown>)[name]?.(list), message)
    })
  }

  it('has a sample for every checked decoder', () => {
    assert.deepEqual(samples.map(s => s.name).sort(), Object.keys(decode).sort())
  })

  it('Profile', () => {
    assert.deepEqual(Profile.decode(Profile.encode(profile)), profile)
    assert.deepEqual(validateProfile('p', Profile.decode(Profile.encode(profile))), profile)
  })

  it('SupernodeInfo', () => {
    const original = info(3, 8)
    assert.deepEqual(SupernodeInfo.decode(SupernodeInfo.encode(original)), original)
    assert.deepEqual(validateSupernodeInfo('s', SupernodeInfo.decode(SupernodeInfo.encode(original))), original)
  })

  it('Refusal, with every reason', () => {
    for (const reason of Object.values(RefusalReason).filter((v): v is RefusalReason => typeof v === 'string')) {
      const original = { ...refusal, reason }
      assert.deepEqual(validateRefusal('r', Refusal.decode(Refusal.encode(original))), original, reason)
    }
  })

  it('NetworkView', () => {
    assert.deepEqual(validateNetworkView('v', NetworkView.decode(NetworkView.encode(view))), view)
  })

  it('Candidate', () => {
    assert.deepEqual(Candidate.decode(Candidate.encode(candidate)), candidate)
  })

  it('ClientFrame, with every type', () => {
    for (const type of [ClientFrame.Type.ATTACH, ClientFrame.Type.HEARTBEAT, ClientFrame.Type.DETACH]) {
      const original: ClientFrame = { type, seq: 9, token: bytes(10, 1), profile, uptimeMs: 5 }
      assert.deepEqual(decode.clientFrame(ClientFrame.encode(original)), original, type)
    }
    // a bare heartbeat carries no token or profile
    const heartbeat = decode.clientFrame(ClientFrame.encode({ type: ClientFrame.Type.HEARTBEAT, seq: 2 }))
    assert.equal(heartbeat.type, ClientFrame.Type.HEARTBEAT)
    assert.equal(heartbeat.seq, 2)
    assert.equal(heartbeat.profile, undefined)
  })

  it('SupernodeFrame, with every type', () => {
    for (const type of [SupernodeFrame.Type.ATTACHED, SupernodeFrame.Type.REFUSED, SupernodeFrame.Type.HEARTBEAT_ACK, SupernodeFrame.Type.MOVE]) {
      const original: SupernodeFrame = { type, seq: 1, refusal, load: 1, capacity: 2, promote: false, alternatives: [info(1)], view }
      assert.deepEqual(decode.supernodeFrame(SupernodeFrame.encode(original)), original, type)
    }
  })

  it('keeps optional messages absent when they were not sent', () => {
    const response = decode.loginResponse(LoginResponse.encode({ token: bytes(10), referrals: [], promote: false }))
    assert.equal(response.refusal, undefined)
    assert.equal(response.view, undefined)
    const answer = decode.presenceAnswer(PresenceAnswer.encode({ found: false }))
    assert.deepEqual(answer, { found: false })
  })

  it('keeps the largest allowed 64-bit values exactly', () => {
    const seq = Number.MAX_SAFE_INTEGER
    assert.equal(decode.clientFrame(ClientFrame.encode({ type: ClientFrame.Type.HEARTBEAT, seq })).seq, seq)
  })
})
