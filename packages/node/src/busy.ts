import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { EventLoopUtilization } from 'node:perf_hooks'

/** Linux pressure stall information for the CPU (kernel 4.20+ with CONFIG_PSI). */
const CPU_PRESSURE_FILE = '/proc/pressure/cpu'

/** A point to measure a busy share from: see `busySince`. */
export interface BusyMark {
  readonly loop: EventLoopUtilization
  /** microseconds some task on this host has waited for a core, cumulative; undefined without PSI */
  readonly stalledUs: number | undefined
  readonly atMs: number
}

export interface BusyShare {
  /** share of the time since the mark this process's event loop spent running code (0-1) */
  loop: number
  /** share of the time since the mark some runnable task on this host waited for a core (0-1); undefined where the kernel does not say */
  host: number | undefined
  /** the larger of the two: what background work yields to */
  busy: number
}

let pressureMissing = false

/**
 * The host's cumulative CPU stall time in microseconds (`some ... total=` of
 * /proc/pressure/cpu), or undefined where there is no such file; after the first miss it is
 * not looked for again. A few microseconds of procfs reading, called once per decision.
 */
export function cpuStalledUs (file = CPU_PRESSURE_FILE): number | undefined {
  if (pressureMissing && file === CPU_PRESSURE_FILE) return undefined
  try {
    const m = /^some .*\btotal=(\d+)/m.exec(readFileSync(file, 'utf8'))
    return m == null ? undefined : Number(m[1])
  } catch {
    if (file === CPU_PRESSURE_FILE) pressureMissing = true
    return undefined
  }
}

/** Mark now, to measure a busy share from later. */
export function busyMark (pressureFile?: string): BusyMark {
  return { loop: performance.eventLoopUtilization(), stalledUs: cpuStalledUs(pressureFile), atMs: performance.now() }
}

/** How busy this process and its host have been since `mark`. */
export function busySince (mark: BusyMark, pressureFile?: string): BusyShare {
  const loop = performance.eventLoopUtilization(mark.loop).utilization
  const now = cpuStalledUs(pressureFile)
  const elapsedUs = 1000 * (performance.now() - mark.atMs)
  const host = now != null && mark.stalledUs != null && elapsedUs > 0
    ? Math.min(1, Math.max(0, (now - mark.stalledUs) / elapsedUs))
    : undefined
  return { loop, host, busy: Math.max(loop, host ?? 0) }
}
