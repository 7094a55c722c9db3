import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

export const CLI = fileURLToPath(new URL('../../src/bin/stampede.js', import.meta.url))
export const SMALL_CONFIG = fileURLToPath(new URL('../../../../../testnet/small.yaml', import.meta.url))

export interface CliResult { code: number | null, stdout: string, stderr: string }

/** Run the stampede CLI to completion. */
export async function cli (args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`stampede ${args.join(' ')} timed out\n${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Start the CLI in the background (foreground `up`), returning the child. */
export function cliBackground (args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  return Object.assign(child, { output: () => out })
}

export interface JsonNode { name: string, pid: number | null, role: string, alive: boolean, paused: boolean, loggedIn: boolean, supernode: string | null, load: number, capacity: number }
export interface JsonStatus { name: string, loginServer: { pid: number | null, alive: boolean }, nodes: JsonNode[], summary: { total: number, alive: number, loggedIn: number, supernodes: number } }

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll until `fn` returns a value that is not undefined; fail with the last observation. */
export async function eventually<T> (what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (true) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err: unknown) {
      last = err
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last != null ? `: ${String(last)}` : ''}`)
    await sleep(intervalMs)
  }
}

/** A state directory of its own for one test file, and every testnet started in it torn down. */
export class Sandbox {
  stateDir = ''
  private readonly names = new Set<string>()
  private readonly pids = new Set<number>()

  async setup (): Promise<void> {
    this.stateDir = await mkdtemp(join(tmpdir(), 'stampede-it-'))
  }

  track (name: string): string {
    this.names.add(name)
    return name
  }

  /** Remember node pids so teardown can make sure none survived. */
  remember (status: JsonStatus): void {
    for (const n of status.nodes) if (n.pid != null) this.pids.add(n.pid)
    if (status.loginServer.pid != null) this.pids.add(status.loginServer.pid)
  }

  async status (name: string): Promise<JsonStatus> {
    const r = await cli(['status', '--json', '--name', name, '--state-dir', this.stateDir], 30_000)
    if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.stderr}`)
    const s = JSON.parse(r.stdout) as JsonStatus
    this.remember(s)
    return s
  }

  async teardown (): Promise<void> {
    for (const name of this.names) {
      await cli(['down', '--name', name, '--state-dir', this.stateDir], 60_000).catch(() => {})
    }
    for (const pid of this.pids) {
      if (isAlive(pid)) {
        try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
      }
    }
    await rm(this.stateDir, { recursive: true, force: true })
  }
}

/** Every live peer logged in, every client attached to a live supernode. */
export function healthy (s: JsonStatus, expectedAlive: number): boolean {
  if (s.summary.alive !== expectedAlive || s.summary.loggedIn !== expectedAlive) return false
  const supernodes = new Set(s.nodes.filter(n => n.alive && n.role === 'supernode').map(n => n.name))
  return s.nodes.filter(n => n.alive && n.role === 'client').every(n => n.supernode != null && supernodes.has(n.supernode))
}
