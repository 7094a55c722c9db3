import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createOverlayNode } from '../src/index.js'
import { FAST_TIMING, makeTempDir, removeTempDir, waitFor } from './helpers.js'
import { createPolicy, manualClock } from '@stampede/allocation'
import type { OverlayNode } from '../src/index.js'
import type { ResourceProfile } from '@stampede/allocation'

const DESKTOP: ResourceProfile = { name: 'desktop', reachable: true, capacity: 3, bandwidthKbps: 1000 }
const LAPTOP: ResourceProfile = { name: 'laptop', reachable: false, capacity: 0, bandwidthKbps: 200 }
/** the size of the default (adaptive) policy's retry budget */
const MAX_TOKENS = createPolicy({ family: 'adaptive' }, manualClock(0)).retry.budget?.maxTokens ?? Number.NaN

describe('retry budget (adaptive policy)', () => {
  const dirs: string[] = []
  const nodes: OverlayNode[] = []
  after(async () => {
    for (const n of nodes.reverse()) await n.stop().catch(() => {})
    for (const d of dirs) await removeTempDir(d)
  })
  const dir = async (name: string): Promise<string> => {
    const d = await makeTempDir(`stampede-budget-${name}-`)
    dirs.push(d)
    return d
  }
  const startLogin = async (dataDir: string, port = 0): Promise<OverlayNode> => {
    const n = await createOverlayNode({
      name: 'login', role: 'login', dataDir, eventLog: false, timing: FAST_TIMING, seed: 3,
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
      promotion: { clientsPerSupernode: 3, eligibility: { minUptimeMs: 0 } }
    })
    nodes.push(n)
    return n
  }

  it('refills while the client heartbeats, so failovers in a long session do not leave it throttled', async () => {
    // the login server's identity and port, then down: the laptop's first log-ins fail
    const loginDir = await dir('login')
    let login = await startLogin(loginDir)
    const loginServer = { id: login.peerId.toString(), addrs: login.status().addrs }
    const port = Number(/\/tcp\/(\d+)/.exec(loginServer.addrs[0] ?? '')?.[1])
    await login.stop()

    const laptop = await createOverlayNode({
      name: 'laptop', role: 'peer', dataDir: await dir('laptop'), eventLog: false, profile: LAPTOP,
      loginServer, timing: FAST_TIMING, seed: 11
    })
    nodes.push(laptop)
    assert.equal(laptop.status().retryBudget, MAX_TOKENS, 'a fresh client has its whole budget')
    await waitFor('two failed log-ins', () => (laptop.status().retryBudget ?? MAX_TOKENS) <= MAX_TOKENS - 2, 5_000)

    // the login server back on the same port with the same identity, and a desktop to serve
    login = await startLogin(loginDir, port)
    const desktop = await createOverlayNode({
      name: 'desktop', role: 'peer', dataDir: await dir('desktop'), eventLog: false, profile: DESKTOP,
      loginServer, timing: FAST_TIMING, seed: 12
    })
    nodes.push(desktop)
    await waitFor('the laptop attached to the desktop', () => laptop.status().loggedIn && laptop.status().supernode === desktop.peerId.toString(), 15_000)
    // a log-in returns a tenth of a token; only the heartbeats (every 200 ms) make up the rest
    await waitFor('the laptop\'s budget to refill', () => laptop.status().retryBudget === MAX_TOKENS, 10_000)
      .catch((err: Error) => { throw new Error(`${err.message}: ${laptop.status().retryBudget} tokens left`) })
    assert.equal(login.status().retryBudget, null, 'the login server has no budget')
  })
})
