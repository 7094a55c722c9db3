import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import {
  ATTACH_PROTOCOL, ClientFrame, LOGIN_PROTOCOL, LoginRequest, MAX_CLIENT_FRAME_BYTES, MAX_LOGIN_REQUEST_BYTES,
  MAX_LOGIN_RESPONSE_BYTES, MAX_PRESENCE_ANSWER_BYTES, MAX_PRESENCE_LOOKUP_BYTES, MAX_REPORT_ACK_BYTES, MAX_REPORT_BYTES,
  MAX_SUPERNODE_FRAME_BYTES, PRESENCE_PROTOCOL, PresenceLookup, REPORT_PROTOCOL, RefusalReason, SignedToken,
  SupernodeFrame, SupernodeReport, decode
} from '@stampede/wire'
import { createLibp2p } from 'libp2p'
import { createOverlayNode, issueToken } from '../src/index.js'
import { FAST_TIMING, makeTempDir, metricValue, removeTempDir, waitFor } from './helpers.js'
import type { OverlayNode } from '../src/index.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { ResourceProfile } from '@stampede/allocation'

const DESKTOP: ResourceProfile = { name: 'desktop', reachable: true, capacity: 3, bandwidthKbps: 1000 }
const LAPTOP: ResourceProfile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }
const TIMEOUT_MS = FAST_TIMING.requestTimeoutMs

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** A length-prefixed frame, the way every overlay protocol sends its messages. */
function frame (body: Uint8Array): Uint8Array {
  return concat(varint(body.byteLength), body)
}

interface Outcome {
  /** reset: reading threw; closed: reading ended; stuck: our watchdog had to give up */
  end: 'reset' | 'closed' | 'stuck'
  error?: string
  received: number
  ms: number
}

describe('bad input against a running login server and supernode', () => {
  const dirs: string[] = []
  let login: OverlayNode
  let sn: OverlayNode
  let raw: Libp2p | undefined
  const extra: OverlayNode[] = []

  before(async () => {
    const loginDir = await makeTempDir('stampede-bad-login-')
    dirs.push(loginDir)
    login = await createOverlayNode({
      name: 'login', role: 'login', dataDir: loginDir, timing: FAST_TIMING, eventLog: false, seed: 1,
      promotion: { clientsPerSupernode: 3, eligibility: { minUptimeMs: 0 } }
    })
    const snDir = await makeTempDir('stampede-bad-sn-')
    dirs.push(snDir)
    sn = await createOverlayNode({
      name: 'supernode', role: 'peer', dataDir: snDir, timing: FAST_TIMING, eventLog: false, seed: 2, profile: DESKTOP,
      loginServer: { id: login.peerId.toString(), addrs: login.status().addrs }
    })
    await waitFor('the desktop peer to be promoted and registered', () =>
      sn.role === 'supernode' && login.status().network?.supernodes.some(s => s.id === sn.peerId.toString()), 10_000)
    raw = await createLibp2p({
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false }
    })
  })

  after(async () => {
    await raw?.stop()
    for (const n of extra) await n.stop().catch(() => {})
    await sn?.stop()
    await login?.stop()
    for (const d of dirs) await removeTempDir(d)
  })

  const addrsOf = (node: OverlayNode): ReturnType<typeof multiaddr>[] => node.status().addrs.map(a => multiaddr(a))

  async function open (node: OverlayNode, protocol: string): Promise<Stream> {
    if (raw == null) throw new Error('no raw node')
    return raw.dialProtocol(addrsOf(node), protocol, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  }

  /** Open a stream, send `bytes` (or nothing), and read until the server ends it. */
  async function probe (node: OverlayNode, protocol: string, bytes: Uint8Array | undefined, limitMs: number): Promise<Outcome> {
    const started = Date.now()
    const stream = await open(node, protocol)
    if (bytes != null) stream.send(bytes)
    let stuck = false
    const watchdog = setTimeout(() => {
      stuck = true
      stream.abort(new Error('watchdog: the server kept the stream open'))
    }, limitMs)
    let received = 0
    try {
      for await (const chunk of stream) received += chunk.byteLength
      return { end: stuck ? 'stuck' : 'closed', received, ms: Date.now() - started }
    } catch (err: unknown) {
      return { end: stuck ? 'stuck' : 'reset', error: (err as Error).name, received, ms: Date.now() - started }
    } finally {
      clearTimeout(watchdog)
      if (stream.status !== 'closed' && stream.status !== 'aborted' && stream.status !== 'reset') stream.abort(new Error('probe done'))
    }
  }

  const resets = async (node: OverlayNode, protocol: string, reason?: string): Promise<number> =>
    metricValue(node.metrics, 'stampede_stream_resets_total', reason == null ? { protocol } : { protocol, reason })

  /** Send `bytes`, expect the stream reset within `limitMs` and one reset counted with `reason`. */
  async function expectReset (node: OverlayNode, protocol: string, label: string, bytes: Uint8Array | undefined, reason: string | undefined, limitMs: number): Promise<Outcome> {
    const before = await resets(node, label, reason)
    const totalBefore = await resets(node, label)
    const outcome = await probe(node, protocol, bytes, limitMs + 2_000)
    assert.equal(outcome.end, 'reset', `${label}: ${JSON.stringify(outcome)}`)
    assert.equal(outcome.received, 0, `${label}: the server answered bad input`)
    assert.ok(outcome.ms <= limitMs + 500, `${label}: reset after ${outcome.ms} ms, limit ${limitMs} ms`)
    await waitFor(`${label} reset counted as ${reason ?? 'anything'}`, async () => (await resets(node, label, reason)) === before + 1, 2_000)
    assert.equal(await resets(node, label), totalBefore + 1, `${label}: exactly one reset counted`)
    return outcome
  }

  const servers = (): Array<{ label: string, node: OverlayNode, protocol: string, max: number }> => [
    { label: 'login', node: login, protocol: LOGIN_PROTOCOL, max: MAX_LOGIN_REQUEST_BYTES },
    { label: 'report', node: login, protocol: REPORT_PROTOCOL, max: MAX_REPORT_BYTES },
    { label: 'attach', node: sn, protocol: ATTACH_PROTOCOL, max: MAX_CLIENT_FRAME_BYTES },
    { label: 'presence', node: sn, protocol: PRESENCE_PROTOCOL, max: MAX_PRESENCE_LOOKUP_BYTES }
  ]

  it('(a) resets a stream whose length prefix is over the protocol limit, before buffering it', async () => {
    for (const s of servers()) {
      // one byte over the limit, followed by some of the promised bytes
      await expectReset(s.node, s.protocol, s.label, concat(varint(s.max + 1), new Uint8Array(64)), 'oversized', TIMEOUT_MS)
      // a 2 GiB frame: refused on its prefix, never waited for
      await expectReset(s.node, s.protocol, s.label, varint(2 ** 31), undefined, TIMEOUT_MS)
    }
  })

  it('(b) resets a stream carrying garbage in a valid frame', async () => {
    const garbage = new Uint8Array(24).fill(0xff)
    for (const s of servers()) {
      await expectReset(s.node, s.protocol, s.label, frame(garbage), 'malformed', TIMEOUT_MS)
    }
  })

  it('(c) resets an attach stream whose ClientFrame has an unknown type', async () => {
    // field 1 (type), varint 7: ClientFrame.Type has 0..2 only
    await expectReset(sn, ATTACH_PROTOCOL, 'attach', frame(Uint8Array.from([0x08, 0x07, 0x10, 0x01])), 'malformed', TIMEOUT_MS)
  })

  it('(d) resets an attach stream that starts with a HEARTBEAT', async () => {
    const heartbeat = ClientFrame.encode({ type: ClientFrame.Type.HEARTBEAT, seq: 1, uptimeMs: 10 })
    await expectReset(sn, ATTACH_PROTOCOL, 'attach', frame(heartbeat), 'unexpected', TIMEOUT_MS)
  })

  it('(e) resets a stream on which nothing is sent, after requestTimeoutMs', async () => {
    const outcomes = await Promise.all(servers().map(async s => expectReset(s.node, s.protocol, s.label, undefined, 'timeout', TIMEOUT_MS)))
    for (const o of outcomes) assert.ok(o.ms >= TIMEOUT_MS - 100, `reset too early, after ${o.ms} ms`)
  })

  it('counts an out-of-range value in a well-formed request as invalid input', async () => {
    const absurd = LoginRequest.encode({ user: 'x', profile: { ...DESKTOP, capacity: 10_000_000 }, uptimeMs: 0, token: new Uint8Array() })
    const before = await metricValue(login.metrics, 'stampede_rejected_input_total', { field: 'profile.capacity' })
    await expectReset(login, LOGIN_PROTOCOL, 'login', frame(absurd), 'invalid', TIMEOUT_MS)
    assert.equal(await metricValue(login.metrics, 'stampede_rejected_input_total', { field: 'profile.capacity' }), before + 1)
  })

  /** A genuine login over the wire by the raw node; returns its token. */
  async function rawLogin (): Promise<Uint8Array> {
    const stream = await open(login, LOGIN_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: MAX_LOGIN_RESPONSE_BYTES })
    try {
      await lp.write(LoginRequest.encode({ user: 'raw', profile: LAPTOP, uptimeMs: 0, token: new Uint8Array() }))
      const res = decode.loginResponse((await lp.read({ signal: AbortSignal.timeout(TIMEOUT_MS) })).subarray())
      await stream.close()
      assert.ok(res.token.byteLength > 0)
      return res.token
    } catch (err: unknown) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** Send an ATTACH with `token` and return the supernode's first frame. */
  async function attachWith (token: Uint8Array, then?: (lp: ReturnType<typeof lpStream<Stream>>) => Promise<void>): Promise<SupernodeFrame> {
    const stream = await open(sn, ATTACH_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: MAX_SUPERNODE_FRAME_BYTES })
    try {
      await lp.write(ClientFrame.encode({ type: ClientFrame.Type.ATTACH, seq: 1, token: token as Uint8Array<ArrayBuffer>, profile: LAPTOP, uptimeMs: 0 }))
      const reply = decode.supernodeFrame((await lp.read({ signal: AbortSignal.timeout(TIMEOUT_MS) })).subarray())
      await then?.(lp)
      return reply
    } finally {
      if (stream.status === 'open') stream.abort(new Error('done'))
    }
  }

  it('(f) refuses an ATTACH with a forged or garbage token with BAD_TOKEN, and admits a genuine one', async () => {
    if (raw == null) throw new Error('no raw node')
    const genuine = await rawLogin()
    const mallory = await generateKeyPair('Ed25519')
    const forged = await issueToken(mallory, { peer: raw.peerId, user: 'raw', issuer: login.peerId, nowMs: Date.now(), ttlMs: 60_000 })
    const signed = SignedToken.decode(genuine)
    const shortSignature = SignedToken.encode({ body: signed.body, signature: signed.signature.slice(0, 10) })
    const garbage = Uint8Array.from({ length: 48 }, (_, i) => (i * 29 + 7) & 0xff)
    const badBefore = await metricValue(sn.metrics, 'stampede_attach_requests_total', { result: 'bad-token' })
    for (const [name, token] of [['forged', forged], ['short signature', shortSignature], ['garbage', garbage]] as const) {
      const reply = await attachWith(token, async (lp) => {
        // the supernode closes the stream after its refusal
        await assert.rejects(lp.read({ signal: AbortSignal.timeout(TIMEOUT_MS) }), (err: Error) => err.name === 'UnexpectedEOFError', name)
      })
      assert.equal(reply.type, SupernodeFrame.Type.REFUSED, name)
      assert.equal(reply.refusal?.reason, RefusalReason.BAD_TOKEN, `${name}: ${String(reply.refusal?.reason)} ${reply.refusal?.detail ?? ""}`)
    }
    assert.equal(await metricValue(sn.metrics, 'stampede_attach_requests_total', { result: 'bad-token' }), badBefore + 3)

    // the same hand-made ATTACH with the token the login server issued is admitted
    const reply = await attachWith(genuine, async (lp) => {
      await lp.write(ClientFrame.encode({ type: ClientFrame.Type.DETACH, seq: 2 }))
    })
    assert.equal(reply.type, SupernodeFrame.Type.ATTACHED, `genuine token: ${String(reply.type)} ${reply.refusal?.detail ?? ''}`)
  })

  it('answers a REPORT with a forged token with a BAD_TOKEN refusal, not a reset', async () => {
    if (raw == null) throw new Error('no raw node')
    const genuine = await rawLogin()
    const mallory = await generateKeyPair('Ed25519')
    const forged = await issueToken(mallory, { peer: raw.peerId, user: 'raw', issuer: login.peerId, nowMs: Date.now(), ttlMs: 60_000 })
    const signed = SignedToken.decode(genuine)
    const shortSignature = SignedToken.encode({ body: signed.body, signature: signed.signature.slice(0, 10) })
    for (const [name, token] of [['forged', forged], ['short signature', shortSignature]] as const) {
      const stream = await open(login, REPORT_PROTOCOL)
      const lp = lpStream(stream, { maxDataLength: MAX_REPORT_ACK_BYTES })
      try {
        await lp.write(SupernodeReport.encode({ token: token as Uint8Array<ArrayBuffer>, addrs: [], load: 0, capacity: 3, candidates: [], uptimeMs: 0, profile: DESKTOP }))
        const ack = decode.reportAck((await lp.read({ signal: AbortSignal.timeout(TIMEOUT_MS) })).subarray())
        assert.equal(ack.refusal?.reason, RefusalReason.BAD_TOKEN, name)
        assert.equal(ack.demote, false)
        assert.deepEqual(ack.supernodes, [], `${name}: a forged reporter learns nothing`)
      } finally {
        if (stream.status === 'open') stream.abort(new Error('done'))
      }
    }
    assert.ok(!login.status().network?.supernodes.some(s => s.id === raw?.peerId.toString()), 'a forged report registers no supernode')
  })

  it('answers a well-formed presence lookup on the same connection after all that', async () => {
    const stream = await open(sn, PRESENCE_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: MAX_PRESENCE_ANSWER_BYTES })
    try {
      await lp.write(PresenceLookup.encode({ user: login.peerId.toMultihash().bytes as Uint8Array<ArrayBuffer> }))
      const answer = decode.presenceAnswer((await lp.read({ signal: AbortSignal.timeout(TIMEOUT_MS + 500) })).subarray())
      assert.equal(answer.found, false)
    } finally {
      if (stream.status === 'open') stream.abort(new Error('done'))
    }
    assert.equal(raw?.getConnections().length, 2, 'bad streams never cost the raw node its connections')
  })

  it('keeps serving others: a normal peer still logs in and attaches', async () => {
    const dir = await makeTempDir('stampede-bad-peer-')
    dirs.push(dir)
    const peer = await createOverlayNode({
      name: 'laptop', role: 'peer', dataDir: dir, timing: FAST_TIMING, eventLog: false, seed: 3, profile: LAPTOP,
      loginServer: { id: login.peerId.toString(), addrs: login.status().addrs }
    })
    extra.push(peer)
    await waitFor('the laptop to attach to the supernode', () => peer.status().loggedIn && peer.status().supernode === sn.peerId.toString(), 10_000)
    assert.equal(sn.role, 'supernode')
    assert.ok(sn.status().load >= 1)
  })
})
