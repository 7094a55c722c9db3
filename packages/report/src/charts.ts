import { RECOVERY_GOAL_FRACTION, TRIGGER_COLOUR } from './constants.js'
import type { RunData } from './run-data.js'
import type { Timeline } from './timeline.js'
import { timeAxisLabel, timelines } from './timeline.js'

/** A y scale of a chart: `min` and `max` fixed when given, else the data decides. */
export interface ScaleSpec {
  label: string
  min?: number
  max?: number
  /** the scale reaches at least this far even when the data stay below */
  softMax?: number
  /** no tick above this value (the headroom above it holds the marker labels) */
  tickMax?: number
}

/** One metric of a chart, before it is multiplied out over the runs. */
interface MetricSpec {
  /** column of timeseries.csv */
  key: string
  label: string
  colour: string
  scale: 'y' | 'y2'
  /** multiplies the values (100 for a share shown in percent) */
  factor?: number
  width?: number
}

interface ChartSpec {
  id: string
  title: string
  caption: string
  y: ScaleSpec
  y2?: ScaleSpec
  metrics: MetricSpec[]
  /** one metric drawn in the run's own colour (the logged-in figure) */
  colourByRun?: boolean
  /** draw the pre-trigger and recovery-goal levels of every run */
  levels?: boolean
}

/** The four time charts of a report, in the order of MODEL.md "What a run must show". */
const CHARTS: readonly ChartSpec[] = [
  {
    id: 'logged-in',
    title: 'Logged-in share of online peers',
    caption: 'Share of the peers that are online and logged in. Dotted: the logged-in level before the trigger; dashed: 95 % of it, the recovery goal.',
    y: { label: '% of online peers logged in', min: 0, max: 100, tickMax: 100 },
    metrics: [{ key: 'loggedInShare', label: 'logged in', colour: '#1f77b4', scale: 'y', factor: 100, width: 2 }],
    colourByRun: true,
    levels: true
  },
  {
    id: 'supply',
    title: 'Supernode supply against demand',
    caption: 'Client slots offered by live supernodes against online peers needing service (left axis), and the number of supernodes (right axis).',
    y: { label: 'client slots / peers', min: 0, softMax: 1 },
    y2: { label: 'supernodes', min: 0, softMax: 1 },
    metrics: [
      { key: 'capacity', label: 'capacity (slots)', colour: '#2ca02c', scale: 'y', width: 2 },
      { key: 'demand', label: 'demand (peers)', colour: '#ff7f0e', scale: 'y', width: 2 },
      { key: 'supernodes', label: 'supernodes', colour: '#9467bd', scale: 'y2', width: 1.5 }
    ]
  },
  {
    id: 'login-load',
    title: 'Login attempts per second',
    caption: 'Login attempts offered by clients against those that succeeded, were refused or timed out, and requests reaching the login server.',
    y: { label: 'per second', min: 0, softMax: 1 },
    metrics: [
      { key: 'loginAttempts', label: 'attempts', colour: '#1f77b4', scale: 'y', width: 2 },
      { key: 'loginSuccesses', label: 'succeeded', colour: '#2ca02c', scale: 'y', width: 2 },
      { key: 'loginRefusals', label: 'refused', colour: '#ff7f0e', scale: 'y', width: 1.5 },
      { key: 'loginTimeouts', label: 'timed out', colour: '#d62728', scale: 'y', width: 1.5 },
      { key: 'loginServerRequests', label: 'at login server', colour: '#7f7f7f', scale: 'y', width: 1 }
    ]
  },
  {
    id: 'spread',
    title: 'Clients per supernode and supernode utilisation',
    caption: 'Most and mean clients per supernode (left axis); Gini coefficient of clients over supernodes and supernode utilisation, 0 to 1 (right axis).',
    y: { label: 'clients per supernode', min: 0, softMax: 1 },
    y2: { label: 'Gini, utilisation (0–1)', min: 0, softMax: 1 },
    metrics: [
      { key: 'clientsPerSnMax', label: 'max clients/SN', colour: '#d62728', scale: 'y', width: 2 },
      { key: 'clientsPerSnMean', label: 'mean clients/SN', colour: '#1f77b4', scale: 'y', width: 2 },
      { key: 'clientsPerSnGini', label: 'Gini', colour: '#9467bd', scale: 'y2', width: 1.5 },
      { key: 'snUtilisation', label: 'utilisation', colour: '#2ca02c', scale: 'y2', width: 1.5 }
    ]
  }
]

/** How many uPlot charts a report or comparison page holds. */
export const CHART_COUNT = CHARTS.length

/** A vertical marker at `x` seconds on the shared time axis. */
export interface MarkerData {
  x: number
  label: string
  colour: string
  dash: number[]
}

/** A horizontal reference level on the left y scale; `label` may be '' (line only). */
export interface LevelData {
  y: number
  label: string
  colour: string
  dash: number[]
}

export interface SeriesData {
  label: string
  colour: string
  dash: number[]
  width: number
  scale: 'y' | 'y2'
}

/** Everything the page script needs for one chart; `tables` is one [t, ...series] per run. */
export interface ChartData {
  id: string
  title: string
  caption: string
  xLabel: string
  xRange: [number, number]
  y: ScaleSpec
  y2?: ScaleSpec
  series: SeriesData[]
  tables: Array<Array<Array<number | null>>>
  markers: MarkerData[]
  levels: LevelData[]
}

/** The chart data of the runs drawn together (one run for a report). */
export function chartData (runs: readonly RunData[]): ChartData[] {
  const lines = timelines(runs)
  const xLabel = timeAxisLabel(lines)
  const xRange = timeRange(lines)
  const markers = markerData(lines)
  const single = lines.length === 1

  return CHARTS.map(chart => {
    const series: SeriesData[] = []
    const tables = runs.map((run, r) => {
      const line = lines[r] as Timeline
      const table: Array<Array<number | null>> = [line.t]
      for (const metric of chart.metrics) {
        const factor = metric.factor ?? 1
        table.push(line.t.map((_t, i) => {
          const value = run.series[metric.key]?.[i]
          return value == null ? null : round4(value * factor)
        }))
        series.push({
          label: chart.colourByRun === true
            ? (single ? metric.label : line.label)
            : (single ? metric.label : `${metric.label} · ${line.label}`),
          colour: chart.colourByRun === true ? line.colour : metric.colour,
          dash: chart.colourByRun === true || single ? [] : [...line.dash],
          width: metric.width ?? 1.5,
          scale: metric.scale
        })
      }
      return table
    })
    // uPlot.join in the page lays the runs' tables on one x axis: series stay in run order
    const levels = chart.levels === true ? levelData(lines) : []
    return {
      id: chart.id,
      title: chart.title,
      caption: chart.caption,
      xLabel,
      xRange,
      y: chart.y,
      ...(chart.y2 === undefined ? {} : { y2: chart.y2 }),
      series,
      tables,
      markers,
      levels
    }
  })
}

/** The trigger at 0 and each run's last restart-end; runs back at the same time share one marker. */
export function markerData (lines: readonly Timeline[]): MarkerData[] {
  const markers: MarkerData[] = []
  if (lines.some(line => line.triggerT !== null)) {
    markers.push({ x: 0, label: 'trigger', colour: TRIGGER_COLOUR, dash: [] })
  }
  const single = lines.length === 1
  const ends = new Map<number, Timeline[]>()
  for (const line of lines) {
    if (line.restartEnd !== null) {
      const key = Math.round(line.restartEnd * 2) / 2
      ends.set(key, [...(ends.get(key) ?? []), line])
    }
  }
  for (const [x, group] of [...ends].sort((a, b) => a[0] - b[0])) {
    const [first] = group as [Timeline]
    markers.push({
      x,
      label: single ? 'last node back' : `last node back (${group.map(line => line.label).join(', ')})`,
      colour: single || group.length > 1 ? '#555555' : first.colour,
      dash: [5, 4]
    })
  }
  return markers
}

/**
 * Each run's mean logged-in level before the trigger and the 95 % recovery goal below
 * it, in %; the pre-trigger level carries the label for both.
 */
export function levelData (lines: readonly Timeline[]): LevelData[] {
  const single = lines.length === 1
  return lines.flatMap(line => {
    const pre = line.preTriggerShare
    if (pre === null) {
      return []
    }
    const goal = pre * RECOVERY_GOAL_FRACTION
    const colour = single ? '#555555' : line.colour
    const text = `before trigger ${(pre * 100).toFixed(1)} %, 95 % of it ${(goal * 100).toFixed(1)} %`
    return [
      { y: round4(pre * 100), label: single ? text : `${line.label}: ${text}`, colour, dash: [2, 3] },
      { y: round4(goal * 100), label: '', colour, dash: [7, 4] }
    ]
  })
}

/** The time span covered by any run, never empty. */
export function timeRange (lines: readonly Timeline[]): [number, number] {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const line of lines) {
    for (const t of line.t) {
      min = Math.min(min, t)
      max = Math.max(max, t)
    }
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    return [0, 1]
  }
  return min === max ? [min - 1, max + 1] : [min, max]
}

function round4 (value: number): number {
  return Math.round(value * 1e4) / 1e4
}
