/**
 * Readers for Linux /proc: a process's memory and CPU time, the machine's CPU time, the
 * machine's description, and the children of this process (for cleaning up after a crash).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'

/** Clock ticks per second of utime/stime in /proc/<pid>/stat and of /proc/stat. */
export const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

/** VmRSS, VmHWM (peak RSS) and PSS of a process in kB; undefined when it is gone. */
export function readMemory (pid) {
  let text
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const field = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)
    return m == null ? undefined : Number(m[1])
  }
  const rssKb = field('VmRSS')
  return rssKb == null ? undefined : { rssKb, hwmKb: field('VmHWM') ?? rssKb, pssKb: readPss(pid) ?? rssKb }
}

/**
 * Proportional set size in kB (/proc/<pid>/smaps_rollup): RSS with every shared page
 * divided among the processes that map it. About 55 MB of a node process's RSS is the
 * Node.js binary's text, shared by every node process, so summing RSS over hundreds of
 * processes counts that 55 MB hundreds of times; summing PSS counts it once.
 */
function readPss (pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
    return m == null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** Fields of /proc/<pid>/stat after the command name (index 0 = field 3, "state"). */
function statFields (pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/)
}

/** CPU time (user + system) a process has used, in clock ticks; undefined when it is gone. */
export function readCpuTicks (pid) {
  try {
    const f = statFields(pid)
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat
    return Number(f[11]) + Number(f[12])
  } catch {
    return undefined
  }
}

/** The machine's CPU time since boot in ticks, summed over all cores: busy and total. */
export function readMachineTicks () {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}

/** Busy share of the whole machine between two readMachineTicks() readings, in percent. */
export function machineBusyPercent (a, b) {
  const total = b.total - a.total
  return total > 0 ? 100 * (b.busy - a.busy) / total : 0
}

/** Pids of the live direct children of `ppid`. */
export function childPids (ppid = process.pid) {
  const out = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (Number(statFields(entry)[1]) === ppid) out.push(Number(entry))
    } catch {
      // the process went away while we looked
    }
  }
  return out
}

/** Pids of processes whose command line contains `needle` (for a leftover check). */
export function pidsWithArg (needle) {
  const out = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmd.includes(needle)) out.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return out
}

/** CPU model, cores, RAM, Node version and OS of this machine. */
export function machineInfo () {
  let cpu = cpus()[0]?.model ?? 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m?.[1] != null) cpu = m[1].trim()
  } catch {
    // keep os.cpus()'s answer
  }
  let os = `${process.platform}`
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))
    if (m?.[1] != null) os = m[1]
  } catch {
    // no os-release
  }
  let kernel = ''
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()
  } catch {
    // not Linux
  }
  return {
    cpu,
    cores: cpus().length,
    ramGiB: totalmem() / 2 ** 30,
    node: process.version,
    os: kernel !== '' ? `${os}, Linux ${kernel}` : os
  }
}

/**
 * CPU ticks used by this process and all its children: its own utime + stime, the
 * cutime + cstime of children it has reaped, and the live children's utime + stime.
 */
export function treeTicks () {
  const f = statFields(process.pid)
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  for (const pid of childPids()) ticks += readCpuTicks(pid) ?? 0
  return ticks
}

/**
 * Watch the machine between start and `end()`: its busy share, this process tree's share
 * and the rest (other processes on the machine: the "foreign" load that skews figures).
 */
export function watchLoad () {
  const m0 = readMachineTicks()
  const t0 = treeTicks()
  return {
    end () {
      const m1 = readMachineTicks()
      const t1 = treeTicks()
      const total = m1.total - m0.total
      const machinePct = machineBusyPercent(m0, m1)
      const oursPct = total > 0 ? 100 * (t1 - t0) / total : 0
      return { machinePct, oursPct, foreignPct: Math.max(0, machinePct - oursPct) }
    }
  }
}

/** Pids of a testnet's login server and live peers, by node name (a worker's pid once per node it runs). */
export function testnetPids (testnet) {
  const out = new Map()
  for (const name of ['login', ...testnet.nodeNames()]) {
    const pid = testnet.process(name).pid
    if (pid != null) out.set(name, pid)
  }
  return out
}
