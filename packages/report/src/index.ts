/**
 * @packageDocumentation
 *
 * Stampede run reports. Turns the recorded timeline of a scenario run (`run.json`,
 * `timeseries.csv`, `events.jsonl`, `summary.json`) into a self-contained HTML page with
 * uPlot charts (uPlot and the data inlined, so it opens offline from file://), a
 * comparison page overlaying several runs, and a standalone SVG of the main figure for
 * a README, drawn without a browser.
 */
export * from './constants.js'
export { RunDataError } from './errors.js'
export { readRun } from './run-data.js'
export type { RunData, RunInfo, RunEvent, RunSummary, RunAssertion, HostInfo } from './run-data.js'
export { renderReport, renderComparison } from './html.js'
export { renderFigureSvg } from './figure-svg.js'
export type { FigureOptions } from './figure-svg.js'
export { writeReport, writeComparison } from './write.js'
