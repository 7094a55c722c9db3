/** The benchmark table (text and Markdown), the docs page, and a summary of node stderr logs. */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { CLK_TCK } from './proc.mjs'
import { secs } from './stats.mjs'

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

All processes are children of the benchmark process, launched with the testnet library
(\`@stampede/testnet\`) exactly as \`stampede up\` launches them: Node with
\`--max-semi-space-size=1\`, the esbuild bundle \`packages/node/dist/bundle/stampede-node.mjs\`
and \`NODE_COMPILE_CACHE\`, the default config (\`testnet/default.yaml\` values) with only the
peer count changed. State lives in a temporary directory that is removed at the end. The
benchmarks run one after another, never two at once. \`--quick\` uses 10 and 20 peers,
5 s windows and fewer repetitions.

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
   creation, compile cache filled) and is not counted. RSS and peak RSS (\`VmHWM\`) are read
   1 s after ready. The baseline is a bare Node.js process that sends the same \`ready\`
   message at once.
3. **Bring-up of 100 peers.** Wall time from calling \`Testnet.launch()\` to its resolving
   (every process reported \`ready\`), and to \`waitForLoggedIn({ share: 1 })\` returning (it
   polls every node's status every 500 ms, so it adds up to ~0.5 s plus a poll round).
   Machine CPU is sampled from \`/proc/stat\` once a second; the mean covers launch to all
   logged in. The compile cache is warm, as after any earlier run with the same state
   directory. This is repeated 3 times (a fresh testnet each time, 3 s apart); the table
   gives medians. Per-peer CPU is \`utime + stime\` of each process when everyone is logged
   in. The logged-in curve comes from the nodes' own event logs (\`events.jsonl\`: the
   first \`attached\` or \`supernode-active\` event of each peer), so it also covers the
   time before \`launch()\` resolved. A 10 s quiet window follows, measured like the idle
   window of 1.

"Idle" here means the first minute of a testnet's life: kad-dht's self-query and routing
table refresh run every 5 minutes and are not in any window. CPU ticks are 1/${CLK_TCK} s, so a
10 s window resolves ${(100 / CLK_TCK / 10).toFixed(2)} % of one core per process. "Other processes" is the machine's busy
share (\`/proc/stat\`) minus this benchmark's process tree (its own CPU, its live children's
and its reaped children's \`cutime + cstime\`): load from outside that skews the figures.
`

export function renderMarkdown ({ rows, notes, machine, date, command, totalMs, quick, only, goal }) {
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
\`--only process|startup|bringup\` runs one benchmark; those do not rewrite this page unless
given \`--docs\`.
${partial ? `\n> **Partial run** (${[quick ? '--quick' : '', only != null ? `--only ${only}` : ''].filter(Boolean).join(' ')}): smaller sizes or missing benchmarks; not the reference figures.\n` : ''}
- Command: \`${command}\`
- Date: ${date.toISOString().replace(/\.\d+Z$/, 'Z')}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM
- Node: ${machine.node}; OS: ${machine.os}
- Run time of the benchmarks (without the build): ${secs(totalMs)}

## Results

${goalLine}${markdownTable(rows)}

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
    if (e.isDirectory() && depth < 6 && e.name !== '.compile-cache' && e.name !== 'data') await findStderrLogs(join(dir, e.name), depth + 1, out)
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
