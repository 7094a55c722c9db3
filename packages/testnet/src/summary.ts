/**
 * What a run must show, computed from its timeline: pure functions over recorded samples,
 * so they are tested without a testnet.
 */

/** One row of timeseries.csv. */
export interface Sample {
  t: number
  phase: string
  online: number
  loggedIn: number
  loggedInShare: number
  supernodes: number
  capacity: number
  demand: number
  loginAttempts: number
  loginSuccesses: number
  loginRefusals: number
  loginTimeouts: number
  loginErrors: number
  attachAttempts: number
  attachSuccesses: number
  attachRefusals: number
  attachTimeouts: number
  loginServerRequests: number
  loginServerLogins: number
  loginServerServed: number
  clientsPerSnMax: number
  clientsPerSnMean: number
  clientsPerSnGini: number
  snUtilisation: number
  promotions: number
  demotions: number
  overloadDemotions: number
  messagesPerNodePerSecond: number
  hostCpu: number
}

export const SAMPLE_COLUMNS: ReadonlyArray<keyof Sample> = [
  't', 'phase', 'online', 'loggedIn', 'loggedInShare', 'supernodes', 'capacity', 'demand',
  'loginAttempts', 'loginSuccesses', 'loginRefusals', 'loginTimeouts', 'loginErrors',
  'attachAttempts', 'attachSuccesses', 'attachRefusals', 'attachTimeouts',
  'loginServerRequests', 'loginServerLogins', 'loginServerServed',
  'clientsPerSnMax', 'clientsPerSnMean', 'clientsPerSnGini', 'snUtilisation',
  'promotions', 'demotions', 'overloadDemotions', 'messagesPerNodePerSecond', 'hostCpu'
]

/** Times (seconds since the run began) of the moments the summary is measured from. */
export interface Markers {
  /** the fault */
  trigger: number | null
  /** the last killed node is back up */
  restartEnd: number | null
  /** the operator's first intervention, if any */
  inject: number | null
}

export interface RunSummary {
  policy: string
  seed: number
  nodes: number
  /** mean logged-in share over the 20 s before the trigger */
  preTriggerLoggedInShare: number | null
  /** lowest logged-in share after the trigger (0..1) */
  minLoggedInShare: number | null
  /** seconds from the last restart until the share is back to 50/90/95 % of its pre-trigger value; null: never */
  recovery50Seconds: number | null
  recovery90Seconds: number | null
  recovery95Seconds: number | null
  /** seconds after the last restart (until the operator stepped in, or the run ended) with fewer than half the online peers logged in */
  belowHalfSeconds: number | null
  /** log-in attempts per successful log-in, from the trigger to the end (before any intervention) */
  attemptsPerLogin: number | null
  /** peak requests/s at the login server (5 s mean) after the trigger, over its pre-trigger mean */
  loginServerPeakRatio: number | null
  loginServerSteadyRequestsPerSecond: number | null
  loginServerPeakRequestsPerSecond: number | null
  /** supernodes that dropped their role under overload, after the trigger */
  overloadDemotions: number
  demotions: number
  promotions: number
  /** overlay messages per online node per second, mean after the trigger */
  messagesPerNodePerSecond: number | null
  finalLoggedInShare: number | null
  peakHostCpu: number | null
  markers: Markers
  assertionsPassed: boolean
  assertions: Array<{ name: string, passed: boolean, detail: string }>
}

export function gini (values: readonly number[]): number {
  const xs = values.filter(v => Number.isFinite(v) && v >= 0).sort((a, b) => a - b)
  const n = xs.length
  const sum = xs.reduce((a, b) => a + b, 0)
  if (n === 0 || sum === 0) return 0
  let weighted = 0
  xs.forEach((x, i) => { weighted += (i + 1) * x })
  return (2 * weighted) / (n * sum) - (n + 1) / n
}

function mean (xs: readonly number[]): number | null {
  const v = xs.filter(Number.isFinite)
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length
}

function round (x: number | null, digits = 3): number | null {
  if (x == null || !Number.isFinite(x)) return null
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/**
 * The summary figures of a run (see `RunSummary` for each definition). `end` limits
 * the "stuck" measures to before the operator's intervention.
 */
export function summarize (samples: readonly Sample[], markers: Markers, run: { policy: string, seed: number, nodes: number }): Omit<RunSummary, 'assertionsPassed' | 'assertions'> {
  const trigger = markers.trigger
  const before = trigger == null ? [] : samples.filter(s => s.t < trigger && s.t >= trigger - 20)
  const after = trigger == null ? [] : samples.filter(s => s.t >= trigger)
  const untilInject = markers.inject == null ? after : after.filter(s => s.t < (markers.inject as number))
  const pre = mean(before.map(s => s.loggedInShare))
  const restartEnd = markers.restartEnd
  const recovery = (fraction: number): number | null => {
    if (pre == null || restartEnd == null) return null
    const hit = samples.find(s => s.t >= restartEnd && s.loggedInShare >= fraction * pre)
    return hit == null ? null : Math.max(0, hit.t - restartEnd)
  }
  let belowHalf: number | null = null
  if (restartEnd != null) {
    const window = untilInject.filter(s => s.t >= restartEnd)
    const firstAbove = window.find(s => s.loggedInShare >= 0.5)
    const last = window[window.length - 1]
    belowHalf = firstAbove != null ? firstAbove.t - restartEnd : last != null ? (markers.inject ?? last.t) - restartEnd : 0
  }
  const attempts = untilInject.reduce((a, s) => a + s.loginAttempts, 0)
  const successes = untilInject.reduce((a, s) => a + s.loginSuccesses, 0)
  const steady = mean(before.map(s => s.loginServerRequests))
  let peak: number | null = null
  for (let i = Math.max(0, Math.min(4, after.length - 1)); i < after.length; i++) {
    const w = after.slice(Math.max(0, i - 4), i + 1).map(s => s.loginServerRequests)
    const m = mean(w)
    if (m != null && (peak == null || m > peak)) peak = m
  }
  const first = after[0]
  const last = samples[samples.length - 1]
  return {
    policy: run.policy,
    seed: run.seed,
    nodes: run.nodes,
    preTriggerLoggedInShare: round(pre),
    minLoggedInShare: round(after.length === 0 ? null : Math.min(...after.map(s => s.loggedInShare))),
    recovery50Seconds: round(recovery(0.5), 1),
    recovery90Seconds: round(recovery(0.9), 1),
    recovery95Seconds: round(recovery(0.95), 1),
    belowHalfSeconds: round(belowHalf, 1),
    attemptsPerLogin: successes > 0 ? round(attempts / successes) : (attempts > 0 ? null : null),
    loginServerPeakRatio: steady != null && steady > 0 && peak != null ? round(peak / steady, 2) : null,
    loginServerSteadyRequestsPerSecond: round(steady, 2),
    loginServerPeakRequestsPerSecond: round(peak, 2),
    overloadDemotions: last != null ? last.overloadDemotions - (before[before.length - 1]?.overloadDemotions ?? first?.overloadDemotions ?? 0) : 0,
    demotions: last?.demotions ?? 0,
    promotions: last?.promotions ?? 0,
    messagesPerNodePerSecond: round(mean(after.map(s => s.messagesPerNodePerSecond)), 2),
    finalLoggedInShare: round(last?.loggedInShare ?? null),
    peakHostCpu: round(samples.length === 0 ? null : Math.max(...samples.map(s => s.hostCpu))),
    markers
  }
}
