import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { writeComparison, writeReport } from '../src/index.js'
import { makeRunDir } from './fixtures.js'

/** Debian's Chromium, as scripts/ensure-chromium.sh installs it. */
const CHROMIUM = process.env.STAMPEDE_CHROMIUM ?? '/usr/bin/chromium'
/** Set to a folder to keep the screenshots the test takes. */
const SCREENSHOT_DIR = process.env.STAMPEDE_REPORT_SCREENSHOTS
const CHART_COUNT = 4
const MISSING_CHROMIUM = `Chromium is missing at ${CHROMIUM}: run scripts/ensure-chromium.sh (as root it installs Debian's chromium package), or set STAMPEDE_CHROMIUM`

interface CanvasCheck {
  chart: string
  width: number
  height: number
  colours: number
  painted: number
  /** pixels close to each asked-for colour */
  matches: number[]
}

interface OpenedPage {
  page: Page
  context: BrowserContext
  problems: string[]
  blocked: string[]
}

/** Reads back every chart canvas: size, distinct colours, painted pixels, pixels of given colours. */
function canvasCheckScript (colours: string[]): string {
  return `(() => {
    const wanted = ${JSON.stringify(colours)}.map(hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)))
    return [...document.querySelectorAll('.uplot')].map(plot => {
      const canvas = plot.querySelector('canvas')
      const ctx = canvas.getContext('2d')
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
      const colours = new Set()
      const matches = wanted.map(() => 0)
      let painted = 0
      for (let i = 0; i < data.length; i += 4) {
        colours.add(((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0)
        if (data[i + 3] !== 0) painted++
        if (data[i + 3] > 200) {
          wanted.forEach((rgb, w) => {
            if (Math.abs(rgb[0] - data[i]) < 24 && Math.abs(rgb[1] - data[i + 1]) < 24 && Math.abs(rgb[2] - data[i + 2]) < 24) matches[w]++
          })
        }
      }
      return {
        chart: plot.parentElement.id,
        width: canvas.width,
        height: canvas.height,
        colours: colours.size,
        painted,
        matches
      }
    })
  })()`
}

describe('report pages in headless Chromium', { timeout: 120_000 }, () => {
  let root: string
  let browser: Browser | undefined
  let reportPath: string
  let comparisonPath: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stampede-report-browser-'))
    const legacyDir = await makeRunDir(root, { policy: 'legacy' })
    const adaptiveDir = await makeRunDir(root, { policy: 'adaptive', gaps: true })
    reportPath = await writeReport(legacyDir)
    comparisonPath = await writeComparison([legacyDir, adaptiveDir], join(root, 'comparison'))
    if (!existsSync(CHROMIUM)) {
      // every test fails with MISSING_CHROMIUM: a missing browser must not pass as skipped
      return
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync']
    })
  })

  after(async () => {
    await browser?.close()
    if (root !== undefined) {
      await rm(root, { recursive: true, force: true })
    }
  })

  async function open (path: string): Promise<OpenedPage> {
    if (browser === undefined) {
      assert.fail(MISSING_CHROMIUM)
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 })
    const problems: string[] = []
    const blocked: string[] = []
    await context.route('**/*', async route => {
      const url = route.request().url()
      if (url.startsWith('file:')) {
        await route.continue()
      } else {
        blocked.push(url)
        await route.abort()
      }
    })
    const page = await context.newPage()
    page.on('pageerror', err => problems.push(`page error: ${err.message}`))
    page.on('console', message => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`)
      }
    })
    page.on('requestfailed', request => {
      if (!blocked.includes(request.url())) {
        problems.push(`request failed: ${request.url()}`)
      }
    })
    await page.goto(pathToFileURL(path).href)
    await page.waitForFunction('document.documentElement.getAttribute("data-charts-ready") !== null', undefined, { timeout: 20_000 })
    return { page, context, problems, blocked }
  }

  async function checkCharts (opened: OpenedPage, runColours: string[]): Promise<CanvasCheck[]> {
    const { page, problems, blocked } = opened
    assert.equal(await page.locator('.uplot').count(), CHART_COUNT)
    assert.equal(await page.getAttribute('html', 'data-charts-ready'), String(CHART_COUNT))
    const titles = await page.locator('.uplot .u-title').allTextContents()
    assert.deepEqual(titles, [
      'Logged-in share of online peers',
      'Supernode supply against demand',
      'Login attempts per second',
      'Clients per supernode and supernode utilisation'
    ])
    const checks = await page.evaluate(canvasCheckScript(['#444444', ...runColours])) as CanvasCheck[]
    assert.equal(checks.length, CHART_COUNT)
    for (const check of checks) {
      assert.ok(check.width > 300 && check.height > 200, `${check.chart}: canvas ${check.width}x${check.height}`)
      assert.ok(check.colours > 10, `${check.chart}: ${check.colours} distinct colours, so something was drawn`)
      assert.ok(check.painted > 2000, `${check.chart}: ${check.painted} painted pixels`)
      assert.ok((check.matches[0] ?? 0) > 150, `${check.chart}: the trigger marker is drawn (${check.matches[0]} px)`)
    }
    const loggedIn = checks[0]
    assert.equal(loggedIn?.chart, 'chart-logged-in')
    runColours.forEach((colour, i) => {
      const pixels = loggedIn?.matches[i + 1] ?? 0
      assert.ok(pixels > 300, `the logged-in line of run ${i} (${colour}) is drawn: ${pixels} px`)
    })
    // every chart's axes are labelled and its legend names the series
    const legends = await page.locator('.uplot .u-legend').allTextContents()
    assert.equal(legends.length, CHART_COUNT)
    assert.match(legends[0] ?? '', /seconds since trigger/)
    assert.deepEqual(problems, [])
    assert.deepEqual(blocked, [], 'the page asks for nothing but itself')
    return checks
  }

  async function summaryText (page: Page): Promise<string> {
    return await page.locator('table.summary').innerText()
  }

  it('draws the four charts of a report and shows the run\'s figures', async () => {
    const opened = await open(reportPath)
    try {
      await checkCharts(opened, ['#d62728'])
      const summary = await summaryText(opened.page)
      assert.match(summary, /Login attempts per successful login\s+14\.62 ×/)
      assert.match(summary, /Login-server peak load, multiple of steady state\s+38\.50 ×/)
      assert.match(summary, /Time to recover to 95 % logged-in\s+not reached/)
      assert.match(summary, /Lowest logged-in share\s+8\.3 %/)
      assert.match(summary, /Supernode demotions for overload\s+6/)
      assert.match(summary, /Messages per node per second\s+12\.41 msg\/s/)
      assert.match(summary, /Assertions passed\s+no \(1 of 3\)/)
      assert.match(summary, /scenarioVersion\s+2/)
      const assertions = await opened.page.locator('table.assertions').innerText()
      assert.match(assertions, /no process crashed\s+pass/)
      assert.match(assertions, /attempts per login below 1\.2\s+fail/)
      const events = await opened.page.locator('.events').innerText()
      assert.match(events, /0\.0 s\s+60\.0 s\s+trigger/)
      assert.match(events, /35\.0 s\s+95\.0 s\s+restart-end/)
      const png = await opened.page.screenshot({ fullPage: true })
      assert.ok(png.length > 20_000)
      if (SCREENSHOT_DIR !== undefined) {
        await mkdir(SCREENSHOT_DIR, { recursive: true })
        await opened.page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true })
      }
    } finally {
      await opened.context.close()
    }
  })

  it('overlays the runs in a comparison and shows their figures side by side', async () => {
    const opened = await open(comparisonPath)
    try {
      await checkCharts(opened, ['#d62728', '#1f77b4'])
      const summary = await summaryText(opened.page)
      assert.match(summary, /Figure\s+legacy\s+adaptive/)
      assert.match(summary, /Login attempts per successful login\s+14\.62 ×\s*✗\s+1\.12 ×\s*✓\s+< 1\.2/)
      assert.match(summary, /Time to recover to 95 % logged-in\s+not reached\s*✗\s+71\.5 s\s*✓/)
      assert.match(summary, /Time to recover to 50 % logged-in\s+not reached\s+3\.0 s/)
      const legend = await opened.page.locator('#chart-login-load .u-legend').innerText()
      assert.match(legend, /attempts · legacy/)
      assert.match(legend, /attempts · adaptive/)
      // the page is not wider than the window
      const overflow = await opened.page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as number
      assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`)
      const path = join(SCREENSHOT_DIR ?? root, 'comparison.png')
      await mkdir(SCREENSHOT_DIR ?? root, { recursive: true })
      await opened.page.screenshot({ path, fullPage: true })
      const png = await readFile(path)
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG')
    } finally {
      await opened.context.close()
    }
  })
})
