import { timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { createServer as createTcpServer, isIP } from 'node:net'
import type { Socket } from 'node:net'
import { DEFAULT_CONTROL_MAX_CONNECTIONS, DEFAULT_CONTROL_REQUEST_TIMEOUT_MS } from './constants.js'
import { NodeConfigError } from './errors.js'
import { eventLoopLag, stopEventLoopLag } from './metrics.js'
import type * as Http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

let http: typeof Http | undefined

/**
 * Node's HTTP module, loaded when the first request comes (most nodes of a testnet are
 * asked nothing over HTTP: the launcher asks over IPC). Loading it cost 2.6 ms of CPU at
 * every node start (median of 3 starts of `node -e` after the modules a node loads anyway).
 * Required, not imported: an ES import of node:http builds its ES module facade, which
 * reads every export, and its lazy getters load undici (fetch, WebSocket): ~35 ms of CPU.
 */
function loadHttp (): typeof Http {
  http ??= createRequire(import.meta.url)('node:http') as typeof Http
  return http
}

const MAX_BODY_BYTES = 16 * 1024

export interface ControlEndpointInit {
  /** must be a loopback address; @default '127.0.0.1' */
  host?: string
  /** @default 0 (any free port) */
  port?: number
  /** the bearer token every request must carry */
  token: string
  /** a connection silent this long (no byte either way) is closed; @default DEFAULT_CONTROL_REQUEST_TIMEOUT_MS */
  idleTimeoutMs?: number
  status(): unknown
  metrics(): Promise<string>
  /** admin actions; each resolves to a JSON-able result */
  actions: Record<string, (body: unknown) => Promise<unknown>>
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
 * the testnet's bearer token. `GET /status` (JSON; `?eventLoop=1` adds the process's
 * event-loop delay, see eventLoopLag; `?eventLoop=off` switches its monitor off),
 * `GET /metrics` (Prometheus text), `POST /admin/<action>`.
 */
export async function startControlEndpoint (init: ControlEndpointInit): Promise<ControlEndpoint> {
  const host = init.host ?? '127.0.0.1'
  if (!isLoopback(host)) throw new NodeConfigError(`control endpoint must listen on loopback, not ${host}`)
  if (init.token.length < 16) throw new NodeConfigError('control token must be at least 16 characters')
  const token = Buffer.from(init.token)
  const idleTimeoutMs = init.idleTimeoutMs ?? DEFAULT_CONTROL_REQUEST_TIMEOUT_MS
  if (!(idleTimeoutMs > 0)) throw new NodeConfigError(`idleTimeoutMs must be positive, got ${idleTimeoutMs}`)
  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    let size = 0
    const chunks: Buffer[] = []
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_BODY_BYTES) throw new NodeConfigError('request body too large')
      chunks.push(chunk as Buffer)
    }
    if (size === 0) return {}
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      throw new NodeConfigError('request body is not JSON')
    }
  }
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!authorized(req, token)) {
      req.resume()
      res.setHeader('www-authenticate', 'Bearer')
      send(res, 401, { error: 'unauthorized' })
      return
    }
    const url = new URL(req.url ?? '/', 'http://control')
    const path = url.pathname
    if (path === '/status' || path === '/metrics') {
      req.resume()
      if (req.method !== 'GET') { send(res, 405, { error: 'use GET' }); return }
      if (path === '/status') {
        // ?eventLoop=1 adds the process's event-loop delay (the first such request starts its
        // monitor); ?eventLoop=off switches the monitor off, which wakes the process 50 times a second
        const status = init.status()
        const lag = url.searchParams.get('eventLoop')
        if (lag === 'off') stopEventLoopLag()
        send(res, 200, lag === '1' && typeof status === 'object' && status != null ? { ...status, eventLoop: eventLoopLag() } : status)
        return
      }
      init.metrics().then(text => { send(res, 200, text, 'text/plain; version=0.0.4') }, (err: Error) => { send(res, 500, { error: err.message }) })
      return
    }
    const m = /^\/admin\/([a-z-]+)$/.exec(path)
    const action = m?.[1] != null ? init.actions[m[1]] : undefined
    if (action == null) { req.resume(); send(res, 404, { error: 'not found' }); return }
    if (req.method !== 'POST') { req.resume(); send(res, 405, { error: 'use POST' }); return }
    readJson(req).then(async body => action(body)).then(result => { send(res, 200, result ?? { ok: true }) }, (err: Error) => { send(res, 409, { error: err.message, name: err.name }) })
  }
  // A TCP server listens and hands each connection to an HTTP server made at the first
  // one (Node documents emitting 'connection' to inject connections into an HTTP server).
  // That HTTP server never listens itself, and its request and header timeouts are checked
  // by a timer it starts when it does: a connection is closed instead after `idleTimeoutMs`
  // without a byte either way (its `timeout`), and keep-alive connections after their own
  // idle timeout, as before.
  let httpServer: Http.Server | undefined
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
    if (httpServer == null) {
      httpServer = loadHttp().createServer(handle)
      httpServer.timeout = idleTimeoutMs
    }
    httpServer.emit('connection', socket)
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
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
