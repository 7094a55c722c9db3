import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { OverlayMetrics, TimingOptions } from '../src/index.js'

/** Compressed protocol timing so a multi-node test runs in seconds. */
export const FAST_TIMING: TimingOptions = {
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 700,
  reportIntervalMs: 200,
  supernodeExpiryMs: 700,
  requestTimeoutMs: 1000,
  retryBaseMs: 50,
  retryMaxMs: 500,
  presenceDelayMs: 100
}

/** A fresh directory under the system temp dir; remove it with `removeTempDir`. */
export async function makeTempDir (prefix = 'stampede-node-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

export async function removeTempDir (dir: string | undefined): Promise<void> {
  if (dir == null) return
  await rm(dir, { recursive: true, force: true })
}

/** Temp directories made for one suite, removed together in its `after`. */
export class TempDirs {
  private readonly dirs: string[] = []
  constructor (private readonly prefix: string) {}

  async make (): Promise<string> {
    const dir = await makeTempDir(this.prefix)
    this.dirs.push(dir)
    return dir
  }

  async removeAll (): Promise<void> {
    for (const d of this.dirs.splice(0)) await removeTempDir(d)
  }
}

/**
 * Poll `check` until it returns a value other than `undefined`/`false`, or fail after
 * `timeoutMs` with `what` and the last error or value seen.
 */
export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (true) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
      last = value
    } catch (err: unknown) {
      last = err
    }
    if (Date.now() >= until) {
      const detail = last instanceof Error ? `${last.name}: ${last.message}` : JSON.stringify(last)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`)
    }
    await sleep(intervalMs)
  }
}

/** The error a promise rejects with; fails if it resolves. */
export async function rejection (p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err: unknown) {
    if (err instanceof Error) return err
    throw new Error(`rejected with a non-Error: ${String(err)}`)
  }
  throw new Error('expected a rejection, but the promise resolved')
}

/**
 * The sum of a metric's values over the series whose labels include `labels`, read
 * through the node's own registry.
 */
export async function metricValue (metrics: OverlayMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name)
  if (metric == null) throw new Error(`no metric named ${name}`)
  const { values } = await metric.get()
  let sum = 0
  for (const v of values) {
    const have = v.labels as Record<string, string | number | undefined>
    if (Object.entries(labels).every(([k, x]) => String(have[k]) === x)) sum += v.value
  }
  return sum
}

/**
 * FileHandle.prototype (node:fs/promises does not export the class), so a test can count
 * the `sync()` calls a write makes; opens and closes a probe file in `dir`.
 */
export async function fileHandlePrototype (dir: string): Promise<{ sync(): Promise<void> }> {
  const fh = await open(join(dir, '.file-handle-probe'), 'w')
  await fh.close()
  return Object.getPrototypeOf(fh) as { sync(): Promise<void> }
}
