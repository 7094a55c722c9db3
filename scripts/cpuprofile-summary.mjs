#!/usr/bin/env node
/**
 * Summarise V8 .cpuprofile files (from `node --cpu-prof`) by self and total time per
 * function and per package, so "where does the CPU go" has an answer in a terminal.
 *
 * Usage:
 *   node scripts/cpuprofile-summary.mjs [options] FILE.cpuprofile [FILE...]
 *
 * Several files are added together (e.g. every supernode of a run). Options:
 *   --top N              rows per table (default 25)
 *   --from S / --to S    only samples between S and S seconds after each profile's start
 *   --since-uptime U     only samples taken after /proc/uptime read U (seconds); V8's
 *                        profile clock is CLOCK_MONOTONIC, which /proc/uptime follows
 *                        on a machine that has not been suspended
 *   --until-uptime U     only samples taken before /proc/uptime read U
 *   --callers PKG        also: time spent in package PKG (inclusive), by the nearest
 *                        calling function outside PKG, main-event and node internals
 *   --json               machine-readable output
 *
 * Frames in a bundle are mapped back to their sources when `<bundle>.map` exists next to
 * it, so package names survive bundling: `npm run bundle --workspace @stampede/node --
 * --sourcemap` writes the maps (the bundles run the same with or without them).
 *
 * Profiling a testnet: the node processes inherit the launcher's environment, so
 *   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" stampede up ...
 * profiles every node (and the launcher; a profile's file name carries the pid, which
 * `stampede status --json` maps to a node and role). Profiles are written when a process
 * exits normally (`stampede down`, `restart --signal TERM`), not on SIGKILL.
 *
 * The profiler samples wall time: on a saturated machine a process that is runnable but
 * not running is sampled as busy, so read the shares, not the seconds (/proc/<pid>/stat
 * has the seconds; see scripts/cpu-roles.mjs).
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '25' },
    from: { type: 'string' },
    to: { type: 'string' },
    'since-uptime': { type: 'string' },
    'until-uptime': { type: 'string' },
    callers: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' }
  },
  allowPositionals: true
})
if (values.help === true || positionals.length === 0) {
  process.stderr.write('usage: node scripts/cpuprofile-summary.mjs [--top N] [--from S] [--to S] [--since-uptime U] [--until-uptime U] [--json] FILE.cpuprofile...\n')
  process.exit(positionals.length === 0 && values.help !== true ? 2 : 0)
}
const top = Number(values.top)
// piped into head: stop quietly when the reader has had enough
process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(0); else throw err })

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** A source map's mappings decoded into, per generated line, sorted [column, source, line]. */
function decodeMappings (map) {
  const lines = []
  let src = 0
  let srcLine = 0
  let _srcCol = 0
  for (const text of map.mappings.split(';')) {
    const segs = []
    let col = 0
    for (const seg of text.split(',')) {
      if (seg === '') continue
      const vals = []
      let v = 0
      let shift = 0
      for (const ch of seg) {
        const d = B64.indexOf(ch)
        v += (d & 31) << shift
        if ((d & 32) !== 0) { shift += 5; continue }
        vals.push((v & 1) === 1 ? -(v >>> 1) : v >>> 1)
        v = 0
        shift = 0
      }
      col += vals[0]
      if (vals.length >= 4) {
        src += vals[1]; srcLine += vals[2]; _srcCol += vals[3]
        segs.push([col, src, srcLine])
      }
    }
    lines.push(segs)
  }
  return lines
}

const maps = new Map()
/** The original source and line of a bundle frame, when the bundle has a map. */
function original (cf) {
  if (!cf.url.startsWith('file://') || cf.lineNumber < 0) return cf
  let m = maps.get(cf.url)
  if (m === undefined) {
    const path = new URL(cf.url).pathname + '.map'
    m = null
    if (existsSync(path)) {
      const map = JSON.parse(readFileSync(path, 'utf8'))
      m = { sources: map.sources.map(src => resolve(dirname(path), map.sourceRoot ?? '', src)), lines: decodeMappings(map) }
    }
    maps.set(cf.url, m)
  }
  if (m == null) return cf
  const segs = m.lines[cf.lineNumber] ?? []
  let best
  for (const s of segs) { if (s[0] <= cf.columnNumber) best = s; else break }
  if (best == null) return cf
  return { ...cf, url: m.sources[best[1]], lineNumber: best[2] }
}

/** The package a frame belongs to, from its script URL. */
function packageOf (url, fn) {
  if (url === '' || url == null) return fn.startsWith('(') ? fn : '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const own = /\/packages\/([^/]+)\//.exec(url)
  if (own != null) return `@stampede/${own[1]}`
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  return basename(url)
}

const bySelf = new Map()
const byTotal = new Map()
const pkgSelf = new Map()
const pkgTotal = new Map()
const callers = new Map()
const glue = (p) => p === values.callers || p.startsWith('node:') || p === 'main-event' || p.startsWith('(')
let sampledUs = 0
let files = 0
let wallUs = 0

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  files++
  const nodes = new Map()
  for (const n of profile.nodes) nodes.set(n.id, { ...n, callFrame: original(n.callFrame) })
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const fromUs = values.from != null ? profile.startTime + Number(values.from) * 1e6 : -Infinity
  let toUs = values.to != null ? profile.startTime + Number(values.to) * 1e6 : Infinity
  if (values['until-uptime'] != null) toUs = Math.min(toUs, Number(values['until-uptime']) * 1e6)
  const since = values['since-uptime'] != null ? Number(values['since-uptime']) * 1e6 : -Infinity
  const lo = Math.max(fromUs, since)
  toUs = Math.min(toUs, profile.endTime)
  if (toUs > lo) wallUs += toUs - Math.max(lo, profile.startTime)
  // the stack of each sampled node, computed once per node
  const stacks = new Map()
  const stackOf = (id) => {
    let s = stacks.get(id)
    if (s != null) return s
    const frames = []
    for (let at = id; at != null; at = parent.get(at)) {
      const cf = nodes.get(at).callFrame
      if (cf.functionName === '(root)') continue
      frames.push(cf)
    }
    const fnKeys = new Set(frames.map(key))
    const pkgKeys = new Set(frames.map(cf => packageOf(cf.url, cf.functionName)))
    let caller
    if (values.callers != null) {
      const inPkg = frames.findIndex(cf => packageOf(cf.url, cf.functionName) === values.callers)
      if (inPkg >= 0) {
        const up = frames.slice(inPkg).find(cf => !glue(packageOf(cf.url, cf.functionName)))
        caller = up == null ? '(none)' : key(up)
      }
    }
    s = { self: frames[0], fnKeys, pkgKeys, caller }
    stacks.set(id, s)
    return s
  }
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0
    t += dt
    if (t < lo || t > toUs) continue
    // the sample stands for the interval until the next one
    const weight = profile.timeDeltas[i + 1] ?? dt
    const s = stackOf(profile.samples[i])
    if (s.self == null) continue
    sampledUs += weight
    const k = key(s.self)
    bySelf.set(k, (bySelf.get(k) ?? 0) + weight)
    const p = packageOf(s.self.url, s.self.functionName)
    pkgSelf.set(p, (pkgSelf.get(p) ?? 0) + weight)
    for (const fk of s.fnKeys) byTotal.set(fk, (byTotal.get(fk) ?? 0) + weight)
    for (const pk of s.pkgKeys) pkgTotal.set(pk, (pkgTotal.get(pk) ?? 0) + weight)
    if (s.caller != null) callers.set(s.caller, (callers.get(s.caller) ?? 0) + weight)
  }
}

function key (cf) {
  const where = cf.url === '' ? '' : ` ${shorten(cf.url)}:${cf.lineNumber + 1}`
  return `${cf.functionName === '' ? '(anonymous)' : cf.functionName}${where}`
}

function shorten (url) {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const own = url.indexOf('/packages/')
  if (own >= 0) return url.slice(own + 1)
  return url.replace(/^file:\/\//, '')
}

const idle = (bySelf.get('(idle)') ?? 0)
const busy = sampledUs - idle
const rows = (m) => [...m.entries()].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)
  .map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), share: busy === 0 ? 0 : us / busy }))

const result = {
  files,
  wallSeconds: wallUs / 1e6,
  busySeconds: busy / 1e6,
  idleSeconds: idle / 1e6,
  selfByFunction: rows(bySelf),
  totalByFunction: rows(byTotal),
  selfByPackage: rows(pkgSelf),
  totalByPackage: rows(pkgTotal),
  ...(values.callers != null ? { callersOf: { package: values.callers, rows: rows(callers) } } : {})
}

if (values.json === true) {
  process.stdout.write(JSON.stringify(result, null, 2) + '\n')
} else {
  const pct = (x) => `${(x * 100).toFixed(1).padStart(5)} %`
  const table = (title, r) => {
    process.stdout.write(`\n${title}\n`)
    for (const row of r) process.stdout.write(`${String(row.ms).padStart(8)} ms ${pct(row.share)}  ${row.name}\n`)
  }
  process.stdout.write(`${files} profile(s): ${result.busySeconds.toFixed(2)} s busy (on the JS thread), ${result.idleSeconds.toFixed(2)} s idle, over ${result.wallSeconds.toFixed(1)} s of profiles\n`)
  table('Self time by package (share of busy)', result.selfByPackage)
  table('Total time by package (inclusive)', result.totalByPackage)
  table('Self time by function', result.selfByFunction)
  table('Total time by function (inclusive)', result.totalByFunction)
  if (result.callersOf != null) table(`Time in ${result.callersOf.package} by its nearest caller outside it`, result.callersOf.rows)
}
