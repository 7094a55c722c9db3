import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { REPORT_PROTOCOL } from '@stampede/wire'
import { createOverlayNode, issueToken, loadOrCreateIdentity } from '../src/index.js'
import { FAST_TIMING, TempDirs, metricValue, waitFor } from './helpers.js'
import type { OverlayNode } from '../src/index.js'
import type { Stream } from '@libp2p/interface'

const DESKTOP = { name: 'desktop', reachable: true, capacity: 4, bandwidthKbps: 1000 }

/**
 * A supernode's load reports travel on one stream to the login server, kept open for its
 * whole term: a report and its ack every interval, not a stream each.
 */
describe('overlay: supernode reports on one kept stream', () => {
  const dirs = new TempDirs('stampede-report-')
  const nodes: OverlayNode[] = []

  after(async () => {
    for (const n of nodes) await n.stop().catch(() => {})
    await dirs.removeAll()
  })

  async function startLogin (dataDir: string, listen?: string[]): Promise<OverlayNode> {
    const login = await createOverlayNode({ name: 'login', role: 'login', dataDir, timing: FAST_TIMING, seed: 3, ...(listen != null ? { listen } : {}) })
    nodes.push(login)
    return login
  }

  /** The operator's supernode: promoted by its token at start, so it reports at once. */
  async function startSupernode (login: OverlayNode, loginDir: string): Promise<OverlayNode> {
    const dir = await dirs.make()
    const loginKey = await loadOrCreateIdentity(loginDir)
    const key = await loadOrCreateIdentity(dir)
    const token = await issueToken(loginKey, { peer: peerIdFromPrivateKey(key), user: 'sn', issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: 3_600_000 })
    const sn = await createOverlayNode({
      name: 'sn',
      role: 'peer',
      dataDir: dir,
      profile: DESKTOP,
      loginServer: { id: login.peerId.toString(), addrs: login.status().addrs },
      timing: FAST_TIMING,
      seed: 5,
      operatorToken: Buffer.from(token).toString('base64')
    })
    nodes.push(sn)
    return sn
  }

  function reportStreams (sn: OverlayNode, login: OverlayNode): Stream[] {
    return sn.libp2p.getConnections(login.peerId).flatMap(c => c.streams).filter(s => s.protocol === REPORT_PROTOCOL)
  }

  const okReports = async (sn: OverlayNode): Promise<number> => metricValue(sn.metrics, 'stampede_reports_total', { result: 'ok' })

  it('reports every interval over the same stream', async () => {
    const loginDir = await dirs.make()
    const login = await startLogin(loginDir)
    const sn = await startSupernode(login, loginDir)
    await waitFor('a first report', async () => (await okReports(sn)) >= 1, 10_000)
    const first = reportStreams(sn, login)
    assert.equal(first.length, 1, 'one report stream')
    const before = await okReports(sn)
    // five more intervals
    await waitFor('five more reports', async () => (await okReports(sn)) >= before + 5, 10_000)
    const later = reportStreams(sn, login)
    assert.equal(later.length, 1)
    assert.equal(later[0]?.id, first[0]?.id, 'still the stream of the first report')
    assert.equal(await metricValue(sn.metrics, 'stampede_reports_total', { result: 'failed' }), 0)
    assert.equal(login.status().network?.supernodes.length, 1)
  })

  it('after the login server restarts, reports resume on a new stream', async () => {
    const loginDir = await dirs.make()
    let login = await startLogin(loginDir)
    const sn = await startSupernode(login, loginDir)
    await waitFor('a first report', async () => (await okReports(sn)) >= 2, 10_000)
    const listen = login.status().addrs.map(a => a.replace(/\/p2p\/.*$/, ''))
    await login.stop()
    // the same identity on the same port: the supernode's token stays valid
    login = await startLogin(loginDir, listen)
    const before = await okReports(sn)
    await waitFor('reports to the new login server', async () => (await okReports(sn)) >= before + 3, 10_000)
    await waitFor('the new login server to know the supernode', () => login.status().network?.supernodes.length === 1, 5_000)
    assert.equal(reportStreams(sn, login).length, 1)
  })
})
