import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { NodeConfigError, isLoopback, startControlEndpoint } from '../src/index.js'
import { rejection } from './helpers.js'
import type { ControlEndpoint } from '../src/index.js'

const TOKEN = 'correct-horse-battery-staple'

describe('isLoopback', () => {
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['127.example.com', false],
    ['example.com', false],
    ['', false]
  ]
  for (const [host, expected] of cases) {
    it(`${JSON.stringify(host)} is ${expected ? '' : 'not '}loopback`, () => {
      assert.equal(isLoopback(host), expected)
    })
  }
})

describe('control endpoint', () => {
  let endpoint: ControlEndpoint
  const calls: string[] = []
  let statusCalls = 0

  before(async () => {
    endpoint = await startControlEndpoint({
      token: TOKEN,
      status: () => { statusCalls++; return { name: 'n1', role: 'client', loggedIn: true } },
      metrics: async () => 'stampede_logged_in{node="n1"} 1\n',
      actions: {
        promote: async () => { calls.push('promote'); return { role: 'supernode' } },
        stop: async () => { calls.push('stop'); return undefined },
        fail: async () => { throw new NodeConfigError('cannot do that now') }
      }
    })
  })
  after(async () => { await endpoint.close() })

  async function request (path: string, opts: { method?: string, token?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = {}
    const token = opts.token === undefined ? TOKEN : opts.token
    if (token != null) headers.authorization = `Bearer ${token}`
    return fetch(`${endpoint.url}${path}`, { method: opts.method ?? 'GET', headers })
  }

  it('listens on loopback and reports its port and url', () => {
    assert.ok(endpoint.port > 0)
    assert.equal(endpoint.url, `http://127.0.0.1:${endpoint.port}`)
  })

  it('answers 401 without a token or with a wrong one, and runs nothing', async () => {
    const before = statusCalls
    for (const token of [null, 'wrong-token-of-some-length', TOKEN.slice(0, -1), TOKEN + 'x', '']) {
      const res = await request('/status', { token })
      assert.equal(res.status, 401, `token ${String(token)}`)
      assert.equal(res.headers.get('www-authenticate'), 'Bearer')
      assert.deepEqual(await res.json(), { error: 'unauthorized' })
    }
    const basic = await fetch(`${endpoint.url}/status`, { headers: { authorization: `Basic ${TOKEN}` } })
    assert.equal(basic.status, 401)
    await basic.body?.cancel()
    const admin = await request('/admin/promote', { method: 'POST', token: 'nope' })
    assert.equal(admin.status, 401)
    await admin.body?.cancel()
    assert.equal(statusCalls, before)
    assert.deepEqual(calls, [])
  })

  it('serves GET /status as JSON with the token', async () => {
    const res = await request('/status')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await res.json(), { name: 'n1', role: 'client', loggedIn: true })
  })

  it('adds the event-loop lag with ?eventLoop=1 (zeros until a window is complete) and leaves it out with ?eventLoop=off', async () => {
    const on = await (await request('/status?eventLoop=1')).json() as { name: string, eventLoop?: Record<string, number> }
    assert.equal(on.name, 'n1')
    assert.deepEqual(on.eventLoop, { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }, 'the first request starts the monitor')
    const off = await (await request('/status?eventLoop=off')).json() as { name: string, eventLoop?: unknown }
    assert.equal(off.name, 'n1')
    assert.equal(off.eventLoop, undefined)
  })

  it('serves GET /metrics as Prometheus text', async () => {
    const res = await request('/metrics?x=1')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
    assert.equal(await res.text(), 'stampede_logged_in{node="n1"} 1\n')
  })

  it('answers 404 for an unknown path or action', async () => {
    for (const path of ['/', '/nope', '/admin/unknown', '/admin/', '/status/extra']) {
      const res = await request(path, { method: path.startsWith('/admin') ? 'POST' : 'GET' })
      assert.equal(res.status, 404, path)
      await res.body?.cancel()
    }
  })

  it('answers 405 for the wrong method', async () => {
    for (const [path, method] of [['/status', 'POST'], ['/metrics', 'DELETE'], ['/admin/promote', 'GET']] as const) {
      const res = await request(path, { method })
      assert.equal(res.status, 405, `${method} ${path}`)
      await res.body?.cancel()
    }
    assert.deepEqual(calls, [], 'GET on an admin action does not run it')
  })

  it('runs an admin action on POST and returns its result', async () => {
    const res = await request('/admin/promote', { method: 'POST' })
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { role: 'supernode' })
    const stop = await request('/admin/stop', { method: 'POST' })
    assert.equal(stop.status, 200)
    assert.deepEqual(await stop.json(), { ok: true })
    assert.deepEqual(calls, ['promote', 'stop'])
  })

  it('answers 409 with the error name when an action fails', async () => {
    const res = await request('/admin/fail', { method: 'POST' })
    assert.equal(res.status, 409)
    assert.deepEqual(await res.json(), { error: 'cannot do that now', name: 'NodeConfigError' })
  })
})

describe('control endpoint configuration', () => {
  const base = { token: TOKEN, status: () => ({}), metrics: async () => '', actions: {} }

  for (const host of ['0.0.0.0', '192.168.0.1', '::', 'example.com']) {
    it(`refuses to listen on ${host}`, async () => {
      const err = await rejection(startControlEndpoint({ ...base, host }).then(async e => { await e.close(); return e }))
      assert.equal(err.name, 'NodeConfigError', `${err.name}: ${err.message}`)
      assert.ok(err instanceof NodeConfigError)
    })
  }

  it('closes a connection that stays silent for idleTimeoutMs', async () => {
    const e = await startControlEndpoint({ ...base, idleTimeoutMs: 150 })
    try {
      const socket = connect(e.port, '127.0.0.1')
      const closed = new Promise<void>(resolve => { socket.once('close', () => { resolve() }) })
      socket.on('error', () => {})
      await new Promise<void>(resolve => { socket.once('connect', () => { resolve() }) })
      // half a request, then nothing
      socket.write('GET /status HTTP/1.1\r\n')
      const t0 = performance.now()
      await closed
      assert.ok(performance.now() - t0 < 2_000, 'closed by the endpoint, not by the test timing out')
    } finally {
      await e.close()
    }
  })

  it('close() ends connections kept alive and open ones', async () => {
    const e = await startControlEndpoint({ ...base, idleTimeoutMs: 60_000 })
    const socket = connect(e.port, '127.0.0.1')
    const closed = new Promise<void>(resolve => { socket.once('close', () => { resolve() }) })
    socket.on('error', () => {})
    let answer = ''
    socket.on('data', (d: Buffer) => { answer += d.toString() })
    await new Promise<void>(resolve => { socket.once('connect', () => { resolve() }) })
    socket.write(`GET /status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: keep-alive\r\n\r\n`)
    // the whole answer: its body is chunked, and ends with an empty chunk
    while (!answer.endsWith('\r\n0\r\n\r\n')) await new Promise(resolve => setTimeout(resolve, 10))
    assert.match(answer, /^HTTP\/1.1 200/)
    // the connection is idle and kept alive: close() must not wait for it
    await e.close()
    await closed
  })

  it('refuses an idle timeout that is not positive', async () => {
    const err = await rejection(startControlEndpoint({ ...base, idleTimeoutMs: 0 }).then(async e => { await e.close(); return e }))
    assert.equal(err.name, 'NodeConfigError')
  })

  it('refuses a short token', async () => {
    const err = await rejection(startControlEndpoint({ ...base, token: 'short' }).then(async e => { await e.close(); return e }))
    assert.equal(err.name, 'NodeConfigError')
  })

  it('listens on ::1 when asked', async (t) => {
    let e: ControlEndpoint
    try {
      e = await startControlEndpoint({ ...base, host: '::1' })
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') { t.skip('no IPv6 loopback here'); return }
      throw err
    }
    try {
      assert.equal(e.url, `http://[::1]:${e.port}`)
      const res = await fetch(`${e.url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), {})
    } finally {
      await e.close()
    }
  })
})
