import {
  DEFAULT_PRE_TRIGGER_WINDOW_SECONDS, POLICY_COLOURS, RESTART_END_EVENT, RUN_DASHES, RUN_PALETTE, TIME_COLUMN,
  TRIGGER_EVENT
} from './constants.js'
import type { RunData } from './run-data.js'

/**
 * One run placed on the shared time axis: seconds since its trigger, so runs line up.
 * A run without a trigger event keeps seconds since its start (`triggerT` is null).
 */
export interface Timeline {
  label: string
  colour: string
  dash: readonly number[]
  /** trigger time in seconds since run start, or null when no trigger was recorded */
  triggerT: number | null
  /** sample times relative to the trigger */
  t: number[]
  /** the last `restart-end` relative to the trigger, or null */
  restartEnd: number | null
  /** mean logged-in share (0..1) over the window before the trigger, or null */
  preTriggerShare: number | null
}

/** Time in seconds since the run start of the first trigger event, or null. */
export function triggerTime (run: RunData): number | null {
  return run.events.find(event => event.type === TRIGGER_EVENT)?.t ?? null
}

/**
 * The logged-in share before the trigger: `summary.preTriggerLoggedInShare` when the
 * recorder wrote it, else the mean of the samples in the window before the trigger.
 */
export function preTriggerShare (run: RunData, triggerT: number | null): number | null {
  const recorded = run.summary.preTriggerLoggedInShare
  if (typeof recorded === 'number' && Number.isFinite(recorded)) {
    return recorded
  }
  if (triggerT === null) {
    return null
  }
  const t = run.series[TIME_COLUMN] ?? []
  const share = run.series.loggedInShare ?? []
  let sum = 0
  let count = 0
  t.forEach((time, i) => {
    const value = share[i]
    if (time !== null && time < triggerT && time >= triggerT - DEFAULT_PRE_TRIGGER_WINDOW_SECONDS &&
      value != null) {
      sum += value
      count++
    }
  })
  return count === 0 ? null : sum / count
}

/** The last non-null value of a series, or null. */
export function lastValue (values: ReadonlyArray<number | null> | undefined): number | null {
  if (values === undefined) {
    return null
  }
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i]
    if (value != null) {
      return value
    }
  }
  return null
}

/** Labels, colours and relative times for the runs drawn together. */
export function timelines (runs: readonly RunData[]): Timeline[] {
  const labels = runLabels(runs)
  const policies = runs.map(run => run.run.policy)
  const policyColoursFit = new Set(policies).size === policies.length
  return runs.map((run, index) => {
    const triggerT = triggerTime(run)
    const offset = triggerT ?? 0
    const restartEnds = run.events.filter(event => event.type === RESTART_END_EVENT)
    const restartEnd = restartEnds.length === 0 ? null : Math.max(...restartEnds.map(event => event.t)) - offset
    const colour = (policyColoursFit ? POLICY_COLOURS[run.run.policy] : undefined) ??
      RUN_PALETTE[index % RUN_PALETTE.length] ?? '#000000'
    return {
      label: labels[index] ?? run.run.id,
      colour,
      dash: RUN_DASHES[index % RUN_DASHES.length] ?? [],
      triggerT,
      t: (run.series[TIME_COLUMN] ?? []).map(time => round((time ?? 0) - offset)),
      restartEnd,
      preTriggerShare: preTriggerShare(run, triggerT)
    }
  })
}

/** The policy names, with the seed and then the id added while labels would repeat. */
export function runLabels (runs: readonly RunData[]): string[] {
  const candidates: Array<(run: RunData) => string> = [
    run => run.run.policy,
    run => `${run.run.policy} (seed ${run.run.seed})`,
    run => `${run.run.policy} (${run.run.id})`
  ]
  for (const candidate of candidates) {
    const labels = runs.map(candidate)
    if (new Set(labels).size === labels.length) {
      return labels
    }
  }
  return runs.map((run, index) => `${run.run.policy} #${index + 1}`)
}

/** The label of the time axis: relative to the trigger when every run has one. */
export function timeAxisLabel (lines: readonly Timeline[]): string {
  return lines.every(line => line.triggerT !== null) ? 'seconds since trigger' : 'seconds since run start'
}

/** Rounds away floating-point noise from subtracting times (milliseconds are plenty). */
function round (value: number): number {
  return Math.round(value * 1000) / 1000
}
