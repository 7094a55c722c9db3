import { timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@stampede/node'
import { UsageError } from './errors.js'
import { TestnetError } from './testnet.js'
import type { Selector } from './selector.js'
import type { Testnet } from './testnet.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const SUPERVISOR_FILE = 'supervisor.json'
const MAX_BODY_BYTES = 64 * 1024

/** How another process finds the process that owns a running testnet. */
export interface SupervisorInfo {
  name: string
  pid: number
  port: number
  token: string
  dir: string
  startedAt: string
  /** still bringing the testnet up: nothing is served yet, `down` stops it with SIGTERM */
  starting?: boolean
}

export class NotRunningError extends Error {
  override name = 'NotRunningError'
}

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Read `<dir>/supervisor.json`; NotRunningError when there is none or its process is gone. */
export async function readSupervisor (dir: string, name: string): Promise<SupervisorInfo> {
  let info: SupervisorInfo
  try {
    info = JSON.parse(await readFile(join(dir, SUPERVISOR_FILE), 'utf8')) as SupervisorInfo
  } catch {
    throw new NotRunningError(`no testnet named '${name}' is running (nothing in ${dir})`)
  }
  if (!isAlive(info.pid)) throw new NotRunningError(`testnet '${name}' is not running: its supervisor (pid ${info.pid}) is gone`)
  return info
}

interface ActionBody {
  selector?: Selector
  role?: 'supernode' | 'client'
  signal?: 'KILL' | 'TERM'
  spreadMs?: number
  /** the selector picks worker processes (packed mode) */
  workers?: boolean
}

async function readBody (req: IncomingMessage): Promise<ActionBody> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new UsageError('request body too large')
    chunks.push(chunk as Buffer)
  }
  if (chunks.length === 0) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ActionBody
  } catch {
    throw new UsageError('request body is not JSON')
  }
}

function send (res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body) + '\n')
}

export interface SupervisorServer {
  readonly port: number
  close(): Promise<void>
}

/**
 * Serve a running testnet to other `stampede` commands: HTTP on 127.0.0.1 with the
 * testnet's bearer token, found through `<dir>/supervisor.json`.
 */
export async function serveTestnet (testnet: Testnet, opts: { onDown(): void }): Promise<SupervisorServer> {
  const token = Buffer.from(testnet.token)
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '')
    if (auth.length !== token.length || !timingSafeEqual(auth, token)) {
      send(res, 401, { error: 'unauthorized' })
      return
    }
    const path = new URL(req.url ?? '/', 'http://supervisor').pathname
    if (req.method === 'GET' && path === '/status') {
      send(res, 200, await testnet.status())
      return
    }
    if (req.method !== 'POST') {
      send(res, 404, { error: 'not found' })
      return
    }
    const body = await readBody(req)
    const selector = body.selector ?? { kind: 'all' }
    const role = body.role
    if (body.workers === true) {
      await workerAction(testnet, path, selector, body, res)
      return
    }
    switch (path) {
      case '/kill': {
        const names = await testnet.select(selector, { role, alive: true })
        send(res, 200, { action: 'kill', nodes: await testnet.kill(names, body.signal ?? 'KILL') })
        return
      }
      case '/restart': {
        const names = await testnet.select(selector, { role })
        send(res, 200, { action: 'restart', nodes: await testnet.restart(names, { spreadMs: body.spreadMs ?? 0, signal: body.signal ?? 'KILL' }) })
        return
      }
      case '/start': {
        const names = await testnet.select(selector, { role, alive: false })
        send(res, 200, { action: 'start', nodes: await testnet.start(names) })
        return
      }
      case '/pause': {
        const names = await testnet.select(selector, { role, alive: true, paused: false })
        send(res, 200, { action: 'pause', nodes: testnet.pause(names) })
        return
      }
      case '/resume': {
        const names = await testnet.select(selector, { role, paused: true })
        send(res, 200, { action: 'resume', nodes: testnet.resume(names) })
        return
      }
      case '/down':
        send(res, 200, { action: 'down', stopping: true })
        setImmediate(() => { opts.onDown() })
        return
      default:
        send(res, 404, { error: 'not found' })
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err as Error
      send(res, e.name === 'UsageError' || e.name === 'TestnetError' ? 400 : 500, { error: e.message, name: e.name })
    })
  })
  server.requestTimeout = 0
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : 0
  const info: SupervisorInfo = { name: testnet.name, pid: process.pid, port, token: testnet.token, dir: testnet.dir, startedAt: new Date().toISOString() }
  await writeFileAtomic(join(testnet.dir, SUPERVISOR_FILE), JSON.stringify(info, null, 2))
  return {
    port,
    async close () {
      await rm(join(testnet.dir, SUPERVISOR_FILE), { force: true })
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

/** kill, restart, pause or resume whole worker processes (packed mode). */
async function workerAction (testnet: Testnet, path: string, selector: Selector, body: ActionBody, res: ServerResponse): Promise<void> {
  switch (path) {
    case '/kill': {
      const workers = testnet.selectWorkers(selector, { alive: true })
      send(res, 200, { action: 'kill', workers, nodes: await testnet.killWorkers(workers, body.signal ?? 'KILL') })
      return
    }
    case '/restart': {
      const workers = testnet.selectWorkers(selector)
      send(res, 200, { action: 'restart', workers, nodes: await testnet.restartWorkers(workers, { spreadMs: body.spreadMs ?? 0, signal: body.signal ?? 'KILL' }) })
      return
    }
    case '/pause': {
      const workers = testnet.selectWorkers(selector, { alive: true, paused: false })
      send(res, 200, { action: 'pause', workers, nodes: testnet.pauseWorkers(workers) })
      return
    }
    case '/resume': {
      const workers = testnet.selectWorkers(selector, { paused: true })
      send(res, 200, { action: 'resume', workers, nodes: testnet.resumeWorkers(workers) })
      return
    }
    default:
      send(res, 404, { error: 'not found' })
  }
}

/**
 * Say that a supervisor is bringing a testnet up, before it serves anything, so that
 * `down` (and a second `up`) can find it; `serveTestnet` replaces the file.
 */
export async function announceStarting (dir: string, name: string): Promise<void> {
  const info: SupervisorInfo = { name, pid: process.pid, port: 0, token: '', dir, startedAt: new Date().toISOString(), starting: true }
  await writeFileAtomic(join(dir, SUPERVISOR_FILE), JSON.stringify(info, null, 2))
}

/** Remove what `announceStarting` wrote, if it is still ours. */
export async function withdrawStarting (dir: string): Promise<void> {
  try {
    const info = JSON.parse(await readFile(join(dir, SUPERVISOR_FILE), 'utf8')) as SupervisorInfo
    if (info.pid === process.pid && info.starting === true) await rm(join(dir, SUPERVISOR_FILE), { force: true })
  } catch {
    // no file, or not JSON: nothing of ours to remove
  }
}

/** Call a running testnet's supervisor. */
export async function callSupervisor<T> (info: SupervisorInfo, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 120_000): Promise<T> {
  if (info.starting === true) {
    throw new NotRunningError(`testnet '${info.name}' is still starting (supervisor pid ${info.pid}): wait until \`up\` says it is running, or stop it with: stampede down --name ${info.name}`)
  }
  let res: Response
  try {
    res = await fetch(`http://127.0.0.1:${info.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: body == null ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err: unknown) {
    throw new NotRunningError(`testnet '${info.name}' supervisor (pid ${info.pid}) did not answer: ${(err as Error).message}`)
  }
  const json = await res.json() as T & { error?: string, name?: string }
  if (!res.ok) {
    if (json.name === 'UsageError') throw new UsageError(json.error ?? 'bad request')
    // the testnet's own failures (a node or worker that would not start or stop): no stack trace
    if (json.name === 'TestnetError' || json.name === 'NodeStartError' || json.name === 'WorkerError') throw new TestnetError(json.error ?? 'testnet error')
    throw new Error(json.error ?? `supervisor answered ${res.status}`)
  }
  return json
}
