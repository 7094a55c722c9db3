import assert from 'node:assert/strict'
import { after, afterEach, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { LOGIN_PROTOCOL, LoginResponse, MAX_LOGIN_REQUEST_BYTES, RefusalReason } from '@stampede/wire'
import { createLibp2p } from 'libp2p'
import { createOverlayNode } from '../src/index.js'
import { makeTempDir, removeTempDir, waitFor } from './helpers.js'
import type { OverlayEvent, OverlayNode, TimingOptions } from '../src/index.js'
import type { Libp2p } from '@libp2p/interface'

const REQUEST_TIMEOUT_MS = 1_000
/** The login server answers every request this long after it arrived: after the client's request timeout. */
const ANSWER_AFTER_MS = 1_600

const TIMING: Partial<TimingOptions> = {
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 700,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  retryBaseMs: 50,
  retryMaxMs: 200
}

/**
 * A login server slower than the request timeout, as one is when the machine is out of
 * CPU: a client that gives every request the same time never hears an answer; one that
 * gives a request twice as long after a timeout (adaptive) does.
 */
describe('a client facing a server slower than its request timeout', () => {
  const dirs: string[] = []
  const nodes: OverlayNode[] = []
  const raws: Libp2p[] = []

  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop().catch(() => {})
    for (const r of raws.splice(0)) await Promise.resolve(r.stop()).catch(() => {})
  })

  after(async () => {
    for (const d of dirs) await removeTempDir(d)
  })

  /** A bare libp2p login server that refuses every log-in (come back in a minute), late. */
  async function slowLoginServer (): Promise<{ raw: Libp2p, requests: () => number }> {
    const raw = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false }
    })
    raws.push(raw)
    let requests = 0
    await raw.handle(LOGIN_PROTOCOL, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: MAX_LOGIN_REQUEST_BYTES })
      try {
        await lp.read({ signal: AbortSignal.timeout(5_000) })
        requests++
        await new Promise(resolve => setTimeout(resolve, ANSWER_AFTER_MS))
        await lp.write(LoginResponse.encode({
          refusal: { reason: RefusalReason.RATE_LIMITED, retryAfterMs: 60_000, alternatives: [], detail: 'slow' },
          token: new Uint8Array(),
          referrals: [],
          promote: false
        }))
        await stream.close()
      } catch (err: unknown) {
        // the client gave up on this request first
        stream.abort(err as Error)
      }
    })
    return { raw, requests: () => requests }
  }

  async function client (raw: Libp2p, family: 'adaptive' | 'legacy', events: OverlayEvent[]): Promise<OverlayNode> {
    const dataDir = await makeTempDir(`stampede-slow-${family}-`)
    dirs.push(dataDir)
    const node = await createOverlayNode({
      name: `client-${family}`,
      role: 'peer',
      dataDir,
      seed: 5,
      eventLog: false,
      timing: TIMING,
      policy: { family },
      profile: { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 },
      loginServer: { id: raw.peerId.toString(), addrs: raw.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, '')) },
      onEvent: (e) => { events.push(e) }
    })
    nodes.push(node)
    return node
  }

  it('adaptive: after a timeout the next log-in is given twice as long, and the late answer is heard', async () => {
    const { raw } = await slowLoginServer()
    const events: OverlayEvent[] = []
    await client(raw, 'adaptive', events)
    await waitFor('a refusal heard', () => events.some(e => e.type === 'login-refused'), 10_000)
    const types = events.map(e => e.type).filter(t => t === 'login-failed' || t === 'login-refused')
    assert.equal(types[0], 'login-failed', 'the first request timed out')
    assert.ok(types.includes('login-refused'))
  })

  it('legacy: every log-in gets the same timeout and no answer is ever heard', async () => {
    const { raw, requests } = await slowLoginServer()
    const events: OverlayEvent[] = []
    await client(raw, 'legacy', events)
    await waitFor('three requests made', () => requests() >= 3, 15_000)
    await new Promise(resolve => setTimeout(resolve, ANSWER_AFTER_MS))
    assert.ok(events.filter(e => e.type === 'login-failed').length >= 3)
    assert.equal(events.some(e => e.type === 'login-refused'), false, 'legacy heard an answer')
  })
})
