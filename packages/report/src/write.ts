import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { COMPARISON_FILE, FIGURE_FILE, REPORT_FILE } from './constants.js'
import { renderFigureSvg } from './figure-svg.js'
import { renderComparison, renderReport } from './html.js'
import { readRun } from './run-data.js'

/** Reads the run in `dir`, writes `report.html` and `figure.svg` beside it; returns the HTML path. */
export async function writeReport (dir: string): Promise<string> {
  const run = await readRun(dir)
  const htmlPath = join(dir, REPORT_FILE)
  await writeFile(htmlPath, renderReport(run), 'utf8')
  await writeFile(join(dir, FIGURE_FILE), renderFigureSvg([run]), 'utf8')
  return htmlPath
}

/**
 * Reads the runs in `dirs` (legacy and adaptive, say), writes `comparison.html` and
 * `figure.svg` to `outDir` (made if missing); returns the HTML path.
 */
export async function writeComparison (dirs: string[], outDir: string): Promise<string> {
  if (dirs.length === 0) {
    throw new RangeError('writeComparison needs at least one run directory')
  }
  const runs = await Promise.all(dirs.map(async dir => readRun(dir)))
  await mkdir(outDir, { recursive: true })
  const htmlPath = join(outDir, COMPARISON_FILE)
  await writeFile(htmlPath, renderComparison(runs), 'utf8')
  await writeFile(join(outDir, FIGURE_FILE), renderFigureSvg(runs), 'utf8')
  return htmlPath
}
