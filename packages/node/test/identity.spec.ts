import assert from 'node:assert/strict'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DataDirError, ListenError, createOverlayNode, loadOrCreateIdentity } from '../src/index.js'
import { FAST_TIMING, makeTempDir, rejection, removeTempDir } from './helpers.js'
import type { OverlayNode } from '../src/index.js'
import type { AddressInfo, Server } from 'node:net'

describe('node identity', () => {
  let dir: string
  before(async () => { dir = await makeTempDir() })
  after(async () => { await removeTempDir(dir) })

  it('creates a key once and returns the same key afterwards', async () => {
    const sub = join(dir, 'stable')
    await mkdir(sub)
    const first = await loadOrCreateIdentity(sub)
    const stored = await readFile(join(sub, 'identity.key'))
    const second = await loadOrCreateIdentity(sub)
    assert.equal(first.type, 'Ed25519')
    assert.ok(peerIdFromPrivateKey(first).equals(peerIdFromPrivateKey(second)))
    assert.ok(first.equals(second))
    assert.deepEqual(await readFile(join(sub, 'identity.key')), stored, 'the key file is not rewritten')
    assert.equal((await stat(join(sub, 'identity.key'))).mode & 0o077, 0, 'the key file is private to its owner')
  })

  it('gives different directories different identities', async () => {
    const a = await makeTempDir()
    const b = await makeTempDir()
    try {
      const ka = await loadOrCreateIdentity(a)
      const kb = await loadOrCreateIdentity(b)
      assert.ok(!peerIdFromPrivateKey(ka).equals(peerIdFromPrivateKey(kb)))
    } finally {
      await removeTempDir(a)
      await removeTempDir(b)
    }
  })

  it('refuses a corrupt identity file with DataDirError instead of replacing it', async () => {
    const sub = await makeTempDir()
    try {
      const garbage = Buffer.from('this is not a protobuf private key')
      await writeFile(join(sub, 'identity.key'), garbage)
      const err = await rejection(loadOrCreateIdentity(sub))
      assert.equal(err.name, 'DataDirError', `${err.name}: ${err.message}`)
      assert.ok(err instanceof DataDirError)
      assert.match(err.message, /not a valid private key/)
      assert.deepEqual(await readFile(join(sub, 'identity.key')), garbage, 'the corrupt file is left for a human to look at')
    } finally {
      await removeTempDir(sub)
    }
  })

  it('reports a data directory that does not exist with DataDirError', async () => {
    const err = await rejection(loadOrCreateIdentity(join(dir, 'no', 'such', 'dir')))
    assert.equal(err.name, 'DataDirError')
  })
})

describe('createOverlayNode start-up errors', () => {
  let dir: string
  let blocker: Server | undefined
  const nodes: OverlayNode[] = []
  before(async () => { dir = await makeTempDir() })
  after(async () => {
    for (const n of nodes) await n.stop()
    if (blocker != null) await new Promise<void>(resolve => blocker?.close(() => { resolve() }))
    await removeTempDir(dir)
  })

  it('rejects a missing data directory with DataDirError', async () => {
    const p = createOverlayNode({ name: 'nodir', role: 'login', dataDir: join(dir, 'missing'), timing: FAST_TIMING, eventLog: false })
    const err = await rejection(p.then(n => { nodes.push(n); return n }))
    assert.equal(err.name, 'DataDirError', `${err.name}: ${err.message}`)
    assert.ok(err instanceof DataDirError)
  })

  it('rejects a data directory that is a file with DataDirError', async () => {
    const file = join(dir, 'a-file')
    await writeFile(file, 'x')
    const p = createOverlayNode({ name: 'filedir', role: 'login', dataDir: file, timing: FAST_TIMING, eventLog: false })
    const err = await rejection(p.then(n => { nodes.push(n); return n }))
    assert.equal(err.name, 'DataDirError', `${err.name}: ${err.message}`)
  })

  it('rejects listening on a port already in use with ListenError', async () => {
    const server = blocker = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => { resolve() })
    })
    const port = (server.address() as AddressInfo).port
    const p = createOverlayNode({
      name: 'busy-port', role: 'login', dataDir: dir, timing: FAST_TIMING, eventLog: false, listen: [`/ip4/127.0.0.1/tcp/${port}`]
    })
    const err = await rejection(p.then(n => { nodes.push(n); return n }))
    assert.equal(err.name, 'ListenError', `${err.name}: ${err.message}`)
    assert.ok(err instanceof ListenError)
    assert.match(err.message, new RegExp(String(port)))

    // the same data directory works on a free port: nothing was left half-started
    const ok = await createOverlayNode({ name: 'free-port', role: 'login', dataDir: dir, timing: FAST_TIMING, eventLog: false })
    nodes.push(ok)
    assert.equal(ok.role, 'login')
    assert.ok(ok.status().addrs.length > 0)
  })
})
