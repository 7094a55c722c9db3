import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { SignedToken, TokenBody, decode } from '@stampede/wire'
import { TokenError, issueToken, verifyToken } from '../src/index.js'
import { rejection } from './helpers.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const NOW = 1_700_000_000_000
const TTL = 60_000

async function assertTokenError (p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await rejection(p)
  assert.equal(err.name, 'TokenError', `${err.name}: ${err.message}`)
  assert.ok(err instanceof TokenError)
  assert.match(err.message, message)
}

describe('login tokens', () => {
  let issuerKey: PrivateKey
  let issuer: PeerId
  let otherKey: PrivateKey
  let peer: PeerId
  let otherPeer: PeerId
  let token: Uint8Array

  before(async () => {
    issuerKey = await generateKeyPair('Ed25519')
    issuer = peerIdFromPrivateKey(issuerKey)
    otherKey = await generateKeyPair('Ed25519')
    peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    otherPeer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    token = await issueToken(issuerKey, { peer, user: 'alice', issuer, nowMs: NOW, ttlMs: TTL })
  })

  it('verifies a token it issued and returns its body', async () => {
    const body = await verifyToken(token, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW + 1 })
    assert.equal(body.user, 'alice')
    assert.equal(body.issuedAtMs, NOW)
    assert.equal(body.expiresAtMs, NOW + TTL)
    assert.deepEqual(body.peer, peer.toMultihash().bytes)
    assert.deepEqual(body.issuer, issuer.toMultihash().bytes)
    // still valid one millisecond before expiry
    await verifyToken(token, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW + TTL - 1 })
  })

  it('carries the operator\'s claim only when minted with it, under the signature', async () => {
    assert.equal((await verifyToken(token, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW })).operator, false)
    const mega = await issueToken(issuerKey, { peer, user: 'mega', issuer, nowMs: NOW, ttlMs: TTL, operator: true })
    assert.equal((await verifyToken(mega, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW })).operator, true)
    // a peer cannot add the claim to its own token: the signature no longer matches
    const signed = decode.signedToken(token)
    const forged = SignedToken.encode({ body: TokenBody.encode({ ...decode.tokenBody(signed.body), operator: true }), signature: signed.signature })
    await assertTokenError(verifyToken(forged, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /bad signature/)
  })

  it('rejects a token checked against another issuer key', async () => {
    await assertTokenError(verifyToken(token, { issuerKey: otherKey.publicKey, peer, nowMs: NOW }), /bad signature/)
  })

  it('rejects a token signed by another key that claims the real issuer', async () => {
    const forged = await issueToken(otherKey, { peer, user: 'alice', issuer, nowMs: NOW, ttlMs: TTL })
    await assertTokenError(verifyToken(forged, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /bad signature/)
  })

  it('rejects a token presented by another peer', async () => {
    await assertTokenError(verifyToken(token, { issuerKey: issuerKey.publicKey, peer: otherPeer, nowMs: NOW }), /another peer/)
  })

  it('rejects an expired token', async () => {
    await assertTokenError(verifyToken(token, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW + TTL }), /expired/)
    await assertTokenError(verifyToken(token, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW + 10 * TTL }), /expired/)
  })

  it('rejects a token whose body was changed after signing', async () => {
    const signed = SignedToken.decode(token)
    const body = TokenBody.decode(signed.body)
    const longer = SignedToken.encode({ body: TokenBody.encode({ ...body, expiresAtMs: body.expiresAtMs + 1_000_000 }), signature: signed.signature })
    await assertTokenError(verifyToken(longer, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /bad signature/)
    const stolen = SignedToken.encode({ body: TokenBody.encode({ ...body, peer: otherPeer.toMultihash().bytes as Uint8Array<ArrayBuffer> }), signature: signed.signature })
    await assertTokenError(verifyToken(stolen, { issuerKey: issuerKey.publicKey, peer: otherPeer, nowMs: NOW }), /bad signature/)
  })

  it('rejects a token whose signature was changed', async () => {
    const signed = SignedToken.decode(token)
    for (const i of [0, 31, signed.signature.byteLength - 1]) {
      const sig = signed.signature.slice()
      sig[i] = (sig[i] ?? 0) ^ 0x01
      const tampered = SignedToken.encode({ body: signed.body, signature: sig })
      await assertTokenError(verifyToken(tampered, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /bad signature/)
    }
    const truncated = SignedToken.encode({ body: signed.body, signature: signed.signature.slice(0, 10) })
    await assertTokenError(verifyToken(truncated, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /bad signature|malformed/)
  })

  it('rejects garbage bytes as a malformed token', async () => {
    const garbage: Uint8Array[] = [
      new Uint8Array(),
      Uint8Array.from([0xff, 0xff, 0xff, 0xff]),
      Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff),
      new TextEncoder().encode('not a token'),
      SignedToken.encode({ body: Uint8Array.from([1, 2, 3]), signature: new Uint8Array(64) }),
      token.subarray(0, token.byteLength - 5)
    ]
    for (const bytes of garbage) {
      await assertTokenError(verifyToken(bytes, { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /malformed|bad signature/)
    }
    await assertTokenError(verifyToken(new Uint8Array(), { issuerKey: issuerKey.publicKey, peer, nowMs: NOW }), /malformed/)
  })
})
