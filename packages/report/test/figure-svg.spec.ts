import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { RunData } from '../src/index.js'
import { readRun, renderFigureSvg } from '../src/index.js'
import { makeRunDir } from './fixtures.js'
import { xmlProblems } from './xml.js'

function count (text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length
}

describe('renderFigureSvg', () => {
  let root: string
  let legacy: RunData
  let adaptive: RunData
  let gappy: RunData

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stampede-report-svg-'))
    legacy = await readRun(await makeRunDir(root, { policy: 'legacy' }))
    adaptive = await readRun(await makeRunDir(root, { policy: 'adaptive', restartEndAt: 100 }))
    gappy = await readRun(await makeRunDir(join(root, 'gaps'), { policy: 'adaptive', gaps: true }))
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('is a well-formed standalone SVG with one line per run', () => {
    const svg = renderFigureSvg([legacy, adaptive])
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="800" height="420" viewBox="0 0 800 420"/)
    assert.match(svg, /<\/svg>\n$/)
    assert.deepEqual(xmlProblems(svg), [])
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/)
    assert.equal(count(svg, /<path class="run-line"/g), 2)
    assert.match(svg, /<path class="run-line" data-run="legacy" d="M[\d.]+ [\d.]+L/)
    assert.match(svg, /<path class="run-line" data-run="adaptive" d="M[\d.]+ [\d.]+L/)
    assert.equal(count(svg, /<path /g), 2, 'no other paths')
  })

  it('marks the trigger, each run\'s last restart, the pre-trigger level and the 95 % goal', () => {
    const svg = renderFigureSvg([legacy, adaptive])
    assert.equal(count(svg, /<line class="marker trigger"/g), 1)
    assert.equal(count(svg, /<line class="marker restart-end"/g), 2)
    assert.equal(count(svg, /<line class="level pre-trigger"/g), 2)
    assert.equal(count(svg, /<line class="level recovery-goal"/g), 2)
    assert.match(svg, />legacy: before trigger 9\d\.\d %, 95 % of it 9\d\.\d %</)
    assert.match(svg, />trigger</)
    assert.match(svg, />last node back \(legacy\)</)
    assert.match(svg, />last node back \(adaptive\)</)
    assert.match(svg, />seconds since trigger</)

    // the trigger sits at t = 0 and the restart markers where the runs put them
    const xOf = (kind: string, nth = 0): number => {
      const lines = [...svg.matchAll(new RegExp(`<line class="marker ${kind}" x1="([\\d.]+)"`, 'g'))]
      return Number(lines[nth]?.[1])
    }
    const trigger = xOf('trigger')
    const legacyEnd = xOf('restart-end', 0)
    const adaptiveEnd = xOf('restart-end', 1)
    assert.ok(trigger < legacyEnd && legacyEnd < adaptiveEnd, `${trigger} < ${legacyEnd} < ${adaptiveEnd}`)
  })

  it('draws runs back at the same time with one restart marker', () => {
    const svg = renderFigureSvg([legacy, gappy])
    assert.equal(count(svg, /<line class="marker restart-end"/g), 1)
    assert.match(svg, />last node back \(legacy, adaptive\)</)
  })

  it('breaks a run\'s line at recorded gaps', () => {
    const svg = renderFigureSvg([gappy])
    const d = /<path class="run-line" data-run="adaptive" d="([^"]*)"/.exec(svg)?.[1] ?? ''
    assert.equal(count(d, /M/g), 3, 'one move at the start and one after each gap')
    assert.deepEqual(xmlProblems(svg), [])
  })

  it('takes a title and size, and escapes text', () => {
    const svg = renderFigureSvg([adaptive], { title: 'Share <logged in> & "healthy"', width: 640, height: 300 })
    assert.match(svg, /width="640" height="300" viewBox="0 0 640 300"/)
    assert.match(svg, /Share &lt;logged in&gt; &amp; &quot;healthy&quot;/)
    assert.doesNotMatch(svg, /<logged in>/)
    assert.deepEqual(xmlProblems(svg), [])
    assert.equal(count(svg, /<path class="run-line"/g), 1)
    assert.match(svg, />last node back</)
  })

  it('refuses an empty list of runs', () => {
    assert.throws(() => renderFigureSvg([]), RangeError)
  })
})
