import { timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { isIP } from 'node:net'
import { DEFAULT_CONTROL_MAX_CONNECTIONS, DEFAULT_CONTROL_REQUEST_TIMEOUT_MS } from './constants.js'
import { NodeConfigError } from './errors.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface ControlEndpointInit {
  /** must be a loopback address; @default '127.0.0.1' */
  host?: string
  /** @default 0 (any free port) */
  port?: number
  /** the bearer token every request must carry */
  token: string
  status(): unknown
  metrics(): Promise<string>
  /** admin actions; each resolves to a JSON-able result */
  actions: Record<string, () => Promise<unknown>>
}

export interface ControlEndpoint {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

export function isLoopback (host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

function authorized (req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization ?? ''
  const m = /^Bearer (.+)$/.exec(header)
  if (m?.[1] == null) return false
  const given = Buffer.from(m[1])
  return given.length === token.length && timingSafeEqual(given, token)
}

function send (res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) + '\n' : String(body)
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(text)
}

/**
 * The node's control endpoint: HTTP on loopback only, every request authenticated with
 * the testnet's bearer token. `GET /status` (JSON), `GET /metrics` (Prometheus text),
 * `POST /admin/<action>`.
 */
export async function startControlEndpoint (init: ControlEndpointInit): Promise<ControlEndpoint> {
  const host = init.host ?? '127.0.0.1'
  if (!isLoopback(host)) throw new NodeConfigError(`control endpoint must listen on loopback, not ${host}`)
  if (init.token.length < 16) throw new NodeConfigError('control token must be at least 16 characters')
  const token = Buffer.from(init.token)
  const server = createServer({ requestTimeout: DEFAULT_CONTROL_REQUEST_TIMEOUT_MS, headersTimeout: DEFAULT_CONTROL_REQUEST_TIMEOUT_MS }, (req, res) => {
    req.resume()
    if (!authorized(req, token)) {
      res.setHeader('www-authenticate', 'Bearer')
      send(res, 401, { error: 'unauthorized' })
      return
    }
    const path = new URL(req.url ?? '/', 'http://control').pathname
    if (path === '/status' || path === '/metrics') {
      if (req.method !== 'GET') { send(res, 405, { error: 'use GET' }); return }
      if (path === '/status') { send(res, 200, init.status()); return }
      init.metrics().then(text => { send(res, 200, text, 'text/plain; version=0.0.4') }, (err: Error) => { send(res, 500, { error: err.message }) })
      return
    }
    const m = /^\/admin\/([a-z-]+)$/.exec(path)
    const action = m?.[1] != null ? init.actions[m[1]] : undefined
    if (action == null) { send(res, 404, { error: 'not found' }); return }
    if (req.method !== 'POST') { send(res, 405, { error: 'use POST' }); return }
    action().then(result => { send(res, 200, result ?? { ok: true }) }, (err: Error) => { send(res, 409, { error: err.message, name: err.name }) })
  })
  server.maxConnections = DEFAULT_CONTROL_MAX_CONNECTIONS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? 0, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : 0
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
