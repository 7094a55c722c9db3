import { markerData, levelData, timeRange } from './charts.js'
import { DEFAULT_FIGURE_HEIGHT, DEFAULT_FIGURE_WIDTH } from './constants.js'
import { escapeHtml } from './escape.js'
import type { RunData } from './run-data.js'
import { timeAxisLabel, timelines } from './timeline.js'

export interface FigureOptions {
  /** default: "Logged-in share of online peers" with the scenario and runs */
  title?: string
  /** CSS pixels; default 800 */
  width?: number
  /** CSS pixels; default 420 */
  height?: number
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"'
const MARGIN = { left: 58, right: 20, top: 58, bottom: 48 }
/** Room above 100 % for the marker and level labels, as a share of the scale. */
const HEADROOM = 0.16
/** Rough width of one character of the 11 px label font, for placing labels without a browser. */
const CHAR_WIDTH = 6.1

/**
 * The main figure as standalone SVG, drawn without a browser: logged-in share of online
 * peers over time since the trigger, one `path.run-line` per run, the trigger and each
 * run's last restart as vertical markers, and each run's pre-trigger level and its 95 %
 * recovery goal as horizontal lines.
 */
export function renderFigureSvg (runs: RunData[], opts: FigureOptions = {}): string {
  if (runs.length === 0) {
    throw new RangeError('renderFigureSvg needs at least one run')
  }
  const width = positive(opts.width, DEFAULT_FIGURE_WIDTH)
  const height = positive(opts.height, DEFAULT_FIGURE_HEIGHT)
  const lines = timelines(runs)
  const scenarios = [...new Set(runs.map(run => run.run.scenario))].join(', ')
  const title = opts.title ?? `Logged-in share of online peers: ${scenarios}, ${lines.map(line => line.label).join(' vs ')}`

  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: Math.max(10, width - MARGIN.left - MARGIN.right),
    height: Math.max(10, height - MARGIN.top - MARGIN.bottom)
  }
  const [xMin, xMax] = timeRange(lines)
  const x = (t: number): number => plot.left + (t - xMin) / (xMax - xMin) * plot.width
  // the top of the scale is above 100 % so the labels sit over the lines, not on them
  const yTop = 100 * (1 + HEADROOM)
  const y = (percent: number): number => plot.top + (1 - percent / yTop) * plot.height
  const right = plot.left + plot.width
  const bottom = plot.top + plot.height

  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="figure-title">`)
  parts.push(`<title id="figure-title">${escapeHtml(title)}</title>`)
  parts.push(`<defs><clipPath id="plot-area"><rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}"/></clipPath></defs>`)
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(`<text x="${plot.left}" y="22" ${FONT} font-size="15" font-weight="600" fill="#222222">${escapeHtml(title)}</text>`)

  // legend, one entry per run
  let legendX = plot.left
  lines.forEach(line => {
    parts.push(`<g class="legend-entry"><line x1="${legendX}" y1="40" x2="${legendX + 22}" y2="40" stroke="${escapeHtml(line.colour)}" stroke-width="2.5"/>` +
      `<text x="${legendX + 28}" y="44" ${FONT} font-size="12" fill="#222222">${escapeHtml(line.label)}</text></g>`)
    legendX += 40 + line.label.length * 7
  })

  // grid and axes
  for (const tick of [0, 20, 40, 60, 80, 100]) {
    const ty = num(y(tick))
    parts.push(`<line class="grid" x1="${plot.left}" y1="${ty}" x2="${right}" y2="${ty}" stroke="#e6e6e6" stroke-width="1"/>`)
    parts.push(`<text x="${plot.left - 6}" y="${num(y(tick) + 4)}" ${FONT} font-size="11" fill="#555555" text-anchor="end">${tick} %</text>`)
  }
  for (const tick of niceTicks(xMin, xMax, Math.max(2, Math.round(plot.width / 90)))) {
    const tx = num(x(tick))
    parts.push(`<line class="grid" x1="${tx}" y1="${plot.top}" x2="${tx}" y2="${bottom}" stroke="#f0f0f0" stroke-width="1"/>`)
    parts.push(`<text x="${tx}" y="${bottom + 16}" ${FONT} font-size="11" fill="#555555" text-anchor="middle">${formatTick(tick)}</text>`)
  }
  parts.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#999999" stroke-width="1"/>`)
  parts.push(`<text x="${num(plot.left + plot.width / 2)}" y="${height - 10}" ${FONT} font-size="12" fill="#333333" text-anchor="middle">${escapeHtml(timeAxisLabel(lines))}</text>`)
  parts.push(`<text transform="translate(14 ${num(plot.top + plot.height / 2)}) rotate(-90)" ${FONT} font-size="12" fill="#333333" text-anchor="middle">% of online peers logged in</text>`)

  // one path per run; a recorded gap breaks the line
  runs.forEach((run, r) => {
    const line = lines[r]
    if (line === undefined) {
      return
    }
    const share = run.series.loggedInShare ?? []
    let d = ''
    let pen = false
    line.t.forEach((t, i) => {
      const value = share[i]
      if (value == null) {
        pen = false
        return
      }
      d += `${pen ? 'L' : 'M'}${num(x(t))} ${num(y(value * 100))}`
      pen = true
    })
    parts.push(`<path class="run-line" data-run="${escapeHtml(line.label)}" d="${d}" fill="none" stroke="${escapeHtml(line.colour)}" stroke-width="2" stroke-linejoin="round" clip-path="url(#plot-area)"/>`)
  })

  // reference levels, markers, then their labels in rows from the top of the plot
  const labels: Array<{ text: string, x: number, align: 'left' | 'right', colour: string }> = []
  const levelLabels: typeof labels = []
  levelData(lines).forEach((level, i) => {
    const ly = num(y(level.y))
    const kind = i % 2 === 0 ? 'pre-trigger' : 'recovery-goal'
    parts.push(`<line class="level ${kind}" x1="${plot.left}" y1="${ly}" x2="${right}" y2="${ly}" stroke="${escapeHtml(level.colour)}" stroke-width="1" stroke-dasharray="${level.dash.join(' ')}"/>`)
    if (level.label !== '') {
      levelLabels.push({ text: level.label, x: right - 2, align: 'right', colour: level.colour })
    }
  })
  markerData(lines).forEach(marker => {
    if (marker.x < xMin || marker.x > xMax) {
      return
    }
    const kind = marker.label === 'trigger' ? 'trigger' : 'restart-end'
    const mx = num(x(marker.x))
    const dash = marker.dash.length === 0 ? '' : ` stroke-dasharray="${marker.dash.join(' ')}"`
    parts.push(`<line class="marker ${kind}" x1="${mx}" y1="${plot.top}" x2="${mx}" y2="${bottom}" stroke="${escapeHtml(marker.colour)}" stroke-width="1.5"${dash}/>`)
    labels.push({ text: marker.label, x: x(marker.x) + 3, align: 'left', colour: marker.colour })
  })
  const rows: Array<Array<[number, number]>> = []
  for (const label of [...labels, ...levelLabels]) {
    const w = label.text.length * CHAR_WIDTH + 6
    const left = Math.max(plot.left, Math.min(label.align === 'right' ? label.x - w : label.x, right - w))
    let row = 0
    while (rows[row]?.some(([a, b]) => left < b && left + w > a) === true) {
      row++
    }
    rows[row] = [...(rows[row] ?? []), [left, left + w]]
    const top = plot.top + 2 + row * 15
    parts.push(`<rect class="label-box" x="${num(left)}" y="${top}" width="${num(w)}" height="14" fill="#ffffff" fill-opacity="0.85"/>` +
      `<text x="${num(left + 3)}" y="${top + 11}" ${FONT} font-size="11" fill="${escapeHtml(label.colour)}">${escapeHtml(label.text)}</text>`)
  }

  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

/** Round tick values (1, 2, 5 times a power of ten) covering [min, max]. */
export function niceTicks (min: number, max: number, count: number): number[] {
  const span = max - min
  if (!(span > 0) || !Number.isFinite(span)) {
    return [min]
  }
  const raw = span / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(f => f * power).find(s => s >= raw) ?? 10 * power
  const ticks: number[] = []
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Math.round(tick / step) * step)
  }
  return ticks
}

function formatTick (value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100)
}

function num (value: number): string {
  return String(Math.round(value * 10) / 10)
}

function positive (value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.round(value) : fallback
}
