import assert from 'node:assert/strict'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  RunDataError, readRun, renderComparison, renderFigureSvg, renderReport, writeComparison, writeReport
} from '../src/index.js'
import { makeRunDir } from './fixtures.js'

/** The JSON the page script reads. */
function pageData (html: string): { charts: Array<{ id: string, series: Array<{ label: string }>, tables: unknown[][] }> } {
  const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1]
  assert.ok(json !== undefined, 'the page holds its data')
  return JSON.parse(json) as ReturnType<typeof pageData>
}

describe('writeReport and writeComparison', () => {
  let root: string
  let legacyDir: string
  let adaptiveDir: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stampede-report-write-'))
    legacyDir = await makeRunDir(root, { policy: 'legacy' })
    adaptiveDir = await makeRunDir(root, { policy: 'adaptive' })
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('writeReport writes report.html and figure.svg beside the run and returns the html path', async () => {
    const path = await writeReport(legacyDir)
    assert.equal(path, join(legacyDir, 'report.html'))
    const html = await readFile(path, 'utf8')
    const svg = await readFile(join(legacyDir, 'figure.svg'), 'utf8')
    assert.match(html, /^<!doctype html>/)
    assert.match(html, /var uPlot=function/, 'uPlot is inlined')
    assert.match(html, /\.uplot/, 'uPlot css is inlined')
    assert.doesNotMatch(html, /<script[^>]+src=|<link /, 'nothing is loaded from elsewhere')
    assert.match(svg, /^<svg /)
    const data = pageData(html)
    assert.deepEqual(data.charts.map(chart => chart.id), ['logged-in', 'supply', 'login-load', 'spread'])
    assert.equal(data.charts[0]?.tables.length, 1)
    assert.equal(data.charts[0]?.tables[0]?.length, 2, 't and the logged-in share')
    assert.match(html, /14\.62 ×/)
    assert.match(html, /not reached/)
    assert.match(html, /recovers to 95 % of the pre-trigger share/)
  })

  it('writeComparison makes the output folder and writes comparison.html and figure.svg', async () => {
    const outDir = join(root, 'out', 'nested')
    const path = await writeComparison([legacyDir, adaptiveDir], outDir)
    assert.equal(path, join(outDir, 'comparison.html'))
    await access(join(outDir, 'figure.svg'))
    const html = await readFile(path, 'utf8')
    const data = pageData(html)
    assert.equal(data.charts.length, 4)
    for (const chart of data.charts) {
      assert.equal(chart.tables.length, 2, `${chart.id}: one table per run`)
    }
    assert.deepEqual(data.charts[0]?.series.map(series => series.label), ['legacy', 'adaptive'])
    assert.ok(data.charts[2]?.series.some(series => series.label === 'attempts · adaptive'))
    assert.match(html, /14\.62 ×/)
    assert.match(html, /1\.12 ×/)
    const svg = await readFile(join(outDir, 'figure.svg'), 'utf8')
    assert.equal([...svg.matchAll(/<path class="run-line"/g)].length, 2)
  })

  it('fails with RunDataError when a run directory is not a run', async () => {
    await assert.rejects(writeReport(join(root, 'nowhere')), RunDataError)
    await assert.rejects(writeComparison([legacyDir, join(root, 'nowhere')], join(root, 'out2')), RunDataError)
    await assert.rejects(writeComparison([], join(root, 'out3')), RangeError)
  })

  it('escapes every text it puts into the page', async () => {
    const hostile = '</script><script>alert("x")</script><b>&amp;'
    const dir = await makeRunDir(join(root, 'hostile'), {
      policy: 'adaptive',
      run: { scenario: hostile, id: '<i>id</i>', policy: 'adaptive</script><b>' },
      events: [{ t: 70, type: '<img src=x onerror=alert(1)>', note: hostile }]
    })
    const run = await readRun(dir)
    run.summary.assertions.push({ name: hostile, passed: false, detail: '<u>detail</u>' })
    run.summary['<weird field>'] = '<value>'
    const other = await readRun(adaptiveDir)
    for (const html of [renderReport(run), renderComparison([run, other])]) {
      assert.equal([...html.matchAll(/<script/g)].length, 3, 'only the data, uPlot and page scripts')
      assert.doesNotMatch(html, /<script>alert/)
      assert.doesNotMatch(html, /<img /)
      assert.doesNotMatch(html, /<b>|<i>|<u>/)
      assert.match(html, /&lt;\/script&gt;&lt;script&gt;alert\(&quot;x&quot;\)/)
      assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/)
      assert.match(html, /&lt;weird field&gt;/)
      assert.match(html, /&amp;amp;/)
    }
    const data = pageData(renderComparison([run, other]))
    assert.deepEqual(data.charts[0]?.series.map(series => series.label), ['adaptive</script><b>', 'adaptive'],
      'labels survive the trip through the page data')
  })

  it('renders a run without a trigger or without samples', async () => {
    const dir = await makeRunDir(join(root, 'odd'), { policy: 'legacy' })
    await writeFile(join(dir, 'events.jsonl'), '{"t": 3, "type": "inject"}\n')
    const untriggered = await readRun(dir)
    const html = renderReport(untriggered)
    assert.match(html, /seconds since run start/)
    assert.doesNotMatch(html.replace(/<script>[^]*?<\/script>/g, ''), /NaN|Infinity/)
    assert.ok(pageData(html).charts.every(chart => chart.tables.length === 1))
    const svg = renderFigureSvg([untriggered])
    assert.doesNotMatch(svg, /NaN|Infinity|marker trigger/)

    await writeFile(join(dir, 'timeseries.csv'), 't,phase,loggedInShare\n')
    const empty = await readRun(dir)
    assert.deepEqual(empty.series.t, [])
    for (const markup of [renderReport(empty), renderComparison([empty, untriggered]), renderFigureSvg([empty, untriggered])]) {
      // uPlot's own code is left out of the look
      assert.doesNotMatch(markup.replace(/<script>[^]*?<\/script>/g, ''), /NaN|Infinity/)
    }
  })

  it('shows the optional figures a recorder adds, and only where one is present', async () => {
    const run = await readRun(adaptiveDir)
    assert.doesNotMatch(renderReport(run), /Peak host CPU|Login-server requests, peak/)
    Object.assign(run.summary, {
      finalLoggedInShare: 0.9634,
      belowHalfSeconds: 12.25,
      loginServerPeakRequestsPerSecond: 7.5,
      peakHostCpu: 0.81,
      markers: { trigger: 60, restartEnd: 95, inject: null }
    })
    const html = renderReport(run)
    assert.match(html, /Logged-in share at the end of the run<\/th><td class="num pass">96\.3 % ✓/)
    assert.match(html, /Time below half logged-in after the last restart<\/th><td class="num">12\.3 s/)
    assert.match(html, /Login-server requests, peak<\/th><td class="num">7\.50 req\/s/)
    assert.match(html, /Peak host CPU<\/th><td class="num">81\.0 %/)
    assert.doesNotMatch(html, /Login-server requests, steady state/)
    assert.doesNotMatch(html, /<th>markers<\/th>/)
  })

  it('refuses to compare no runs', () => {
    assert.throws(() => renderComparison([]), RangeError)
  })
})
