import { uplotAssets } from './assets.js'
import type { ChartData } from './charts.js'
import { chartData } from './charts.js'
import { RESTART_END_EVENT, TRIGGER_EVENT } from './constants.js'
import { escapeHtml, jsonForScript, scriptText, styleText } from './escape.js'
import { MISSING, extraSummaryFields, formatOther, summaryRows } from './format.js'
import { PAGE_SCRIPT } from './page-script.js'
import type { RunData, RunEvent } from './run-data.js'
import type { Timeline } from './timeline.js'
import { timelines } from './timeline.js'

/** Rows of an events list beyond this are counted, not shown. */
const MAX_EVENT_ROWS = 2000

const PAGE_STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #f6f6f4; margin: 0; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: #555; margin: 0 0 8px; }
figure.chart-card { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 0 0 16px; padding: 10px 12px 8px; }
figure.chart-card figcaption { color: #555; font-size: 13px; margin-top: 4px; }
.chart { width: 100%; min-height: 300px; }
.uplot .u-title { font-size: 15px; font-weight: 600; text-align: left; }
.uplot .u-legend { font-size: 12px; }
.uplot .u-legend th, .uplot .u-legend td { border: 0; background: transparent; padding: 1px 3px; font-weight: 500; }
.uplot .u-legend .u-marker { width: 1.6em; height: 0.9em; }
table { border-collapse: collapse; background: #fff; margin: 0 0 12px; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #efefeb; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.goal { color: #555; }
.pass { color: #17702b; }
.fail { color: #b3261e; }
.badge { display: inline-block; min-width: 3.2em; text-align: center; border-radius: 3px; padding: 0 6px; font-weight: 600; font-size: 12px; }
.badge.pass { background: #e3f4e6; }
.badge.fail { background: #fbe4e2; }
.events { max-height: 420px; overflow: auto; border: 1px solid #ddd; background: #fff; margin-bottom: 12px; }
.events table { margin: 0; border: 0; width: 100%; }
.events th { position: sticky; top: 0; }
tr.event-trigger td, tr.event-restart-end td { background: #fff6d6; }
details { margin-bottom: 10px; }
summary { cursor: pointer; font-weight: 600; }
.swatch { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin-right: 6px; }
footer { max-width: 1180px; margin: 24px auto; padding: 0 20px; color: #777; font-size: 12px; }
`

/** A self-contained HTML report of one run: four charts, summary, assertions, events. */
export function renderReport (run: RunData): string {
  const [line] = timelines([run]) as [Timeline]
  const info = run.run
  const title = `${info.scenario}: ${info.policy} policy (seed ${info.seed})`
  const charts = chartData([run])
  const body = `
<header>
  <h1>Stampede run report: ${escapeHtml(title)}</h1>
  <p class="sub">Run ${escapeHtml(info.id)}, ${escapeHtml(info.nodes)} nodes${duration(run)}. Times are ${escapeHtml(line.triggerT === null ? 'seconds since the run started (no trigger recorded)' : `seconds since the trigger at ${line.triggerT.toFixed(1)} s into the run`)}.</p>
</header>
<main>
  <h2>Run</h2>
  ${runTable([run], [line])}
  <h2>Timeline</h2>
  ${chartCards(charts)}
  <h2>Summary</h2>
  ${summaryTable([run], [line])}
  <h2>Assertions</h2>
  ${assertionsTable(run)}
  <h2>Events</h2>
  ${eventsSection(run, line)}
</main>`
  return page(`Stampede report: ${title}`, body, charts)
}

/** The same figures with one line per run, a side-by-side summary, and each run's details. */
export function renderComparison (runs: RunData[]): string {
  if (runs.length === 0) {
    throw new RangeError('renderComparison needs at least one run')
  }
  const lines = timelines(runs)
  const scenarios = [...new Set(runs.map(run => run.run.scenario))].join(', ')
  const title = `${scenarios}: ${lines.map(line => line.label).join(' vs ')}`
  const charts = chartData(runs)
  const body = `
<header>
  <h1>Stampede comparison: ${escapeHtml(title)}</h1>
  <p class="sub">${runs.length} runs drawn on one time axis, ${escapeHtml(lines.every(line => line.triggerT !== null) ? 'seconds since each run\'s trigger' : 'seconds since each run started')}. Colour tells runs apart in the logged-in chart; elsewhere colour is the metric and the line style is the run (${lines.map(line => `${escapeHtml(line.label)}: ${line.dash.length === 0 ? 'solid' : 'dashed'}`).join(', ')}).</p>
</header>
<main>
  <h2>Runs</h2>
  ${runTable(runs, lines)}
  <h2>Timeline</h2>
  ${chartCards(charts)}
  <h2>Summary</h2>
  ${summaryTable(runs, lines)}
  <h2>Assertions and events by run</h2>
  ${runs.map((run, i) => `
  <h3><span class="swatch" style="background:${escapeHtml(lines[i]?.colour ?? '#000')}"></span>${escapeHtml(lines[i]?.label ?? run.run.id)}</h3>
  ${assertionsTable(run)}
  <details><summary>Events (${run.events.length})</summary>${eventsSection(run, lines[i] as Timeline)}</details>`).join('\n')}
</main>`
  return page(`Stampede comparison: ${title}`, body, charts)
}

function page (title: string, body: string, charts: ChartData[]): string {
  const assets = uplotAssets()
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${styleText(assets.style)}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
${body}
<footer>Made by @stampede/report with uPlot (MIT). Self-contained: works offline.</footer>
<script type="application/json" id="report-data">${jsonForScript({ charts })}</script>
<script>${scriptText(assets.script)}</script>
<script>${scriptText(PAGE_SCRIPT)}</script>
</body>
</html>
`
}

function chartCards (charts: ChartData[]): string {
  return charts.map(chart => `
  <figure class="chart-card">
    <div class="chart" id="chart-${escapeHtml(chart.id)}" role="img" aria-label="${escapeHtml(chart.title)}"></div>
    <figcaption>${escapeHtml(chart.caption)}</figcaption>
  </figure>`).join('')
}

function duration (run: RunData): string {
  const { startedAt, endedAt } = run.run
  if (startedAt === undefined) {
    return ''
  }
  const start = Date.parse(startedAt)
  const end = endedAt === undefined ? Number.NaN : Date.parse(endedAt)
  const span = Number.isFinite(start) && Number.isFinite(end) ? `, ${((end - start) / 1000).toFixed(0)} s long` : ''
  return `, started ${escapeHtml(startedAt)}${span}`
}

function runTable (runs: RunData[], lines: Timeline[]): string {
  const rows: Array<[string, (run: RunData, line: Timeline) => string]> = [
    ['Run id', run => run.run.id],
    ['Scenario', run => run.run.scenario],
    ['Policy', run => run.run.policy],
    ['Seed', run => String(run.run.seed)],
    ['Nodes', run => String(run.run.nodes)],
    ['Started', run => run.run.startedAt ?? MISSING],
    ['Ended', run => run.run.endedAt ?? MISSING],
    ['Trigger at', (_run, line) => line.triggerT === null ? 'not recorded' : `${line.triggerT.toFixed(1)} s into the run`],
    ['Last node back', (_run, line) => line.restartEnd === null ? 'not recorded' : `${line.restartEnd.toFixed(1)} s after the trigger`],
    ['Samples', run => String(run.series.t?.length ?? 0)],
    ['Host', run => {
      const host = run.run.host
      if (host === undefined) {
        return MISSING
      }
      const part = (value: unknown): string => value === undefined || value === null ? '?' : String(value)
      return `${part(host.cpus)} × ${part(host.cpuModel)}, ${part(host.memGiB)} GiB`
    }],
    ['Directory', run => run.dir]
  ]
  return `<table class="runs">
    <thead><tr><th></th>${lines.map(line => `<th><span class="swatch" style="background:${escapeHtml(line.colour)}"></span>${escapeHtml(line.label)}</th>`).join('')}</tr></thead>
    <tbody>${rows.map(([name, value]) => `
      <tr><th>${escapeHtml(name)}</th>${runs.map((run, i) => `<td>${escapeHtml(value(run, lines[i] as Timeline))}</td>`).join('')}</tr>`).join('')}
    </tbody>
  </table>`
}

function summaryTable (runs: RunData[], lines: Timeline[]): string {
  const header = runs.length === 1 ? '<th>Value</th>' : lines.map(line => `<th>${escapeHtml(line.label)}</th>`).join('')
  const rows = summaryRows(runs).map(row => `
      <tr><th>${escapeHtml(row.label)}</th>${runs.map((run, i) => {
        const line = lines[i] as Timeline
        const passed = row.passed?.(run, line)
        const cls = passed === undefined ? 'num' : `num ${passed ? 'pass' : 'fail'}`
        const mark = passed === undefined ? '' : passed ? ' ✓' : ' ✗'
        return `<td class="${cls}">${escapeHtml(row.value(run, line))}${mark}</td>`
      }).join('')}<td class="goal">${escapeHtml(row.goal)}</td></tr>`).join('')
  const extras = extraSummaryFields(runs).map(field => `
      <tr><th>${escapeHtml(field)}</th>${runs.map(run => `<td class="num">${escapeHtml(formatOther(run.summary[field]))}</td>`).join('')}<td class="goal"></td></tr>`).join('')
  return `<table class="summary">
    <thead><tr><th>Figure</th>${header}<th>Goal for the adaptive policy</th></tr></thead>
    <tbody>${rows}${extras}
    </tbody>
  </table>`
}

function assertionsTable (run: RunData): string {
  if (run.summary.assertions.length === 0) {
    return '<p class="sub">No assertions were recorded.</p>'
  }
  return `<table class="assertions">
    <thead><tr><th>Assertion</th><th>Result</th><th>Detail</th></tr></thead>
    <tbody>${run.summary.assertions.map(assertion => `
      <tr><td>${escapeHtml(assertion.name)}</td><td><span class="badge ${assertion.passed ? 'pass' : 'fail'}">${assertion.passed ? 'pass' : 'fail'}</span></td><td>${escapeHtml(assertion.detail)}</td></tr>`).join('')}
    </tbody>
  </table>`
}

function eventsSection (run: RunData, line: Timeline): string {
  const counts = new Map<string, number>()
  for (const event of run.events) {
    counts.set(event.type, (counts.get(event.type) ?? 0) + 1)
  }
  const offset = line.triggerT ?? 0
  const shown = run.events.slice(0, MAX_EVENT_ROWS)
  const hidden = run.events.length - shown.length
  const byType = [...counts].map(([type, count]) => `${escapeHtml(type)} ${count}`).join(', ')
  return `<p class="sub">${run.events.length} events${byType === '' ? '' : `: ${byType}`}.${hidden > 0 ? ` The first ${shown.length} are listed.` : ''}</p>
  <div class="events"><table>
    <thead><tr><th>since trigger</th><th>since start</th><th>type</th><th>details</th></tr></thead>
    <tbody>${shown.map(event => `
      <tr class="event-${escapeHtml(eventClass(event))}"><td class="num">${(event.t - offset).toFixed(1)} s</td><td class="num">${event.t.toFixed(1)} s</td><td>${escapeHtml(event.type)}</td><td>${escapeHtml(eventDetails(event))}</td></tr>`).join('')}
    </tbody>
  </table></div>`
}

function eventClass (event: RunEvent): string {
  return event.type === TRIGGER_EVENT || event.type === RESTART_END_EVENT ? event.type : 'other'
}

function eventDetails (event: RunEvent): string {
  return Object.entries(event)
    .filter(([key]) => key !== 't' && key !== 'type')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
}
