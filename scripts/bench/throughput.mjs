/**
 * 5. Supernode throughput: attaches per second one supernode admits when CPU is the
 * bound. One stampede-node peer, made a supernode by an operator token (minted with the
 * login server's key, as `inject` does) with 100,000 client slots and an attach rate of
 * 1,000,000/s, so admission never refuses or queues; a login server it reports to. Load
 * processes (scripts/bench/attach-load.mjs) run many dialers, each with a PeerId and a
 * token of its own, each doing new connection + ATTACH + DETACH + close, back to back.
 * The baseline in the same run: the same load processes doing new connection + close
 * against a bare libp2p listener (scripts/bench/bare-node.mjs: TCP, Noise, Yamux,
 * identify), i.e. the raw Noise handshake rate between the same two kinds of processes.
 * Windows alternate between the two targets, so drift hits both alike.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { issueToken, loadOrCreateIdentity } from '@stampede/node'
import { NODE_EXEC_ARGV } from '@stampede/testnet'
import { ChildScript } from './child.mjs'
import { CLK_TCK, readCpuTicks, readMachineTicks, machineBusyPercent } from './proc.mjs'
import { median, pct, sum } from './stats.mjs'

/**
 * Load processes: one core each for the load and the server where possible (on 2 cores,
 * one load process; two left the supernode 70-87 % of a core, sharing with the load).
 */
const LOAD_PROCESSES = Math.max(1, Math.min(2, availableParallelism() - 1))
const SUPERNODE_CAPACITY = 100_000
const SUPERNODE_ATTACHES_PER_SECOND = 1_000_000
const TOKEN_TTL_MS = 3_600_000

const perSecond = (x) => Number.isFinite(x) ? `${x.toFixed(0)}/s` : 'n/a'
const ms = (x) => Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a'

/** Running total of a node counter (`attach_requests{result=ok}`) from its control endpoint. */
async function counter (controlPort, token, key) {
  const res = await globalThis.fetch(`http://127.0.0.1:${controlPort}/status`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000)
  })
  if (!res.ok) throw new Error(`status of the supernode: HTTP ${res.status}`)
  const status = await res.json()
  return { value: status.counters?.[key] ?? 0, status }
}

export async function benchThroughput (opts, ctx) {
  const windowMs = opts.quick ? 5_000 : 10_000
  const rounds = opts.quick ? 1 : 3
  const warmupMs = 2_000
  const dialers = opts.quick ? 12 : 16
  const dir = join(ctx.stateDir, 'throughput')
  const token = randomBytes(24).toString('hex')
  const rows = []
  const notes = []
  const procs = []
  const own = (p) => { procs.push(p); ctx.live.procs.add(p); return p }
  await ctx.warmCaches()
  const nodeLauncher = ctx.launcherFor(ctx.entries.bundle, true, token)
  try {
    // the login server: the supernode's token issuer, and where it sends its load reports
    const login = own(await ctx.makeNodeProcess(dir, 'login', { role: 'login', seed: 1 }))
    await login.start(nodeLauncher)
    const loginDataDir = join(dir, 'nodes', 'login', 'data')
    const loginKey = await loadOrCreateIdentity(loginDataDir)
    const loginServer = { id: login.peerId, addrs: login.addrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')) }

    // the supernode: an operator's supernode, serving from the start, never refusing
    const snDataDir = join(dir, 'nodes', 'supernode', 'data')
    await mkdir(snDataDir, { recursive: true, mode: 0o700 })
    const snKey = await loadOrCreateIdentity(snDataDir)
    const operatorToken = await issueToken(loginKey, {
      peer: peerIdFromPrivateKey(snKey), user: 'supernode', issuer: peerIdFromPrivateKey(loginKey), nowMs: Date.now(), ttlMs: TOKEN_TTL_MS
    })
    const sn = own(await ctx.makeNodeProcess(dir, 'supernode', {
      role: 'peer',
      seed: 2,
      loginServer,
      policy: { family: 'adaptive' },
      profile: { name: 'bench-supernode', reachable: true, capacity: SUPERNODE_CAPACITY, bandwidthKbps: 1_000_000 },
      attachesPerSecond: SUPERNODE_ATTACHES_PER_SECOND,
      operatorToken: Buffer.from(operatorToken).toString('base64'),
      eventLog: join(dir, 'nodes', 'supernode', 'events.jsonl')
    }))
    await sn.start(nodeLauncher)
    const first = await counter(sn.controlPort, token, 'attach_requests{result=ok}')
    if (first.status.role !== 'supernode') throw new Error(`the operator's supernode is a ${first.status.role}, not a supernode`)

    // the baseline's target: a bare libp2p listener, started the same way
    const bare = own(await ctx.makeNodeProcess(dir, 'listener', { role: 'peer' }))
    await bare.start(ctx.launcherFor(await ctx.bareEntry(), true, token))

    const script = fileURLToPath(new URL('./attach-load.mjs', import.meta.url))
    const loads = []
    for (let i = 1; i <= LOAD_PROCESSES; i++) {
      const name = `load-${i}`
      const nodeDir = join(dir, 'nodes', name)
      await mkdir(nodeDir, { recursive: true })
      const configPath = join(nodeDir, 'load.json')
      await writeFile(configPath, JSON.stringify({ name, connections: dialers, loginDataDir }))
      const p = own(new ChildScript({
        name,
        args: [...NODE_EXEC_ARGV, script, '--config', configPath],
        stdoutPath: join(nodeDir, 'stdout.log'),
        stderrPath: join(nodeDir, 'stderr.log'),
        ipc: true
      }))
      await p.start()
      loads.push(p)
    }
    ctx.progress(`throughput: supernode, bare listener and ${LOAD_PROCESSES} load processes x ${dialers} dialers up`)

    const targets = {
      attach: { server: sn, addr: sn.addrs.find(a => a.includes('/p2p/')) },
      handshake: { server: bare, addr: bare.addrs.find(a => a.includes('/p2p/')) }
    }
    const results = { attach: [], handshake: [] }
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ['handshake', 'attach']) {
        ctx.checkInterrupted()
        const { server, addr } = targets[mode]
        await Promise.all(loads.map(async p => p.request({ type: 'run', mode, target: addr }, 'running')))
        await ctx.sleep(warmupMs)
        const c0 = await Promise.all(loads.map(async p => p.request({ type: 'count' }, 'count')))
        const admitted0 = mode === 'attach' ? (await counter(sn.controlPort, token, 'attach_requests{result=ok}')).value : NaN
        const server0 = readCpuTicks(server.pid)
        const load0 = sum(loads.map(p => readCpuTicks(p.pid) ?? 0))
        const m0 = readMachineTicks()
        const t0 = performance.now()
        await ctx.sleep(windowMs)
        const c1 = await Promise.all(loads.map(async p => p.request({ type: 'count' }, 'count')))
        const t1 = performance.now()
        const server1 = readCpuTicks(server.pid)
        const load1 = sum(loads.map(p => readCpuTicks(p.pid) ?? 0))
        const m1 = readMachineTicks()
        const admitted1 = mode === 'attach' ? (await counter(sn.controlPort, token, 'attach_requests{result=ok}')).value : NaN
        const idle = await Promise.all(loads.map(async p => p.request({ type: 'idle' }, 'idle')))
        const seconds = (t1 - t0) / 1000
        const ok = sum(c1.map(c => c.ok)) - sum(c0.map(c => c.ok))
        const failed = sum(c1.map(c => c.failed)) - sum(c0.map(c => c.failed))
        const serverCpuS = (server1 - server0) / CLK_TCK
        const r = {
          rate: ok / seconds,
          admitted: (admitted1 - admitted0) / seconds,
          failed,
          serverCorePct: 100 * serverCpuS / seconds,
          loadCorePct: 100 * (load1 - load0) / CLK_TCK / seconds,
          cpuPerOpMs: 1000 * serverCpuS / ok,
          machinePct: machineBusyPercent(m0, m1),
          errors: mergeErrors(idle)
        }
        results[mode].push(r)
        ctx.progress(`throughput round ${round}/${rounds}, ${mode}: ${perSecond(r.rate)} (${failed} failed), server ${pct(r.serverCorePct, 0)} of a core, load processes ${pct(r.loadCorePct, 0)}, machine ${pct(r.machinePct, 0)}`)
        await ctx.sleep(1_000)
      }
    }
    const end = await counter(sn.controlPort, token, 'attach_requests{result=ok}')

    const med = (mode, f) => median(results[mode].map(f))
    const attachRate = med('attach', r => r.rate)
    const handshakeRate = med('handshake', r => r.rate)
    const ratio = attachRate / handshakeRate
    const snCore = med('attach', r => r.serverCorePct)
    const n = rounds > 1 ? `median of ${rounds} windows of ${windowMs / 1000} s each, interleaved` : `1 window of ${windowMs / 1000} s each`
    rows.push({ section: `5. Supernode throughput: one supernode vs a bare libp2p listener, ${LOAD_PROCESSES} load process${LOAD_PROCESSES === 1 ? '' : 'es'} x ${dialers} dialers, a new connection per operation (${n})` })
    rows.push({
      figure: 'Attaches admitted per second by one supernode (connect + ATTACH + DETACH)',
      value: perSecond(attachRate),
      context: `supernode CPU ${pct(snCore, 0)} of one core, ${ms(med('attach', r => r.cpuPerOpMs))} per attach; its own count ${perSecond(med('attach', r => r.admitted))}; load processes ${pct(med('attach', r => r.loadCorePct), 0)} of a core; failed operations ${sum(results.attach.map(r => r.failed))}${describeErrors(results.attach)}`
    })
    rows.push({
      figure: 'Baseline: new connections per second to a bare libp2p listener (TCP+Noise+Yamux+identify)',
      value: perSecond(handshakeRate),
      context: `listener CPU ${pct(med('handshake', r => r.serverCorePct), 0)} of one core, ${ms(med('handshake', r => r.cpuPerOpMs))} per connection; load processes ${pct(med('handshake', r => r.loadCorePct), 0)} of a core; failed operations ${sum(results.handshake.map(r => r.failed))}${describeErrors(results.handshake)}`
    })
    rows.push({
      figure: 'Attaches / handshakes',
      value: Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a',
      context: `per round ${results.attach.map((r, i) => (r.rate / results.handshake[i].rate).toFixed(2)).join(', ')}; server CPU per operation, supernode / bare listener: ${(med('attach', r => r.cpuPerOpMs) / med('handshake', r => r.cpuPerOpMs)).toFixed(2)}x`
    })
    const attachPerCore = 1000 / med('attach', r => r.cpuPerOpMs)
    const handshakePerCore = 1000 / med('handshake', r => r.cpuPerOpMs)
    rows.push({
      figure: 'Per core of server CPU: attaches / connections per second',
      value: `${perSecond(attachPerCore)} / ${perSecond(handshakePerCore)}`,
      context: `ratio ${(attachPerCore / handshakePerCore).toFixed(2)}: operations in the window / the server's CPU seconds in it, so it holds whichever side bounds the measured rates`
    })
    rows.push({
      figure: 'Machine busy during the windows: attach / handshake',
      value: `${pct(med('attach', r => r.machinePct), 0)} / ${pct(med('handshake', r => r.machinePct), 0)}`,
      context: `supernode share of the machine while attaching: ${pct(snCore / ctx.cores, 0)} (${ctx.cores} cores)`
    })
    const bound = (mode, server) => {
      const s = med(mode, r => r.serverCorePct)
      const l = med(mode, r => r.loadCorePct) / LOAD_PROCESSES
      return s >= 90 ? `the ${server}'s core was saturated (${pct(s, 0)}), so its CPU was the bound` : l >= 90 ? `the load side was the bound (${pct(l, 0)} of a core per load process; the ${server} used ${pct(s, 0)} of one)` : `neither side saturated a core (${server} ${pct(s, 0)}, load ${pct(l, 0)} per process)`
    }
    notes.push(`Throughput: while attaching, ${bound('attach', 'supernode')}; in the baseline, ${bound('handshake', 'bare listener')}. After the windows the supernode held ${end.status.load} client sessions (every dialer detaches) and had admitted ${end.value - first.value} attaches in all.`)
    return { rows, notes }
  } finally {
    await Promise.all(procs.map(async p => { await p.stop('TERM').catch(() => {}); ctx.live.procs.delete(p) }))
  }
}

function mergeErrors (idleReplies) {
  const out = {}
  for (const r of idleReplies) for (const [k, v] of Object.entries(r.errors ?? {})) out[k] = (out[k] ?? 0) + v
  return out
}

/** Error kinds of the load generators over the whole run (cumulative totals of the last window). */
function describeErrors (results) {
  const last = results[results.length - 1]?.errors ?? {}
  const keys = Object.entries(last)
  return keys.length === 0 ? '' : ` (${keys.map(([k, v]) => `${k} ${v}`).join(', ')} since the start)`
}
