import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { cacheKey, markWarm, runCached, warmOnEvents, WARM_CLIENT, WARM_SUPERNODE } from '../src/code-cache.js'
import type { CodeCacheEvent } from '../src/code-cache.js'

/** What the test bundle leaves behind on globalThis when it runs. */
interface Seen { filename: string, dirname: string, metaUrl: string, hasRequire: boolean, lazy: number, runs: number }
const SEEN = Symbol.for('stampede.test.codeCache')
const seen = (): Seen => (globalThis as unknown as Record<symbol, Seen | undefined>)[SEEN] as Seen

/** A bundle as scripts/bundle.mjs writes it: one function expression, with a function compiled lazily. */
const BUNDLE = `(function (exports, require, module, __filename, __dirname, __stampedeMetaUrl) {
  function lazy (n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s }
  const prev = globalThis[Symbol.for('stampede.test.codeCache')]
  globalThis[Symbol.for('stampede.test.codeCache')] = {
    filename: __filename, dirname: __dirname, metaUrl: __stampedeMetaUrl,
    hasRequire: typeof require('node:path').join === 'function',
    lazy: lazy(10), runs: (prev?.runs ?? 0) + 1
  }
})
`

describe('runCached', () => {
  let dir: string
  let code: string
  let cache: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stampede-code-cache-'))
    code = join(dir, 'thing.bundle.js')
    cache = join(dir, 'cache')
    // a source of its own: V8 keeps what this process compiled and would not even look at
    // the cached data of a source it has seen
    writeFileSync(code, `${BUNDLE}// ${dir}\n`)
  })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  const run = (opts: { cacheDir?: string } = { cacheDir: cache }): CodeCacheEvent[] => {
    const events: CodeCacheEvent[] = []
    runCached(code, { ...opts, onEvent: (e) => { events.push(e) } })
    return events
  }
  const files = (): string[] => existsSync(cache) ? readdirSync(cache).sort() : []

  it('runs the code with the CommonJS parameters and import.meta.url', () => {
    const events = run({})
    assert.deepEqual(events, [])
    const s = seen()
    assert.equal(s.filename, code)
    assert.equal(s.dirname, dir)
    assert.equal(s.metaUrl, pathToFileURL(code).href)
    assert.equal(s.hasRequire, true)
    assert.equal(s.lazy, 45)
  })

  it('writes nothing until the process is warm, then a cache the next start loads', () => {
    assert.deepEqual(run().map(e => e.type), ['miss'])
    assert.deepEqual(files(), [])
    markWarm(WARM_CLIENT)
    const key = cacheKey(code)
    assert.deepEqual(files(), [`${key}.L1.v8`, `${key}.L1.v8.lock`])
    const again = run()
    assert.deepEqual(again, [{ type: 'loaded', file: join(cache, `${key}.L1.v8`), level: 1 }])
    assert.equal(seen().lazy, 45)
  })

  it('writes a level once: a process that loaded it, or reached it again, writes nothing', () => {
    run()
    markWarm(WARM_CLIENT)
    const events = run()
    markWarm(WARM_CLIENT)
    markWarm(WARM_CLIENT)
    assert.deepEqual(events.map(e => e.type), ['loaded'])
  })

  it('replaces a client-level cache with a supernode-level one, and loads that first', () => {
    run()
    markWarm(WARM_CLIENT)
    const events = run()
    markWarm(WARM_SUPERNODE)
    const key = cacheKey(code)
    assert.equal(events.filter(e => e.type === 'written').length, 1)
    assert.deepEqual(files().filter(f => f.endsWith('.v8')), [`${key}.L2.v8`])
    assert.deepEqual(run().map(e => e.type === 'loaded' ? e.level : e.type), [2])
  })

  it('leaves the writing to the process holding the lock, unless that lock is stale', () => {
    const lock = join(cache, `${cacheKey(code)}.L1.v8.lock`)
    // another process is writing level 1 right now
    mkdirSync(cache, { recursive: true })
    writeFileSync(lock, '')
    run()
    markWarm(WARM_CLIENT)
    assert.deepEqual(files(), [basename(lock)])
    // its writer died a while ago
    const old = (Date.now() - 120_000) / 1000
    utimesSync(lock, old, old)
    const events = run()
    markWarm(WARM_CLIENT)
    assert.deepEqual(events.flatMap(e => e.type === 'written' ? [e.level] : []), [1])
  })

  it('drops a cache V8 rejects, runs from source, and lets the next warm process write a good one', () => {
    mkdirSync(cache, { recursive: true })
    const file = join(cache, `${cacheKey(code)}.L1.v8`)
    writeFileSync(file, Buffer.from('not a code cache at all'))
    writeFileSync(`${file}.lock`, '')
    const events = run()
    assert.deepEqual(events.map(e => e.type), ['rejected'])
    assert.equal(seen().lazy, 45)
    assert.deepEqual(files(), [])
    markWarm(WARM_CLIENT)
    assert.deepEqual(files(), [basename(file), `${basename(file)}.lock`])
  })

  it('removes the caches of an older build of the same bundle, and no other', () => {
    const stale = 'thing.bundle.js-0123456789abcdef.L2.v8'
    const other = 'other.bundle.js-0123456789abcdef.L2.v8'
    run()
    markWarm(WARM_CLIENT)
    writeFileSync(join(cache, stale), 'x')
    writeFileSync(join(cache, other), 'x')
    run()
    markWarm(WARM_SUPERNODE)
    assert.equal(existsSync(join(cache, stale)), false)
    assert.equal(existsSync(join(cache, other)), true)
  })

  it('keys a cache by the bundle file and the V8 flags', () => {
    const a = cacheKey(code, ['--max-semi-space-size=1'])
    assert.equal(cacheKey(code, ['--max-semi-space-size=1']), a)
    assert.notEqual(cacheKey(code, ['--max-semi-space-size=8']), a)
    writeFileSync(code, BUNDLE + '\n// rebuilt\n')
    assert.notEqual(cacheKey(code, ['--max-semi-space-size=1']), a)
    assert.ok(a.startsWith('thing.bundle.js-'))
  })
})

describe('warmOnEvents', () => {
  it('passes every event on and marks each level once, a while after its event', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const levels: number[] = []
    const hook = Symbol.for('stampede.codeCache')
    const before = Object.getOwnPropertyDescriptor(globalThis, hook)
    Object.defineProperty(globalThis, hook, { value: { warm: (l: number) => { levels.push(l) } }, configurable: true })
    try {
      const passed: string[] = []
      const onEvent = warmOnEvents<{ type: string }>((e) => { passed.push(e.type) })
      onEvent({ type: 'started' })
      onEvent({ type: 'attached' })
      onEvent({ type: 'attached' })
      t.mock.timers.tick(1_999)
      assert.deepEqual(levels, [])
      t.mock.timers.tick(1)
      assert.deepEqual(levels, [WARM_CLIENT])
      onEvent({ type: 'supernode-active' })
      t.mock.timers.tick(5_000)
      onEvent({ type: 'supernode-active' })
      t.mock.timers.tick(5_000)
      assert.deepEqual(levels, [WARM_CLIENT, WARM_SUPERNODE])
      assert.deepEqual(passed, ['started', 'attached', 'attached', 'supernode-active', 'supernode-active'])
    } finally {
      if (before != null) Object.defineProperty(globalThis, hook, before)
      else Reflect.deleteProperty(globalThis, hook)
    }
  })
})
