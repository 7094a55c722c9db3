import type { RunData, RunSummary } from './run-data.js'
import type { Timeline } from './timeline.js'
import { lastValue } from './timeline.js'

/** Shown where the recorder wrote no value. */
export const MISSING = '—'

/** A share 0..1 as a percentage with one decimal. */
export function formatShare (value: number | null | undefined): string {
  return value == null ? MISSING : `${(value * 100).toFixed(1)} %`
}

/** A recovery time: `null` means the level was never reached. */
export function formatRecovery (value: number | null | undefined): string {
  if (value === undefined) {
    return MISSING
  }
  return value === null ? 'not reached' : `${value.toFixed(1)} s`
}

export function formatSeconds (value: number | null | undefined): string {
  return value == null ? MISSING : `${value.toFixed(1)} s`
}

export function formatRatio (value: number | null | undefined): string {
  return value == null ? MISSING : `${value.toFixed(2)} ×`
}

export function formatCount (value: number | null | undefined): string {
  return value == null ? MISSING : String(Math.round(value))
}

export function formatRate (value: number | null | undefined, unit: string): string {
  return value == null ? MISSING : `${value.toFixed(2)} ${unit}`
}

/** Any other value the recorder put in the summary, shown as plainly as possible. */
export function formatOther (value: unknown): string {
  if (value === undefined) {
    return MISSING
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000)
  }
  if (typeof value === 'string') {
    return value
  }
  return JSON.stringify(value)
}

/** One row of the summary table: a figure, how to show it for a run, and its goal. */
export interface SummaryRow {
  label: string
  /** what the adaptive policy must reach (MODEL.md, "What a run must show"), or '' */
  goal: string
  value: (run: RunData, line: Timeline) => string
  /** true when the value holds for the run; undefined when the row has no pass/fail */
  passed?: (run: RunData, line: Timeline) => boolean | undefined
  /** shown only when some run's summary has this field */
  onlyWith?: string
}

const num = (summary: RunSummary, key: keyof RunSummary): number | null | undefined => {
  const value = summary[key]
  return typeof value === 'number' || value === null ? value : undefined
}

/** The figures of `summary.json` (and two taken from the timeseries) in reading order. */
export const SUMMARY_ROWS: readonly SummaryRow[] = [
  { label: 'Logged-in share before the trigger', goal: '', value: (_run, line) => formatShare(line.preTriggerShare) },
  { label: 'Lowest logged-in share', goal: '', value: run => formatShare(num(run.summary, 'minLoggedInShare')) },
  {
    label: 'Logged-in share at the end of the run',
    goal: '≥ 95 % of the share before the trigger',
    value: run => formatShare(finalShare(run)),
    passed: (run, line) => {
      const end = finalShare(run)
      return end === null || line.preTriggerShare === null ? undefined : end >= 0.95 * line.preTriggerShare
    }
  },
  {
    label: 'Time below half logged-in after the last restart',
    goal: '',
    value: run => formatSeconds(num(run.summary, 'belowHalfSeconds')),
    onlyWith: 'belowHalfSeconds'
  },
  { label: 'Time to recover to 50 % logged-in', goal: '', value: run => formatRecovery(num(run.summary, 'recovery50Seconds')) },
  { label: 'Time to recover to 90 % logged-in', goal: '', value: run => formatRecovery(num(run.summary, 'recovery90Seconds')) },
  {
    label: 'Time to recover to 95 % logged-in',
    goal: 'reached, with no intervention',
    value: run => formatRecovery(num(run.summary, 'recovery95Seconds')),
    passed: run => {
      const value = num(run.summary, 'recovery95Seconds')
      return value === undefined ? undefined : value !== null
    }
  },
  {
    label: 'Login attempts per successful login',
    goal: '< 1.2',
    value: run => formatRatio(num(run.summary, 'attemptsPerLogin')),
    passed: run => below(num(run.summary, 'attemptsPerLogin'), 1.2)
  },
  {
    label: 'Login-server peak load, multiple of steady state',
    goal: '< 2 ×',
    value: run => formatRatio(num(run.summary, 'loginServerPeakRatio')),
    passed: run => below(num(run.summary, 'loginServerPeakRatio'), 2)
  },
  {
    label: 'Login-server requests, steady state',
    goal: '',
    value: run => formatRate(num(run.summary, 'loginServerSteadyRequestsPerSecond'), 'req/s'),
    onlyWith: 'loginServerSteadyRequestsPerSecond'
  },
  {
    label: 'Login-server requests, peak',
    goal: '',
    value: run => formatRate(num(run.summary, 'loginServerPeakRequestsPerSecond'), 'req/s'),
    onlyWith: 'loginServerPeakRequestsPerSecond'
  },
  { label: 'Supernode demotions for overload', goal: 'no cascade', value: run => formatCount(num(run.summary, 'overloadDemotions')) },
  { label: 'Supernode demotions, all reasons', goal: '', value: run => formatCount(num(run.summary, 'demotions')) },
  { label: 'Supernode promotions', goal: '', value: run => formatCount(num(run.summary, 'promotions')) },
  {
    label: 'Messages per node per second',
    goal: '',
    value: run => formatRate(num(run.summary, 'messagesPerNodePerSecond'), 'msg/s')
  },
  {
    label: 'Peak host CPU',
    goal: '',
    value: run => formatShare(num(run.summary, 'peakHostCpu')),
    onlyWith: 'peakHostCpu'
  },
  {
    label: 'Assertions passed',
    goal: 'all',
    value: run => {
      const { assertions, assertionsPassed } = run.summary
      const passed = assertions.filter(assertion => assertion.passed).length
      const all = assertionsPassed ?? (passed === assertions.length)
      return `${all ? 'yes' : 'no'} (${passed} of ${assertions.length})`
    },
    passed: run => run.summary.assertionsPassed ?? run.summary.assertions.every(assertion => assertion.passed)
  }
]

/** Summary fields shown by the rows above or elsewhere on the page. */
const SHOWN_FIELDS = new Set([
  'policy', 'seed', 'nodes', 'assertions', 'assertionsPassed', 'preTriggerLoggedInShare', 'minLoggedInShare',
  'recovery50Seconds', 'recovery90Seconds', 'recovery95Seconds', 'attemptsPerLogin', 'loginServerPeakRatio',
  'overloadDemotions', 'demotions', 'promotions', 'messagesPerNodePerSecond', 'finalLoggedInShare',
  'belowHalfSeconds', 'loginServerSteadyRequestsPerSecond', 'loginServerPeakRequestsPerSecond', 'peakHostCpu',
  // the trigger and restart times, shown from events.jsonl
  'markers'
])

/** The rows to show for these runs: optional rows only where some summary has the field. */
export function summaryRows (runs: readonly RunData[]): SummaryRow[] {
  return SUMMARY_ROWS.filter(row => row.onlyWith === undefined ||
    runs.some(run => run.summary[row.onlyWith as string] !== undefined))
}

/** The logged-in share at the end: the summary's figure, else the last sample. */
function finalShare (run: RunData): number | null {
  const recorded = run.summary.finalLoggedInShare
  return typeof recorded === 'number' && Number.isFinite(recorded) ? recorded : lastValue(run.series.loggedInShare)
}

/** Fields of the summaries that no row shows, in first-seen order. */
export function extraSummaryFields (runs: readonly RunData[]): string[] {
  const fields = new Set<string>()
  for (const run of runs) {
    for (const key of Object.keys(run.summary)) {
      if (!SHOWN_FIELDS.has(key)) {
        fields.add(key)
      }
    }
  }
  return [...fields]
}

function below (value: number | null | undefined, limit: number): boolean | undefined {
  return value == null ? undefined : value < limit
}
