import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  EVENTS_FILE, PHASE_COLUMN, RUN_FILE, SUMMARY_FILE, TIME_COLUMN, TIMESERIES_FILE
} from './constants.js'
import { parseCsv, parseNumericCell } from './csv.js'
import { RunDataError } from './errors.js'

/** The machine a run was recorded on. */
export interface HostInfo {
  cpus: number
  cpuModel: string
  memGiB: number
}

/** `run.json`: what was run, with which policy and seed, when and where. */
export interface RunInfo {
  id: string
  scenario: string
  /** `legacy`, `adaptive` or the name of another policy */
  policy: string
  seed: number
  nodes: number
  /** ISO time; absent when the recorder did not write it (or wrote null: a run cut short) */
  startedAt?: string
  endedAt?: string
  host?: HostInfo
  [key: string]: unknown
}

/** One line of `events.jsonl`: `t` in seconds since the run started, and a type. */
export interface RunEvent {
  t: number
  /** `trigger`, `kill`, `restart-begin`, `restart-end`, `inject`, `promotion`, ... */
  type: string
  [key: string]: unknown
}

/** One checked property of a run. */
export interface RunAssertion {
  name: string
  passed: boolean
  detail: string
}

/**
 * `summary.json`: the headline figures of a run. A figure the recorder did not write is
 * `undefined`; a recovery time of `null` means that level was never reached.
 */
export interface RunSummary {
  policy?: string
  seed?: number
  nodes?: number
  /** 0..1 */
  minLoggedInShare?: number | null
  /** seconds */
  recovery50Seconds?: number | null
  recovery90Seconds?: number | null
  recovery95Seconds?: number | null
  /** login attempts per successful login (retry amplification) */
  attemptsPerLogin?: number | null
  /** peak login-server requests/s as a multiple of steady state */
  loginServerPeakRatio?: number | null
  overloadDemotions?: number | null
  demotions?: number | null
  promotions?: number | null
  messagesPerNodePerSecond?: number | null
  assertionsPassed?: boolean
  assertions: RunAssertion[]
  [key: string]: unknown
}

/** Everything recorded for one run, as `readRun` found it in `dir`. */
export interface RunData {
  dir: string
  run: RunInfo
  /**
   * Every numeric column of `timeseries.csv` by header name, `t` included, one entry per
   * sample in time order; an empty or non-numeric cell is `null` (a gap).
   */
  series: Record<string, Array<number | null>>
  /** The `phase` label of every sample ('' where the cell is empty or the column absent). */
  phases: string[]
  events: RunEvent[]
  summary: RunSummary
}

/**
 * Reads a run directory: `run.json`, `timeseries.csv`, `events.jsonl` and `summary.json`.
 * Extra columns and fields are kept; empty cells become `null`. Throws `RunDataError`
 * naming the file when one is missing or not in the expected shape.
 */
export async function readRun (dir: string): Promise<RunData> {
  const [runText, csvText, eventsText, summaryText] = await Promise.all([
    readText(join(dir, RUN_FILE)),
    readText(join(dir, TIMESERIES_FILE)),
    readText(join(dir, EVENTS_FILE)),
    readText(join(dir, SUMMARY_FILE))
  ])
  const run = parseRunInfo(join(dir, RUN_FILE), runText)
  const { series, phases } = parseTimeseries(join(dir, TIMESERIES_FILE), csvText)
  const events = parseEvents(join(dir, EVENTS_FILE), eventsText)
  const summary = parseSummary(join(dir, SUMMARY_FILE), summaryText)
  return { dir, run, series, phases, events, summary }
}

async function readText (file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code
    const reason = code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`
    throw new RunDataError(file, reason, { cause: err })
  }
}

function parseJsonObject (file: string, text: string, where = ''): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err: unknown) {
    throw new RunDataError(file, `${where}invalid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RunDataError(file, `${where}expected a JSON object`)
  }
  return value as Record<string, unknown>
}

function requireField (file: string, obj: Record<string, unknown>, field: string, type: 'string' | 'number'): void {
  const value = obj[field]
  if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
    throw new RunDataError(file, `"${field}" must be a ${type === 'number' ? 'finite number' : type}, got ${JSON.stringify(value) ?? 'nothing'}`)
  }
}

/** A field that may be absent or null (both read as absent), else must have the type. */
function optionalField (file: string, obj: Record<string, unknown>, field: string, type: 'string' | 'object'): void {
  const value = obj[field]
  if (value === null) {
    delete obj[field]
    return
  }
  if (value !== undefined && typeof value !== type) {
    throw new RunDataError(file, `"${field}" must be a${type === 'object' ? 'n object' : ' string'} when present`)
  }
}

function parseRunInfo (file: string, text: string): RunInfo {
  const obj = parseJsonObject(file, text)
  for (const field of ['id', 'scenario', 'policy']) {
    requireField(file, obj, field, 'string')
  }
  for (const field of ['seed', 'nodes']) {
    requireField(file, obj, field, 'number')
  }
  optionalField(file, obj, 'startedAt', 'string')
  optionalField(file, obj, 'endedAt', 'string')
  optionalField(file, obj, 'host', 'object')
  return obj as RunInfo
}

function parseTimeseries (file: string, text: string): { series: Record<string, Array<number | null>>, phases: string[] } {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''))
  if (rows === undefined) {
    throw new RunDataError(file, 'a quoted cell is never closed')
  }
  const header = rows[0]?.map(name => name.trim())
  if (header === undefined) {
    throw new RunDataError(file, 'empty: expected a header row')
  }
  const timeIndex = header.indexOf(TIME_COLUMN)
  if (timeIndex < 0) {
    throw new RunDataError(file, `the header has no "${TIME_COLUMN}" column (found: ${header.join(', ')})`)
  }
  const phaseIndex = header.indexOf(PHASE_COLUMN)

  const samples: Array<{ t: number, row: string[] }> = []
  for (const row of rows.slice(1)) {
    const t = parseNumericCell(row[timeIndex])
    if (t !== null) {
      samples.push({ t, row })
    }
  }
  // uPlot and the SVG path need time in ascending order; the recorder writes it so, but a
  // merged or hand-edited file may not be
  samples.sort((a, b) => a.t - b.t)

  // a Map, then own properties: a column named like an Object.prototype member stays data
  const columns = new Map<string, Array<number | null>>()
  header.forEach((name, index) => {
    if (index === phaseIndex || name === '' || columns.has(name)) {
      return
    }
    columns.set(name, samples.map(({ row }) => parseNumericCell(row[index])))
  })
  const series: Record<string, Array<number | null>> = Object.fromEntries(columns)
  const phases = samples.map(({ row }) => phaseIndex < 0 ? '' : (row[phaseIndex] ?? '').trim())
  return { series, phases }
}

function parseEvents (file: string, text: string): RunEvent[] {
  const events: RunEvent[] = []
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      return
    }
    const where = `line ${index + 1}: `
    const obj = parseJsonObject(file, line, where)
    if (typeof obj.t !== 'number' || !Number.isFinite(obj.t)) {
      throw new RunDataError(file, `${where}"t" must be a finite number`)
    }
    if (typeof obj.type !== 'string') {
      throw new RunDataError(file, `${where}"type" must be a string`)
    }
    events.push(obj as RunEvent)
  })
  return events.sort((a, b) => a.t - b.t)
}

const SUMMARY_FIGURES = [
  'minLoggedInShare', 'recovery50Seconds', 'recovery90Seconds', 'recovery95Seconds', 'attemptsPerLogin',
  'loginServerPeakRatio', 'overloadDemotions', 'demotions', 'promotions', 'messagesPerNodePerSecond'
] as const

function parseSummary (file: string, text: string): RunSummary {
  const obj = parseJsonObject(file, text)
  for (const field of SUMMARY_FIGURES) {
    const value = obj[field]
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new RunDataError(file, `"${field}" must be a finite number or null, got ${JSON.stringify(value)}`)
    }
  }
  if (obj.assertionsPassed !== undefined && typeof obj.assertionsPassed !== 'boolean') {
    throw new RunDataError(file, '"assertionsPassed" must be a boolean when present')
  }
  const assertions = obj.assertions ?? []
  if (!Array.isArray(assertions)) {
    throw new RunDataError(file, '"assertions" must be an array when present')
  }
  const checked: RunAssertion[] = assertions.map((item: unknown, index) => {
    if (item == null || typeof item !== 'object' || typeof (item as RunAssertion).name !== 'string' ||
      typeof (item as RunAssertion).passed !== 'boolean') {
      throw new RunDataError(file, `assertions[${index}] must be { name: string, passed: boolean, detail?: string }`)
    }
    const { name, passed, detail } = item as { name: string, passed: boolean, detail?: unknown }
    return { ...(item as object), name, passed, detail: detail == null ? '' : String(detail) }
  })
  return { ...obj, assertions: checked }
}
