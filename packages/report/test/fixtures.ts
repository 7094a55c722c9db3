import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface FixtureOptions {
  policy: 'legacy' | 'adaptive'
  seed?: number
  /** samples, one a second; default 300 */
  samples?: number
  /** seconds since start; default 60 */
  triggerAt?: number
  /** seconds since start the last restarted node is back; default 95 */
  restartEndAt?: number
  /** blank some cells and rows, shorten a row, quote a phase with a comma */
  gaps?: boolean
  /** overrides for run.json fields */
  run?: Record<string, unknown>
  /** extra events.jsonl lines */
  events?: Array<Record<string, unknown>>
}

/** The summary figures a fixture writes, so tests can look for them in a page. */
export const FIXTURE_SUMMARIES = {
  legacy: {
    minLoggedInShare: 0.083,
    recovery50Seconds: null,
    recovery90Seconds: null,
    recovery95Seconds: null,
    attemptsPerLogin: 14.62,
    loginServerPeakRatio: 38.5,
    overloadDemotions: 6,
    demotions: 7,
    promotions: 3,
    messagesPerNodePerSecond: 12.41
  },
  adaptive: {
    minLoggedInShare: 0.421,
    recovery50Seconds: 3,
    recovery90Seconds: 48,
    recovery95Seconds: 71.5,
    attemptsPerLogin: 1.12,
    loginServerPeakRatio: 1.7,
    overloadDemotions: 0,
    demotions: 0,
    promotions: 4,
    messagesPerNodePerSecond: 3.08
  }
} as const

const COLUMNS = [
  't', 'phase', 'online', 'loggedIn', 'loggedInShare', 'supernodes', 'capacity', 'demand', 'loginAttempts',
  'loginSuccesses', 'loginRefusals', 'loginTimeouts', 'attachAttempts', 'attachSuccesses', 'attachRefusals',
  'loginServerRequests', 'clientsPerSnMax', 'clientsPerSnMean', 'clientsPerSnGini', 'snUtilisation', 'promotions',
  'demotions', 'messagesPerNodePerSecond', 'hostCpu', 'rttMsP50'
]

/** A small deterministic PRNG (mulberry32) for noise. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value))
const r3 = (value: number): number => Math.round(value * 1000) / 1000

/**
 * Writes a plausible run directory under `root`: 40 nodes, a mass restart at the trigger
 * taking 60 % of the peers down until `restartEndAt`. The legacy run collapses and stays
 * down; the adaptive run dips and recovers. Returns the directory.
 */
export async function makeRunDir (root: string, opts: FixtureOptions): Promise<string> {
  const policy = opts.policy
  const seed = opts.seed ?? (policy === 'legacy' ? 7 : 11)
  const samples = opts.samples ?? 300
  const triggerAt = opts.triggerAt ?? 60
  const restartEndAt = opts.restartEndAt ?? 95
  const nodes = 40
  const slotsPerSn = 10
  const random = prng(seed)
  const noise = (amplitude: number): number => (random() - 0.5) * 2 * amplitude
  const dir = join(root, `${policy}-${seed}`)
  await mkdir(dir, { recursive: true })

  const rows: string[] = [COLUMNS.join(',')]
  let supernodes = 5
  let promotions = 0
  let demotions = 0
  for (let i = 0; i < samples; i++) {
    const t = i
    const since = t - triggerAt
    const phase = t < 30 ? 'warm-up' : t < triggerAt ? 'steady' : t < restartEndAt ? 'mass restart' : 'aftermath'
    const online = since < 0 ? nodes : t < restartEndAt ? Math.round(16 + 24 * since / (restartEndAt - triggerAt)) : nodes
    let share: number
    let attempts: number
    if (since < 0) {
      share = 0.97 + noise(0.01)
      attempts = 0.3 + noise(0.1)
    } else if (policy === 'legacy') {
      share = 0.1 + 0.87 * Math.exp(-since / 3) + noise(0.02)
      attempts = 24 - 20 * Math.exp(-since / 4) + noise(3)
      if (since === 0) { supernodes = 2 }
      if (since === 20 || since === 40) { supernodes = Math.max(1, supernodes - 1); demotions++ }
      if (since === 120) { supernodes++; promotions++ }
    } else {
      const dip = 0.45
      share = since < 5 ? 0.97 - (0.97 - dip) * since / 5 : dip + (0.97 - dip) * (1 - Math.exp(-(since - 5) / 20))
      share += noise(0.01)
      attempts = 0.4 + 6 * Math.exp(-since / 10) + noise(0.2)
      if (since === 0) { supernodes = 2 }
      if (since > 0 && since % 6 === 0 && supernodes < 6) { supernodes++; promotions++ }
    }
    share = clamp(share, 0, 1)
    attempts = Math.max(0, attempts)
    const loggedIn = Math.round(share * online)
    const capacity = supernodes * slotsPerSn
    const demand = online - supernodes
    const successRate = since < 0 ? 1 : policy === 'legacy' ? 0.07 : 0.85
    const successes = attempts * successRate
    const refusals = (attempts - successes) * (policy === 'legacy' ? 0.3 : 0.9)
    const timeouts = attempts - successes - refusals
    const attachAttempts = attempts * 1.1
    const clientsMax = Math.min(slotsPerSn * (policy === 'legacy' ? 1.6 : 1), loggedIn)
    const clientsMean = supernodes === 0 ? 0 : Math.min(loggedIn, capacity) / supernodes
    const gini = since < 0 ? 0.1 : policy === 'legacy' ? 0.55 + noise(0.05) : 0.15 + noise(0.03)
    const utilisation = capacity === 0 ? 0 : clamp(Math.min(loggedIn, capacity) / capacity, 0, 1)
    const values: Array<string | number> = [
      t, phase, online, loggedIn, r3(share), supernodes, capacity, demand, r3(attempts), r3(successes),
      r3(refusals), r3(timeouts), r3(attachAttempts), r3(attachAttempts * successRate),
      r3(attachAttempts * (1 - successRate)), r3(attempts * 0.95), r3(clientsMax), r3(clientsMean), r3(gini),
      r3(utilisation), promotions, demotions, r3((policy === 'legacy' && since >= 0 ? 12 : 3) + noise(0.5)),
      r3(0.2 + noise(0.05)), r3(4 + noise(1))
    ]
    let cells = values.map(String)
    if (opts.gaps === true) {
      if (i >= 100 && i <= 102) {
        cells[4] = ''
      }
      if (i === 150) {
        cells = cells.map((cell, c) => c <= 1 ? cell : '')
      }
      if (i === 200) {
        cells = cells.slice(0, 5)
      }
      if (i === 210) {
        cells[1] = '"aftermath, late"'
        cells[8] = 'NaN'
      }
    }
    rows.push(cells.join(','))
  }
  await writeFile(join(dir, 'timeseries.csv'), rows.join('\n') + '\n')

  const events: Array<Record<string, unknown>> = [
    { t: 0, type: 'inject', what: 'steady logins' },
    { t: triggerAt, type: 'trigger', reason: 'mass restart', fraction: 0.6 },
    { t: triggerAt, type: 'kill', count: 24 },
    { t: triggerAt + 0.5, type: 'restart-begin', count: 24 },
    { t: restartEndAt, type: 'restart-end', count: 24 },
    ...(policy === 'legacy'
      ? [
          { t: triggerAt + 4, type: 'refusal-burst', node: 'sn-3', count: 120 },
          { t: triggerAt + 20, type: 'demotion', node: 'sn-1', reason: 'overload' },
          { t: triggerAt + 40, type: 'demotion', node: 'sn-4', reason: 'overload' },
          { t: triggerAt + 120, type: 'promotion', node: 'n-17' }
        ]
      : [6, 12, 18, 24].map(s => ({ t: triggerAt + s, type: 'promotion', node: `n-${s}`, reason: 'emergency' }))),
    { t: samples - 1, type: 'assertion', name: 'recovers to 95 %', passed: policy === 'adaptive' },
    ...(opts.events ?? [])
  ]
  // events are written in arrival order, which need not be time order
  await writeFile(join(dir, 'events.jsonl'), events.reverse().map(event => JSON.stringify(event)).join('\n') + '\n')

  const figures = FIXTURE_SUMMARIES[policy]
  const assertions = [
    { name: 'recovers to 95 % of the pre-trigger share', passed: policy === 'adaptive', detail: policy === 'adaptive' ? 'after 71.5 s' : 'never reached' },
    { name: 'attempts per login below 1.2', passed: policy === 'adaptive', detail: `${figures.attemptsPerLogin}` },
    { name: 'no process crashed', passed: true, detail: '40 of 40 exited cleanly' }
  ]
  await writeFile(join(dir, 'summary.json'), JSON.stringify({
    policy,
    seed,
    nodes,
    ...figures,
    assertionsPassed: assertions.every(assertion => assertion.passed),
    assertions,
    scenarioVersion: 2
  }, null, 2))

  const started = Date.UTC(2025, 0, 14, 10, 0, 0)
  await writeFile(join(dir, 'run.json'), JSON.stringify({
    id: `${policy}-${seed}`,
    scenario: 'patch-tuesday',
    policy,
    seed,
    nodes,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + samples * 1000).toISOString(),
    host: { cpus: 2, cpuModel: 'Test CPU @ 2.0GHz', memGiB: 24 },
    ...opts.run
  }, null, 2))
  return dir
}
