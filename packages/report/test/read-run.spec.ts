import assert from 'node:assert/strict'
import { mkdtemp, rm, unlink, writeFile, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RunDataError, readRun } from '../src/index.js'
import { FIXTURE_SUMMARIES, makeRunDir } from './fixtures.js'

describe('readRun', () => {
  let root: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stampede-report-read-'))
  })

  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('reads run info, every numeric column, phases, events in time order and the summary', async () => {
    const dir = await makeRunDir(root, { policy: 'legacy' })
    const run = await readRun(dir)
    assert.equal(run.dir, dir)
    assert.equal(run.run.policy, 'legacy')
    assert.equal(run.run.scenario, 'patch-tuesday')
    assert.equal(run.run.nodes, 40)
    assert.equal(run.run.host?.cpus, 2)
    assert.equal(run.series.t?.length, 300)
    assert.equal(run.series.t?.[0], 0)
    assert.equal(run.series.t?.[299], 299)
    for (const column of ['online', 'loggedInShare', 'capacity', 'demand', 'loginAttempts', 'clientsPerSnGini', 'hostCpu']) {
      assert.equal(run.series[column]?.length, 300, column)
      assert.ok(run.series[column]?.every(value => typeof value === 'number'), column)
    }
    assert.equal(run.series.phase, undefined, 'phase is not a numeric series')
    assert.equal(run.phases.length, 300)
    assert.equal(run.phases[45], 'steady')
    assert.equal(run.phases[70], 'mass restart')
    assert.ok(run.series.rttMsP50 !== undefined, 'an extra column is kept')
    const times = run.events.map(event => event.t)
    assert.deepEqual(times, [...times].sort((a, b) => a - b))
    assert.equal(run.events.find(event => event.type === 'trigger')?.t, 60)
    assert.equal(run.events.find(event => event.type === 'restart-end')?.count, 24)
    assert.equal(run.summary.attemptsPerLogin, FIXTURE_SUMMARIES.legacy.attemptsPerLogin)
    assert.equal(run.summary.recovery95Seconds, null)
    assert.equal(run.summary.assertionsPassed, false)
    assert.equal(run.summary.assertions.length, 3)
    assert.equal(run.summary.scenarioVersion, 2)
  })

  it('turns empty, non-numeric and absent cells into null gaps and reads quoted cells', async () => {
    const dir = await makeRunDir(join(root, 'gaps'), { policy: 'adaptive', gaps: true })
    const run = await readRun(dir)
    const share = run.series.loggedInShare ?? []
    assert.equal(share.length, 300)
    assert.deepEqual(share.slice(100, 103), [null, null, null])
    assert.equal(typeof share[99], 'number')
    assert.equal(run.series.online?.[150], null)
    assert.equal(run.series.t?.[150], 150)
    assert.equal(run.series.loggedInShare?.[200], share[200])
    assert.equal(typeof run.series.loggedInShare?.[200], 'number')
    assert.equal(run.series.capacity?.[200], null, 'a short row pads with nulls')
    assert.equal(run.series.loginAttempts?.[210], null, 'NaN is a gap')
    assert.equal(run.phases[210], 'aftermath, late')
  })

  it('tolerates CRLF line ends, a BOM, reordered and unknown columns, and rows out of order', async () => {
    const dir = await makeRunDir(join(root, 'crlf'), { policy: 'adaptive' })
    await writeFile(join(dir, 'timeseries.csv'),
      '\uFEFFextra,loggedInShare,t\r\nx,0.5,2\r\n,0.25,1\r\n\r\ny,,3\r\nz,0.7,\r\n')
    const run = await readRun(dir)
    assert.deepEqual(run.series.t, [1, 2, 3], 'a row without t is dropped; rows sorted by t')
    assert.deepEqual(run.series.loggedInShare, [0.25, 0.5, null])
    assert.deepEqual(run.series.extra, [null, null, null])
    assert.deepEqual(run.phases, ['', '', ''])
  })

  for (const file of ['run.json', 'timeseries.csv', 'events.jsonl', 'summary.json']) {
    it(`throws RunDataError naming ${file} when it is missing`, async () => {
      const dir = await makeRunDir(join(root, `missing-${file}`), { policy: 'legacy' })
      await unlink(join(dir, file))
      await assert.rejects(readRun(dir), (err: unknown) => {
        assert.ok(err instanceof RunDataError)
        assert.equal(err.name, 'RunDataError')
        assert.equal(err.file, join(dir, file))
        assert.match(err.message, new RegExp(`${file.replace('.', '\\.')}: missing`))
        return true
      })
    })
  }

  const malformed: Array<[string, string, RegExp]> = [
    ['run.json', '{ "id": "x", ', /run\.json: invalid JSON/],
    ['run.json', '[1, 2]', /run\.json: expected a JSON object/],
    ['run.json', '{ "id": "x", "scenario": "s", "policy": "legacy", "seed": "7", "nodes": 4 }', /run\.json: "seed" must be a finite number/],
    ['run.json', '{ "id": "x", "scenario": "s", "policy": "legacy", "seed": 7, "nodes": 4, "host": "big" }', /run\.json: "host" must be an object/],
    ['timeseries.csv', '', /timeseries\.csv: empty/],
    ['timeseries.csv', 'time,online\n1,2\n', /timeseries\.csv: the header has no "t" column/],
    ['timeseries.csv', 't,phase\n1,"unclosed\n', /timeseries\.csv: a quoted cell is never closed/],
    ['events.jsonl', '{"t": 1, "type": "trigger"}\nnot json\n', /events\.jsonl: line 2: invalid JSON/],
    ['events.jsonl', '{"t": "soon", "type": "trigger"}\n', /events\.jsonl: line 1: "t" must be a finite number/],
    ['events.jsonl', '{"t": 3}\n', /events\.jsonl: line 1: "type" must be a string/],
    ['summary.json', '{ "attemptsPerLogin": "many" }', /summary\.json: "attemptsPerLogin" must be a finite number or null/],
    ['summary.json', '{ "assertions": [{ "name": "x" }] }', /summary\.json: assertions\[0\] must be/],
    ['summary.json', 'null', /summary\.json: expected a JSON object/]
  ]
  malformed.forEach(([file, content, message], index) => {
    it(`throws RunDataError for a malformed ${file} (${index})`, async () => {
      const dir = await makeRunDir(join(root, `malformed-${index}`), { policy: 'adaptive' })
      await writeFile(join(dir, file), content)
      await assert.rejects(readRun(dir), (err: unknown) => {
        assert.ok(err instanceof RunDataError, String(err))
        assert.equal(err.file, join(dir, file))
        assert.match(err.message, message)
        return true
      })
    })
  })

  it('accepts a summary without assertions and a run.json without times (or a null end) or host', async () => {
    const dir = await makeRunDir(join(root, 'minimal'), { policy: 'adaptive' })
    await writeFile(join(dir, 'summary.json'), '{ "policy": "adaptive", "recovery95Seconds": null }')
    const info = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>
    delete info.startedAt
    info.endedAt = null
    delete info.host
    await writeFile(join(dir, 'run.json'), JSON.stringify(info))
    const run = await readRun(dir)
    assert.deepEqual(run.summary.assertions, [])
    assert.equal(run.summary.recovery95Seconds, null)
    assert.equal(run.summary.attemptsPerLogin, undefined)
    assert.equal(run.run.host, undefined)
    assert.equal(run.run.endedAt, undefined, 'a null end time reads as absent')
  })
})
