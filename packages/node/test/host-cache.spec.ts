import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it, mock } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { manualClock, seededRandom } from '@stampede/allocation'
import { HostCache } from '../src/index.js'
import { fileHandlePrototype, makeTempDir, removeTempDir, waitFor } from './helpers.js'
import type { ChildProcess } from 'node:child_process'

const addr = (port: number): string => `/ip4/127.0.0.1/tcp/${port}`

function ids (cache: HostCache): string[] {
  return cache.ordered().map(e => e.id)
}

describe('HostCache in memory', () => {
  it('holds at most maxEntries and evicts the stalest entry', () => {
    const clock = manualClock(1_000)
    const cache = new HostCache({ clock, maxEntries: 3 })
    cache.seen('a', [addr(1)])
    clock.advance(10)
    cache.seen('b', [addr(2)])
    clock.advance(10)
    cache.seen('c', [addr(3)])
    clock.advance(10)
    cache.seen('a', [addr(1)]) // a is now the freshest, b the stalest
    clock.advance(10)
    cache.seen('d', [addr(4)])
    assert.equal(cache.size, 3)
    assert.equal(cache.get('b'), undefined)
    assert.deepEqual(ids(cache), ['d', 'a', 'c'])
    for (let i = 0; i < 50; i++) {
      clock.advance(1)
      cache.seen(`x${i}`, [addr(100 + i)])
      assert.ok(cache.size <= 3)
    }
    assert.deepEqual(ids(cache), ['x49', 'x48', 'x47'])
  })

  it('evicts an entry with failures before a staler one without', () => {
    const clock = manualClock(0)
    const cache = new HostCache({ clock, maxEntries: 2 })
    cache.seen('old', [addr(1)])
    clock.advance(10)
    cache.seen('failing', [addr(2)])
    cache.failed('failing')
    clock.advance(10)
    cache.seen('new', [addr(3)])
    assert.deepEqual(ids(cache).sort(), ['new', 'old'])
  })

  it('forgets an entry after maxFailures consecutive failures, and seen() resets the count', () => {
    const clock = manualClock(0)
    const cache = new HostCache({ clock, maxFailures: 3 })
    cache.seen('sn', [addr(1)])
    cache.failed('sn')
    cache.failed('sn')
    assert.equal(cache.get('sn')?.failures, 2)
    cache.seen('sn', [])
    assert.equal(cache.get('sn')?.failures, 0, 'seen() clears the failure count')
    assert.deepEqual(cache.get('sn')?.addrs, [addr(1)], 'seen() without addresses keeps the known ones')
    cache.failed('sn')
    cache.failed('sn')
    clock.advance(5)
    assert.ok(cache.get('sn') != null)
    cache.failed('sn')
    assert.equal(cache.get('sn'), undefined)
    assert.equal(cache.size, 0)
    cache.failed('unknown') // no entry: nothing happens
    assert.equal(cache.size, 0)
  })

  it('orders entries by fewest failures, then most recently seen', () => {
    const clock = manualClock(0)
    const cache = new HostCache({ clock, maxFailures: 10 })
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      clock.set(100 * (i + 1))
      cache.seen(id, [addr(i + 1)])
    }
    clock.set(1_000)
    cache.failed('e')
    cache.failed('e')
    cache.failed('d')
    cache.failed('a')
    assert.deepEqual(ids(cache), ['c', 'b', 'd', 'a', 'e'])
    const first = cache.ordered()[0]
    assert.equal(first?.lastSeenMs, 300)
    assert.equal(cache.get('e')?.lastFailureMs, 1_000)
  })

  it('ignores a new entry without addresses and keeps at most 8 bounded addresses', () => {
    const cache = new HostCache({ clock: manualClock(0) })
    cache.seen('none', [])
    assert.equal(cache.size, 0)
    const many = Array.from({ length: 20 }, (_, i) => addr(i + 1))
    cache.seen('many', [`/dns4/${'x'.repeat(300)}/tcp/1`, ...many])
    assert.deepEqual(cache.get('many')?.addrs, many.slice(0, 8))
  })

  it('hands out copies, so a caller cannot change the cache', () => {
    const cache = new HostCache({ clock: manualClock(0) })
    cache.seen('a', [addr(1)])
    const e = cache.get('a')
    assert.ok(e != null)
    e.addrs.push(addr(2))
    e.failures = 99
    cache.ordered()[0]?.addrs.push(addr(3))
    assert.deepEqual(cache.get('a'), { id: 'a', addrs: [addr(1)], lastSeenMs: 0, failures: 0, lastFailureMs: 0 })
    cache.remove('a')
    assert.equal(cache.size, 0)
  })
})

describe('HostCache on disk', () => {
  let dir: string
  before(async () => { dir = await makeTempDir() })
  after(async () => { await removeTempDir(dir) })

  it('writes its file without fsync (a cache: the process crashes it is made for leave it in the page cache)', async () => {
    const sync = mock.method(await fileHandlePrototype(dir), 'sync')
    try {
      const cache = new HostCache({ clock: manualClock(0), path: join(dir, 'no-fsync.json') })
      cache.seen('peer-1', [addr(1)])
      await cache.flush()
      assert.equal(sync.mock.callCount(), 0)
    } finally {
      sync.mock.restore()
    }
    assert.match(await readFile(join(dir, 'no-fsync.json'), 'utf8'), /peer-1/)
  })

  it('round-trips its entries through flush() and load()', async () => {
    const path = join(dir, 'round-trip.json')
    const clock = manualClock(5_000)
    const cache = new HostCache({ clock, path, maxFailures: 5 })
    for (let i = 0; i < 10; i++) {
      clock.advance(7)
      cache.seen(`peer-${i}`, [addr(i + 1), `/ip6/::1/tcp/${i + 1}`])
    }
    cache.failed('peer-3')
    cache.remove('peer-9')
    await cache.flush()

    const corrupt: string[] = []
    const loaded = new HostCache({ clock: manualClock(0), path, onCorrupt: (r) => { corrupt.push(r) } })
    await loaded.load()
    assert.deepEqual(corrupt, [])
    assert.equal(loaded.size, 9)
    assert.deepEqual(loaded.ordered(), cache.ordered())
  })

  it('coalesces writes and saves on its own after saveDelayMs', async () => {
    const path = join(dir, 'coalesced.json')
    const cache = new HostCache({ clock: manualClock(0), path, saveDelayMs: 20 })
    cache.seen('a', [addr(1)])
    cache.seen('b', [addr(2)])
    const text = await waitFor('the scheduled save', async () => readFile(path, 'utf8'), 2_000)
    const parsed = JSON.parse(text) as { entries: Array<{ id: string }> }
    assert.deepEqual(parsed.entries.map(e => e.id), ['a', 'b'])
  })

  it('treats a missing file as an empty cache, without calling onCorrupt', async () => {
    let called = 0
    const cache = new HostCache({ clock: manualClock(0), path: join(dir, 'missing.json'), onCorrupt: () => { called++ } })
    await cache.load()
    assert.equal(cache.size, 0)
    assert.equal(called, 0)
  })

  const corruptCases: Array<{ name: string, text: string, reason: RegExp }> = [
    { name: 'garbage', text: '\u0000\u0001not json at all {{{', reason: /not JSON/ },
    { name: 'truncated JSON', text: '{"version":1,"entries":[{"id":"a","addrs":["/ip4/1.2.3.4/tcp/1"],"lastSe', reason: /not JSON/ },
    { name: 'an array instead of an object', text: '[1,2,3]', reason: /no entries array/ },
    { name: 'entries not an array', text: '{"version":1,"entries":{"a":1}}', reason: /no entries array/ },
    { name: 'null', text: 'null', reason: /no entries array/ }
  ]
  for (const c of corruptCases) {
    it(`starts empty from a corrupt file (${c.name}) and reports it`, async () => {
      const path = join(dir, `corrupt-${c.name.replace(/\W+/g, '-')}.json`)
      await writeFile(path, c.text)
      const reasons: string[] = []
      const cache = new HostCache({ clock: manualClock(0), path, onCorrupt: (r) => { reasons.push(r) } })
      await cache.load()
      assert.equal(cache.size, 0)
      assert.equal(reasons.length, 1)
      assert.match(reasons[0] ?? '', c.reason)
      // the cache still works and its next save replaces the corrupt file
      cache.seen('fresh', [addr(9)])
      await cache.flush()
      const again = new HostCache({ clock: manualClock(0), path, onCorrupt: () => { assert.fail('replaced file is corrupt') } })
      await again.load()
      assert.deepEqual(ids(again), ['fresh'])
    })
  }

  it('keeps the valid entries of a file that holds some invalid ones', async () => {
    const path = join(dir, 'partly-invalid.json')
    const good = (id: string, lastSeenMs: number): unknown => ({ id, addrs: [addr(1)], lastSeenMs, failures: 0, lastFailureMs: 0 })
    const entries = [
      good('good-1', 10),
      { id: '', addrs: [addr(1)], lastSeenMs: 1, failures: 0, lastFailureMs: 0 },
      { id: 'no-addrs-array', addrs: 'x', lastSeenMs: 1, failures: 0, lastFailureMs: 0 },
      { id: 'negative-failures', addrs: [addr(1)], lastSeenMs: 1, failures: -1, lastFailureMs: 0 },
      { id: 'fractional-failures', addrs: [addr(1)], lastSeenMs: 1, failures: 0.5, lastFailureMs: 0 },
      { id: 'nan-seen', addrs: [addr(1)], lastSeenMs: 'soon', failures: 0, lastFailureMs: 0 },
      { id: 'too-many-addrs', addrs: Array.from({ length: 9 }, (_, i) => addr(i + 1)), lastSeenMs: 1, failures: 0, lastFailureMs: 0 },
      { id: 'long-addr', addrs: ['/dns4/' + 'y'.repeat(300)], lastSeenMs: 1, failures: 0, lastFailureMs: 0 },
      { id: 'x'.repeat(200), addrs: [addr(1)], lastSeenMs: 1, failures: 0, lastFailureMs: 0 },
      null,
      42,
      good('good-2', 20)
    ]
    await writeFile(path, JSON.stringify({ version: 1, entries }))
    const reasons: string[] = []
    const cache = new HostCache({ clock: manualClock(0), path, onCorrupt: (r) => { reasons.push(r) } })
    await cache.load()
    assert.deepEqual(ids(cache), ['good-2', 'good-1'])
    assert.equal(reasons.length, 1)
    assert.match(reasons[0] ?? '', /10 invalid entries dropped/)
  })

  it('loads at most maxEntries entries from a file', async () => {
    const path = join(dir, 'too-many.json')
    const entries = Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, addrs: [addr(i + 1)], lastSeenMs: i, failures: 0, lastFailureMs: 0 }))
    await writeFile(path, JSON.stringify({ version: 1, entries }))
    const cache = new HostCache({ clock: manualClock(0), path, maxEntries: 5 })
    await cache.load()
    assert.equal(cache.size, 5)
  })
})

/**
 * The child writes generation after generation of GEN_SIZE entries (each generation
 * evicts the previous one entirely) and flushes after each, forever. It prints READY once
 * the first generation is on disk.
 */
const GEN_SIZE = 150
const WRITER_SCRIPT = `
import { HostCache } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)}
const [path, startGen] = process.argv.slice(2)
const cache = new HostCache({ path, maxEntries: ${GEN_SIZE}, saveDelayMs: 1, clock: { now: () => Date.now() } })
let gen = Number(startGen)
let announced = false
while (true) {
  for (let i = 0; i < ${GEN_SIZE}; i++) {
    cache.seen('gen' + gen + '-peer' + i, ['/ip4/127.0.0.1/tcp/' + (1000 + i), '/ip4/10.0.' + (gen % 250) + '.1/tcp/' + (2000 + i)])
  }
  await cache.flush()
  if (!announced) { announced = true; process.stdout.write('READY\\n') }
  gen++
}
`

function generationsOf (cache: HostCache): Set<number> {
  const gens = new Set<number>()
  for (const e of cache.ordered()) {
    const m = /^gen(\d+)-peer\d+$/.exec(e.id)
    assert.ok(m?.[1] != null, `unexpected entry id ${e.id}`)
    gens.add(Number(m[1]))
  }
  return gens
}

describe('HostCache crash safety', () => {
  let dir: string
  let child: ChildProcess | undefined
  before(async () => { dir = await makeTempDir() })
  after(async () => {
    if (child != null && child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
    await removeTempDir(dir)
  })

  it('leaves a loadable file, old or new, when the writer is SIGKILLed mid-write', async () => {
    const script = join(dir, 'writer.mjs')
    await writeFile(script, WRITER_SCRIPT)
    const path = join(dir, 'host-cache.json')
    const random = seededRandom(20_070_816)
    const seenGens: number[] = []
    for (let round = 0; round < 10; round++) {
      const delayMs = 20 + Math.floor(random() * 130)
      const startGen = round * 1_000_000
      const proc = child = spawn(process.execPath, [script, path, String(startGen)], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      let stdout = ''
      proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
      proc.stdout?.on('data', (d: Buffer) => { stdout += d.toString() })
      const exited = new Promise<void>(resolve => proc.once('exit', () => { resolve() }))
      try {
        await waitFor(`writer round ${round} to start writing`, () => {
          if (proc.exitCode != null) throw new Error(`writer exited with ${proc.exitCode}: ${stderr}`)
          return stdout.includes('READY')
        }, 15_000, 5)
        await sleep(delayMs)
      } finally {
        proc.kill('SIGKILL')
        await exited
      }
      assert.equal(proc.signalCode, 'SIGKILL', `round ${round}: the writer was still running when killed`)

      const reasons: string[] = []
      const cache = new HostCache({ clock: manualClock(0), path, maxEntries: 1_000, onCorrupt: (r) => { reasons.push(r) } })
      await cache.load()
      assert.deepEqual(reasons, [], `round ${round} (killed ${delayMs} ms after READY): onCorrupt called`)
      assert.equal(cache.size, GEN_SIZE, `round ${round}: expected one whole generation`)
      const gens = [...generationsOf(cache)]
      assert.equal(gens.length, 1, `round ${round}: entries from several generations ${gens.join(',')}`)
      const gen = gens[0] as number
      assert.ok(gen >= startGen, `round ${round}: the file holds generation ${gen} from an earlier round`)
      seenGens.push(gen)
    }
    assert.equal(new Set(seenGens).size, seenGens.length)

    // temporary files left by killed writers never get in the way of loading
    const leftovers = (await readdir(dir)).filter(f => f.endsWith('.tmp'))
    await writeFile(join(dir, '.host-cache.json.99999.0.tmp'), '{"version":1,"entries":[{"id":"torn')
    const reasons: string[] = []
    const cache = new HostCache({ clock: manualClock(0), path, maxEntries: 1_000, onCorrupt: (r) => { reasons.push(r) } })
    await cache.load()
    assert.deepEqual(reasons, [], `onCorrupt with ${leftovers.length} leftover .tmp files`)
    assert.equal(cache.size, GEN_SIZE)
    cache.seen('after-crash', [addr(1)])
    await cache.flush()
    const reloaded = new HostCache({ clock: manualClock(0), path, maxEntries: 1_000 })
    await reloaded.load()
    assert.ok(reloaded.get('after-crash') != null)
  })
})
