/**
 * A V8 code cache for the bundled entry points, written once a process is warm.
 *
 * Node's own compile cache (`NODE_COMPILE_CACHE`) stores the code V8 compiled while it
 * loaded a module, before any of it ran: the top level of a 2 MB bundle, and none of the
 * functions V8 compiles lazily when they are first called. A fresh node process compiles
 * those all over again: the noise handshake, identify, multistream-select, the peer store,
 * the log-in and attach code. Measured on this machine (2 cores), a client restarted into
 * a running testnet took a median of 200 ms of CPU from spawn to attached with Node's
 * compile cache and 150 ms with a cache written by a process that had logged in (10
 * interleaved runs each; `npm run bench` has the spawn-to-ready figures of its last run).
 *
 * So the bundle is CommonJS wrapped in one function expression, compiled here with
 * `vm.Script` and the cached data of an earlier process; a process that has done the work
 * a restarted peer does (logged in, attached, heartbeats; level 1), or has served as a
 * supernode (level 2: the DHT server, attaches, presence), calls {@link markWarm} and the
 * loader writes `script.createCachedData()`, which holds every function compiled so far.
 * One writer per level and bundle: the first process to reach it takes a lock file
 * (exclusive create) and writes through a temporary file and a rename, so readers see a
 * whole file or none. The cache is keyed by the bundle's size and mtime, the Node.js version
 * and architecture and the process's V8 flags (a cache made under other flags is rejected by
 * V8 anyway); files of other keys are removed when a new one is written.
 */
import { createHash } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { constants as vmConstants, Script } from 'node:vm'

/** Directory of the code cache; unset, bundles are compiled from source every time. */
export const CODE_CACHE_ENV = 'STAMPEDE_CODE_CACHE'

/** How much of the overlay a process has run when it writes the cache. */
export type WarmLevel = 1 | 2

/** Logged in and attached: the path of every restarted peer. */
export const WARM_CLIENT: WarmLevel = 1
/** Served as a supernode: the DHT server, attaches, presence. */
export const WARM_SUPERNODE: WarmLevel = 2

const HOOK = Symbol.for('stampede.codeCache')

interface CodeCacheHook {
  warm(level: WarmLevel): void
}

/**
 * Tell the loader this process is warm at `level`; it writes the code cache if no process
 * has written one of this level (or higher) yet. A no-op when the code was not started
 * through {@link runCached} (tests, the tsc output).
 */
export function markWarm (level: WarmLevel): void {
  const hook = (globalThis as Record<symbol, CodeCacheHook | undefined>)[HOOK]
  hook?.warm(level)
}

export interface RunCachedOptions {
  /** directory of the cache files; undefined: no cache */
  cacheDir?: string
  /** reports what happened (tests, debugging); never throws into the loader */
  onEvent?(event: CodeCacheEvent): void
}

export type CodeCacheEvent =
  | { type: 'loaded', file: string, level: WarmLevel }
  | { type: 'rejected', file: string }
  | { type: 'miss' }
  | { type: 'written', file: string, level: WarmLevel, bytes: number }
  | { type: 'write-failed', error: Error }

/** The wrapper every bundle's code is compiled in (see scripts/bundle.mjs). */
export type BundleFunction = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string, metaUrl: string) => void

const CACHE_SUFFIX = '.v8'

/** The key of a cache for `codeFile` in this process: bundle, Node.js and V8 flags. */
export function cacheKey (codeFile: string, execArgv: readonly string[] = process.execArgv): string {
  const st = statSync(codeFile)
  const h = createHash('sha256')
    .update(JSON.stringify([st.size, st.mtimeMs, process.version, process.arch, execArgv.filter(a => a.startsWith('--'))]))
    .digest('hex')
    .slice(0, 16)
  return `${basename(codeFile)}-${h}`
}

function cacheFile (dir: string, key: string, level: WarmLevel): string {
  return join(dir, `${key}.L${level}${CACHE_SUFFIX}`)
}

/**
 * Compile and run a bundle's code (a file holding one function expression, see
 * scripts/bundle.mjs) with the best code cache there is, and install the hook
 * {@link markWarm} reaches.
 */
export function runCached (codeFile: string, opts: RunCachedOptions = {}): void {
  const dir = opts.cacheDir
  const emit = (e: CodeCacheEvent): void => { try { opts.onEvent?.(e) } catch { /* a listener's bug is not the loader's */ } }
  const key = dir != null ? cacheKey(codeFile) : undefined
  let script: Script
  let loadedLevel = 0
  {
    // a block, so neither the source nor the cached data outlive the compile
    const source = readFileSync(codeFile, 'utf8')
    let cachedData: Buffer | undefined
    let from: string | undefined
    if (dir != null && key != null) {
      for (const level of [WARM_SUPERNODE, WARM_CLIENT]) {
        try {
          from = cacheFile(dir, key, level)
          cachedData = readFileSync(from)
          loadedLevel = level
          break
        } catch {
          from = undefined
        }
      }
    }
    script = new Script(source, {
      filename: codeFile,
      cachedData,
      // the overlay imports a custom policy module by path
      importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER
    })
    if (from != null && script.cachedDataRejected === true) {
      emit({ type: 'rejected', file: from })
      loadedLevel = 0
      // made by another V8 or under other flags: the next warm process writes a good one
      for (const f of [from, `${from}.lock`]) {
        try { unlinkSync(f) } catch { /* another process did */ }
      }
    } else if (from != null) {
      emit({ type: 'loaded', file: from, level: loadedLevel as WarmLevel })
    } else if (dir != null) {
      emit({ type: 'miss' })
    }
  }

  if (dir != null && key != null) {
    let written = loadedLevel
    const hook: CodeCacheHook = {
      warm (level) {
        if (level <= written) return
        written = level
        writeCache(script, dir, key, level, emit)
      }
    }
    Object.defineProperty(globalThis, HOOK, { value: hook, configurable: true })
  }

  const fn = script.runInThisContext() as BundleFunction
  const module = { exports: {} }
  fn(module.exports, createRequire(codeFile), module, codeFile, dirname(codeFile), pathToFileURL(codeFile).href)
}

function writeCache (script: Script, dir: string, key: string, level: WarmLevel, emit: (e: CodeCacheEvent) => void): void {
  const target = cacheFile(dir, key, level)
  const lock = `${target}.lock`
  try {
    mkdirSync(dir, { recursive: true })
    // a cache of this level or higher exists: nothing to do
    for (let l = level; l <= WARM_SUPERNODE; l++) {
      try { statSync(cacheFile(dir, key, l as WarmLevel)); return } catch { /* not there */ }
    }
    // one writer per level: the first process to create the lock (a lock left by a
    // writer that died is taken over once it is STALE_LOCK_MS old)
    if (!takeLock(lock)) return
    const data = script.createCachedData()
    const tmp = `${target}.${process.pid}.tmp`
    writeFileSync(tmp, data)
    renameSync(tmp, target)
    emit({ type: 'written', file: target, level, bytes: data.length })
    // caches of other bundles, Node.js versions or flags, and the lower level of this one
    const prefix = key.slice(0, key.lastIndexOf('-') + 1)
    for (const name of readdirSync(dir)) {
      const stale = (name.startsWith(prefix) && !name.startsWith(key)) ||
        (name.startsWith(key) && name.endsWith(CACHE_SUFFIX) && name !== basename(target) && levelOf(name) < level)
      if (stale) { try { unlinkSync(join(dir, name)) } catch { /* gone already */ } }
    }
  } catch (err: unknown) {
    emit({ type: 'write-failed', error: err as Error })
  }
}

/** A lock older than this was left by a writer that died before it renamed its file. */
const STALE_LOCK_MS = 60_000

function takeLock (lock: string): boolean {
  try {
    closeSync(openSync(lock, 'wx'))
    return true
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return false
      unlinkSync(lock)
      closeSync(openSync(lock, 'wx'))
      return true
    } catch {
      return false
    }
  }
}

function levelOf (name: string): number {
  const m = /\.L(\d)\.v8$/.exec(name)
  return m == null ? 0 : Number(m[1])
}

/** A client counts as warm this long after it attached: log-in, attach and a heartbeat have run. */
export const WARM_CLIENT_DELAY_MS = 2_000
/** A supernode counts as warm this long after it began serving: attaches, presence puts, DHT requests. */
export const WARM_SUPERNODE_DELAY_MS = 5_000

/**
 * An overlay node's `onEvent` that marks the process warm (see {@link markWarm}) a while
 * after its first attach and after its first turn as a supernode; `next` still gets every
 * event.
 */
export function warmOnEvents<E extends { type: string }> (next?: (event: E) => void): (event: E) => void {
  const marked = new Set<WarmLevel>()
  const later = (level: WarmLevel, ms: number): void => {
    if (marked.has(level)) return
    marked.add(level)
    setTimeout(() => { markWarm(level) }, ms).unref()
  }
  return (event) => {
    if (event.type === 'attached') later(WARM_CLIENT, WARM_CLIENT_DELAY_MS)
    else if (event.type === 'supernode-active') later(WARM_SUPERNODE, WARM_SUPERNODE_DELAY_MS)
    next?.(event)
  }
}
