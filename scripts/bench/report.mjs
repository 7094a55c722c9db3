/** The benchmark table (text and Markdown), the docs page, and a summary of node stderr logs. */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { LAUNCHER_GOAL_PCT } from './launcher.mjs'
import { LAG_GOAL_MS } from './scale.mjs'
import { CLK_TCK } from './proc.mjs'
import { STORM_GOAL_RATIO } from './storm.mjs'
import { mb, pct, secs } from './stats.mjs'

/**
 * Rows are `{ section }` headings or `{ figure, value, context }` lines.
 * Text: three aligned columns, section headings on their own lines.
 */
export function renderTable (rows) {
  const lines = rows.filter(r => r.section == null)
  const w1 = Math.max('Figure'.length, ...lines.map(r => r.figure.length))
  const w2 = Math.max('Value'.length, ...lines.map(r => r.value.length))
  const out = [`${'Figure'.padEnd(w1)}  ${'Value'.padEnd(w2)}  Context / baseline (same run)`]
  out.push(`${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ${'-'.repeat(30)}`)
  for (const r of rows) {
    if (r.section != null) out.push(`${r.section}`)
    else out.push(`${r.figure.padEnd(w1)}  ${r.value.padEnd(w2)}  ${r.context}`)
  }
  return out.join('\n')
}

const md = (s) => String(s).replace(/\|/g, '\\|')

function markdownTable (rows) {
  const out = ['| Figure | Value | Context / baseline (same run) |', '| --- | --- | --- |']
  for (const r of rows) {
    if (r.section != null) out.push(`| **${md(r.section)}** | | |`)
    else out.push(`| ${md(r.figure)} | ${md(r.value)} | ${md(r.context)} |`)
  }
  return out.join('\n')
}

const METHOD = `## How each figure is measured

All processes are children of the benchmark process (the launcher benchmark's nodes are
children of the \`stampede run\` it starts), launched with the testnet library
(\`@stampede/testnet\`) exactly as \`stampede up\` launches them: Node with
\`--max-semi-space-size=1\` (8 for the login server and packed workers), the esbuild bundles
\`packages/node/dist/bundle/stampede-node.mjs\` and \`stampede-worker.mjs\` with the V8 code
cache a warm node of an earlier testnet wrote (\`STAMPEDE_CODE_CACHE\`,
\`packages/node/src/code-cache.ts\`; before the benchmarks that start testnets, a 6-peer
testnet runs until a supernode has served long enough to write it, and a packed one for
the worker's bundle before the packed benchmarks, as after any earlier run in the same
state directory), the peers' processes 10 steps nicer than the login server and the
launcher (\`peerNice\`), the default config (\`testnet/default.yaml\` values) with only the
peer count changed (and the seed, for the storm). State lives in a temporary directory
that is removed at the end. The benchmarks run one after another, never two at once.
\`--quick\` uses 10 to 100 peers, shorter windows and fewer repetitions. Every figure is set
against a baseline measured in the same run, because the machine is noisy: a bare Node.js
process, a bare libp2p node, or the machine's own CPU time in the same window.

1. **Per node process.** A testnet of 20 peers is launched, waited on until every peer is
   logged in, then left alone for 15 s. Then, over a 10 s window in which nothing polls the
   nodes, CPU ticks (\`utime + stime\` from \`/proc/<pid>/stat\`) of every process are read
   before and after, as a percentage of one core; the whole testnet's share of the machine
   is their sum divided by the core count, next to the machine's busy share from
   \`/proc/stat\` in the same window and in a 10 s window before any testnet existed. RSS is
   \`VmRSS\` from \`/proc/<pid>/status\` right after the window. A bare Node.js process with
   the same flags (\`scripts/bench/idle-node.mjs\`) runs alongside as the floor. Then 5 settled,
   logged-in clients are restarted one at a time (\`kill([name], 'KILL')\`, then
   \`start([name])\`, as \`restart()\` does, but timed from the spawn): spawn to \`ready\` is
   \`start()\` resolving, spawn to logged in is the first \`GET /status\` on the node's control
   endpoint (polled every 20 ms) that says \`loggedIn\`, i.e. logged in at the login server
   and attached to a supernode. Clients keep their identity and host cache across the
   restart, as a rebooted machine would.
2. **Start-up of one node.** A login server runs; one peer is started and stopped (SIGTERM)
   repeatedly, each variant in turn, round after round (interleaved, so drift hits all
   variants alike). Spawn to ready is \`NodeProcess.start()\` resolving on the node's IPC
   \`ready\` message (libp2p listening, control endpoint up). Round 0 is a warm-up (identity
   creation; the compiled bin's compile cache filled) and is not counted. RSS and peak RSS (\`VmHWM\`) are read
   1 s after ready. The baseline is a bare Node.js process that sends the same \`ready\`
   message at once.
3. **Bring-up of 100 peers.** Wall time from calling \`Testnet.launch()\` to its resolving
   (every process reported \`ready\`), and to \`waitForLoggedIn({ share: 1 })\` returning (it
   polls every node's status every 500 ms, so it adds up to ~0.5 s plus a poll round).
   Machine CPU is sampled from \`/proc/stat\` once a second; the mean covers launch to all
   logged in. The code cache is warm, as after any earlier run with the same state
   directory. This is repeated 3 times (a fresh testnet each time, 3 s apart); the table
   gives medians. Per-peer CPU is \`utime + stime\` of each process when everyone is logged
   in. The logged-in curve comes from the nodes' own event logs (\`events.jsonl\`: the
   first \`attached\` or \`supernode-active\` event of each peer), so it also covers the
   time before \`launch()\` resolved. A 10 s quiet window follows, measured like the idle
   window of 1.
4. **Restart storm.** The floor comes first: a bare libp2p node (\`scripts/bench/bare-node.mjs\`:
   TCP, Noise, Yamux and identify with the overlay's connection limits and no connection
   monitor, nothing else; bundled with esbuild like stampede-node and started by the same
   \`NodeProcess\` with the same Node flags, loader and code cache, which the first bare
   node to be connected for 2 s writes) listens as the hub, standing
   in for the login server, and 40 more each dial it. Per round, 20 of them are killed at
   once (SIGKILL) and started again, at most as many at once as the testnet spawns
   (4 per core, at least 4); a node is back when its connection to the hub is open and
   identify has run over it, which it writes to its own event log with a wall-clock time.
   (A bare libp2p node identifies every connection; overlay peers identify only among
   supernodes, \`packages/node/src/identify-scope.ts\`, so the floor keeps work the overlay
   no longer does.) Then a 40-peer testnet (default config, adaptive policy, seed 2007) is brought up, all
   logged in and left 5 s; per round, 20 peers are chosen as the scenario runner's \`kill\`
   step does with \`supernodeBias: 0.7\` (supernodes first, so every supernode dies when
   there are at most 14), killed at once with \`Testnet.kill(victims, 'KILL')\`, restarted
   at once with \`Testnet.start(victims)\`, and \`waitForLoggedIn({ share: 1 })\` polls until
   every peer is logged in again. The time is taken from the nodes' own event logs: from the
   kill to the last peer's last \`attached\` or \`supernode-active\` event before the poll saw
   everyone logged in (every restarted peer must have one); it covers the restarted peers
   and the survivors whose supernode died. 3 rounds each (5 s apart on the testnet, 2 s
   on the floor); the ratio is of the medians. CPU per restarted process is its
   \`utime + stime\` when all were back; the storm's whole CPU is split into the restarted
   peers', the survivors' (the \`utime + stime\` they added from the kill to all back: clients
   re-attaching, peers promoted in place of the dead supernodes) and the login server's.
5. **Supernode throughput.** A login server and one stampede-node peer made a supernode by an
   operator token (minted with the login server's key, as the scenario's \`inject\` does),
   with 100,000 client slots and an attach rate of 1,000,000/s, so its admission never
   queues or refuses. Load processes (\`scripts/bench/attach-load.mjs\`, same Node flags;
   one per core beyond the first, at most two, so one here and the supernode keeps a core)
   each run 16 dialers, each a libp2p node (TCP, Noise, Yamux, identify) with a PeerId of
   its own and a login token minted for it. A dialer repeats one operation back to back:
   against the supernode, a new connection, an \`/stampede/attach/1.0.0\` stream, ATTACH
   with its token, the answer (counted when it is ATTACHED), DETACH, close; against the
   baseline, a bare libp2p listener (the storm's bare node) started the same way, a new
   connection and close. Both wait until identify has run before closing. Windows of 10 s
   after 2 s of warm-up, handshake then attach, 3 rounds; rates are operations completed
   in the window per second (the supernode's own \`attach_requests{result=ok}\` counter is
   given beside it), CPU shares are \`utime + stime\` of the server and of the load
   processes over the window, per core. "Per core of server CPU" divides the operations by
   the server's CPU seconds, which holds whichever side bounds the measured rates (in the
   baseline the two sides do about the same work per connection, so the load side can be
   the bound). With every dialer detaching at once, presence
   publication into the DHT is mostly skipped (the supernode only publishes clients
   still attached when its queue reaches them, and it has no other supernode to store at).
6. **Launcher cost.** \`stampede run\` (the CLI as a user runs it, plain \`node\`) runs a
   scenario of a 30-peer testnet: wait until everyone is logged in for 3 s, then observe;
   its Recorder samples every node once a second, as in every run. The 60 s window starts
   when the run directory's \`events.jsonl\` shows the observe step. The launcher's share is
   its \`utime + stime\` (\`/proc/<pid>/stat\`) over the window divided by the machine's total
   CPU time (\`/proc/stat\`, all cores) in the same window; its node processes' share is
   computed the same way, and the peak is the largest of the 1 s readings.
7. **Density.** Per mode, sizes are stepped up and the first size that fails ends the
   mode: process mode (a process per peer) 50, 75, 100, 150, 200, 300; packed mode (25
   peers per \`stampede-worker\` process) 50, 100, 200, 400, 600, 800, 1,000. Each size is a fresh testnet
   with the testnet's fast settle options (\`startSpreadMs: 0\`, every
   start at once, and \`priorUptimeMs: 600000\`, so peers are eligible for promotion at
   once). Before launch the testnet library's capacity check (\`estimateCapacity\`: memory
   from the measured per-node RSS against 90 % of the memory available, open files, ports)
   may refuse the size; that counts as a failure and is reported as the machine's limit.
   The config is testnet/large.yaml's (its supernode ratio and 5 s heartbeats) with only
   the size changed. A size passes when \`waitForLoggedIn({ share: 1 })\` returns within
   240 s of calling \`Testnet.launch()\`, and then, once settled, every process (login
   server, node processes or workers) reports an event-loop lag p99 under ${LAG_GOAL_MS} ms
   and every peer is still alive and logged in. Settled means at least 20 s after everyone
   logged in and no supernode with a presence record still to put into the DHT
   (\`summary.presenceQueued\` of \`Testnet.status()\`, polled every 5 s, at most 120 s;
   a mass log-in leaves that work behind, and measuring during it measures the bring-up's
   tail); the time it took is given. The lag comes from the nodes themselves: \`GET
   /status?eventLoop=1\` on a node's control endpoint starts a \`monitorEventLoopDelay\`
   histogram (20 ms resolution, one per process whatever it runs; the lag is how much later
   than its 20 ms period the monitor's timer ran) that rotates every 5 s and answers with
   the last complete window, and \`?eventLoop=off\` switches it off. Once settled, the
   processes are measured 50 at a time: one node of each process is asked to start its
   monitor, then twice more 5 s apart, then to switch it off, and each process's figure
   is the larger of the two windows' p99 (a process that does not answer within 3 s fails
   the size). The lag p99 given is the worst process's; the steady window is the whole
   measurement. In groups because the monitors are part of the load they measure: 150 idle
   Node.js processes with one each kept this machine 19.8 % busy (0.5 % without). With all
   301 processes of a 300-peer testnet measured at once (the method until 2026-11-27) the
   steady window was 78 % busy and the worst process at 86 and 107 ms in two runs; 50 at a
   time, 32 % and 22 ms (one run). RSS per node is \`VmRSS\` of every peer
   process (node processes or workers; the login server apart) at the end of the window,
   summed and divided by the peers; PSS per node the same with \`Pss\` from
   \`/proc/<pid>/smaps_rollup\`, which shares each page among the processes that map it:
   about 55 MB of a node process's RSS is Node.js's own code, mapped by every node process,
   which summed RSS counts once per process and PSS once in all. Time to all logged in is
   from launch, as in 3.
   \`--quick\` steps 10 and 20 peers in process mode and 40 at 20 per worker, with one 5 s
   lag window and no settling.
8. **Large bring-ups.** 300 peers in process mode with the default config as in 3, and
   1,000 in packed mode with testnet/large.yaml (25 per worker, its supernode ratio), one
   run each (capacity check first, as in 7): wall time from
   \`Testnet.launch()\` to \`waitForLoggedIn({ share: 1 })\` returning, bounded at 240 s;
   when the bound is reached, the share of peers logged in at the last status poll is given
   instead. A peer whose control endpoint does not answer a poll within 1.5 s counts as not
   logged in there, and a poll round over 1,000 overloaded peers can take half a minute, so
   the wait may end past the bound (the time it really ended is in the observations); the
   peers that did not answer, and those that had logged in at least once by their own event
   logs, are given beside it. The logged-in curve comes from the nodes' event logs, as in 3.

"Idle" here means the first minute of a testnet's life: kad-dht's self-query and routing
table refresh run every 5 minutes and are not in any window. CPU ticks are 1/${CLK_TCK} s, so a
10 s window resolves ${(100 / CLK_TCK / 10).toFixed(2)} % of one core per process. "Other processes" is the machine's busy
share (\`/proc/stat\`) minus this benchmark's process tree (its own CPU, its live children's
and its reaped children's \`cutime + cstime\`): load from outside that skews the figures.
`

/** One line per goal of the storm, launcher, density and bringup-large benchmarks. */
function goalLines (goals, machine) {
  return goals.map((g) => {
    if (g.name === 'storm') {
      return `**Goal (from the issue): a restart storm absorbed within ${STORM_GOAL_RATIO}x the floor: ${g.met ? 'met' : 'not met'}** (${Number.isFinite(g.ratio) ? `${g.ratio.toFixed(2)}x` : 'n/a'}: ${secs(g.stormMs)} for ${g.peers} peers against ${secs(g.floorMs)} for as many bare libp2p nodes; ${g.runs > 1 ? `median of ${g.runs}` : '1 run'}).\n\n`
    }
    if (g.name === 'density') {
      return g.modes.map(m => `**Goal (from the issue): ${m.goal.toLocaleString('en-US')} peers at steady state in ${m.mode} mode${m.k > 1 ? ` (${m.k} per process)` : ''}: ${g.quick ? 'not assessed (quick run)' : m.met ? 'met' : 'not met'}** (largest passing size ${m.peers != null ? `${m.peers}: RSS ${mb(m.rssPerNodeKb)} (PSS ${mb(m.pssPerNodeKb)}) per node, lag p99 ${m.lagP99Ms.toFixed(1)} ms, all logged in ${secs(m.loggedInMs)} after launch` : 'none'}${m.next != null ? `; next size ${m.next}` : ''}).\n\n`).join('')
    }
    if (g.name === 'bringup-large') {
      return g.sizes.map(s => {
        const got = s.refused != null ? `refused by the capacity check: ${s.refused}` : s.launchError != null ? `launch failed: ${s.launchError}` : s.ms != null ? `all logged in ${secs(s.ms)} after launch` : `${pct(100 * s.share, 0)} logged in at ${secs(s.timeoutMs)}`
        return s.goalMs != null
          ? `**Goal (from the issue): ${s.peers.toLocaleString('en-US')} ${s.mode === 'packed' ? `packed peers (${s.k} per process)` : 'peers'} logged in within ${secs(s.goalMs)}: ${g.quick ? 'not assessed (quick run)' : s.met ? 'met' : 'not met'}** (${got}).\n\n`
          : `**${s.peers.toLocaleString('en-US')} peers in ${s.mode} mode:** ${got}.\n\n`
      }).join('')
    }
    if (g.name === 'launcher') {
      return `**Goal (from the issue): sampling and control under ${LAUNCHER_GOAL_PCT} % of the machine's CPU: ${g.met ? 'met' : 'not met'}** (${pct(g.pct)} of this ${machine.cores}-core machine with ${g.peers} peers, over ${g.windowMs / 1000} s).\n\n`
    }
    return ''
  }).join('')
}

export function renderMarkdown ({ rows, notes, machine, date, command, totalMs, quick, only, goal, goals = [] }) {
  const partial = quick || only != null
  const goalLine = goal == null
    ? ''
    : goal.peers === 100
      ? `**Goal (from the issue): a 100-node testnet logged in within 30 s on this ${machine.cores}-core machine: ${goal.met ? 'met' : 'not met'}** (median ${goal.ms != null ? secs(goal.ms) : 'n/a'}; ${goal.metRuns} of ${goal.runs} runs under 30 s${goal.failedLaunches > 0 ? `; ${goal.failedLaunches} launch${goal.failedLaunches === 1 ? '' : 'es'} failed and ${goal.failedLaunches === 1 ? 'was' : 'were'} not counted, see the observations` : ''}).\n\n`
      : `The 30 s goal applies to 100 peers; this run brought up ${goal.peers}.\n\n`
  return `# Benchmarks

Generated by \`scripts/bench.mjs\`; every figure below was measured in the one run described
here. To reproduce: \`npm run bench\` (builds, then runs \`node scripts/bench.mjs\`; a few
minutes, see below). \`node scripts/bench.mjs --quick\` is a smoke run with smaller sizes, and
\`--only process|startup|bringup|storm|throughput|launcher|density|bringup-large\` runs one benchmark; those do not rewrite this page unless
given \`--docs\`.
${partial ? `\n> **Partial run** (${[quick ? '--quick' : '', only != null ? `--only ${only}` : ''].filter(Boolean).join(' ')}): smaller sizes or missing benchmarks; not the reference figures.\n` : ''}
- Command: \`${command}\`
- Date: ${date.toISOString().replace(/\.\d+Z$/, 'Z')}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM
- Node: ${machine.node}; OS: ${machine.os}
- Run time of the benchmarks (without the build): ${secs(totalMs)}

## Results

${goalLine}${goalLines(goals, machine)}${markdownTable(rows)}

## Observations from this run

${notes.map(n => `- ${n}`).join('\n')}

${METHOD}`
}

async function findStderrLogs (dir, depth = 0, out = []) {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    if (e.isDirectory() && depth < 6 && e.name !== '.compile-cache' && e.name !== '.code-cache' && e.name !== 'data') await findStderrLogs(join(dir, e.name), depth + 1, out)
    else if (e.isFile() && e.name === 'stderr.log') out.push(join(dir, e.name))
  }
  return out
}

/** What the nodes wrote to stderr, grouped by message shape (digits and hex masked). */
export async function scanStderr (stateDir) {
  const files = await findStderrLogs(stateDir)
  const shapes = new Map()
  let nonEmpty = 0
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '')
    if (text.trim() === '') continue
    nonEmpty++
    const seen = new Set()
    for (const line of text.split('\n')) {
      const l = line.trim()
      if (l === '') continue
      const shape = l.replace(/[0-9a-f]{8,}|\d+/gi, '#').slice(0, 160)
      if (seen.has(shape)) continue
      seen.add(shape)
      const s = shapes.get(shape) ?? { files: 0, example: l.slice(0, 200), where: relative(stateDir, f) }
      s.files++
      shapes.set(shape, s)
    }
  }
  if (nonEmpty === 0) return { files: files.length, nonEmpty, summary: `Node stderr logs: all ${files.length} were empty.` }
  const top = [...shapes.values()].sort((a, b) => b.files - a.files).slice(0, 6)
  return {
    files: files.length,
    nonEmpty,
    summary: `Node stderr logs: ${nonEmpty} of ${files.length} not empty; most common lines: ${top.map(s => `\`${s.example}\` (${s.files} file${s.files === 1 ? '' : 's'}, e.g. ${s.where})`).join('; ')}.`
  }
}
