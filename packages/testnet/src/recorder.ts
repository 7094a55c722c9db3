import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gini, SAMPLE_COLUMNS } from './summary.js'
import type { Sample } from './summary.js'
import type { Testnet, TestnetStatus } from './testnet.js'

/** Machine CPU from /proc/stat: busy share of all cores since the previous reading. */
export class HostCpu {
  private prev: { busy: number, total: number } | undefined

  async sample (): Promise<number> {
    let text: string
    try {
      text = await readFile('/proc/stat', 'utf8')
    } catch {
      return 0
    }
    const fields = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    const now = { busy: total - idle, total }
    const prev = this.prev
    this.prev = now
    if (prev == null || now.total <= prev.total) return 0
    return (now.busy - prev.busy) / (now.total - prev.total)
  }
}

function label (key: string): { name: string, value: string } {
  const m = /^([a-z_]+)(?:\{[a-z]+=([^},]*)\})?/.exec(key)
  return { name: m?.[1] ?? key, value: m?.[2] ?? '' }
}

/**
 * Per-node counter totals turned into per-interval deltas. A restarted node counts from
 * zero again: its totals are compared with the previous ones only while it is the same
 * process (`start` is the node's start count), so counts made after a restart are never
 * mistaken for counts already seen.
 */
export class CounterDeltas {
  private readonly prev = new Map<string, { start: number, counters: Record<string, number> }>()

  take (node: string, counters: Record<string, number> | undefined, start = 0): Record<string, number> {
    const out: Record<string, number> = {}
    if (counters == null) return out
    const last = this.prev.get(node)
    const before = last != null && last.start === start ? last.counters : {}
    for (const [k, v] of Object.entries(counters)) {
      const was = before[k] ?? 0
      // a drop means the node restarted between two samples without our seeing it
      const d = v >= was ? v - was : v
      if (d > 0) out[k] = d
    }
    this.prev.set(node, { start, counters })
    return out
  }
}

export interface RecordedEvent {
  t: number
  type: string
  [key: string]: unknown
}

/**
 * Samples a running testnet about once per interval into timeseries.csv (appended as it
 * goes, so an interrupted run keeps what it recorded) and writes events.jsonl.
 */
export class Recorder {
  readonly samples: Sample[] = []
  readonly events: RecordedEvent[] = []
  phase = 'start'
  private readonly testnet: Testnet
  private readonly dir: string
  private readonly intervalMs: number
  private readonly startedAt: number
  private readonly cpu = new HostCpu()
  private readonly deltas = new CounterDeltas()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private lastAt = 0
  private cumulative = { promotions: 0, demotions: 0, overloadDemotions: 0 }
  private loop: Promise<void> = Promise.resolve()
  onSample?: (s: Sample, status: TestnetStatus) => void

  constructor (testnet: Testnet, dir: string, intervalMs: number, startedAt = Date.now()) {
    this.testnet = testnet
    this.dir = dir
    this.intervalMs = intervalMs
    this.startedAt = startedAt
  }

  /** Seconds since the run began. */
  now (): number {
    return (Date.now() - this.startedAt) / 1000
  }

  async start (): Promise<void> {
    await writeFile(join(this.dir, 'timeseries.csv'), SAMPLE_COLUMNS.join(',') + '\n')
    await writeFile(join(this.dir, 'events.jsonl'), '')
    await this.cpu.sample()
    this.running = true
    this.lastAt = Date.now()
    this.schedule()
  }

  private schedule (): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.loop = this.sample().catch(() => {}).finally(() => { this.schedule() })
    }, this.intervalMs)
  }

  async stop (): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    await this.loop
  }

  async event (type: string, detail: Record<string, unknown> = {}): Promise<void> {
    const e: RecordedEvent = { t: Math.round(this.now() * 1000) / 1000, type, ...detail }
    this.events.push(e)
    await appendFile(join(this.dir, 'events.jsonl'), JSON.stringify(e) + '\n')
  }

  private async sample (): Promise<void> {
    const status = await this.testnet.status()
    const at = Date.now()
    const dt = Math.max(0.001, (at - this.lastAt) / 1000)
    this.lastAt = at
    const sum = { loginAttempts: 0, loginSuccesses: 0, loginRefusals: 0, loginTimeouts: 0, loginErrors: 0, attachAttempts: 0, attachSuccesses: 0, attachRefusals: 0, attachTimeouts: 0, loginServerRequests: 0, loginServerLogins: 0, loginServerServed: 0, promotions: 0, demotions: 0, overloadDemotions: 0, messages: 0 }
    const counters = this.testnet.lastCounters()
    const starts = new Map(status.nodes.map(n => [n.name, n.restarts]))
    for (const [node, totals] of counters) {
      const d = this.deltas.take(node, totals, starts.get(node) ?? 0)
      for (const [key, n] of Object.entries(d)) {
        const { name, value } = label(key)
        switch (name) {
          case 'login_attempts':
            sum.loginAttempts += n
            if (value === 'ok' || value === 'promote') sum.loginSuccesses += n
            else if (value === 'timeout') sum.loginTimeouts += n
            else if (value === 'error') sum.loginErrors += n
            else sum.loginRefusals += n
            break
          case 'attach_attempts':
            sum.attachAttempts += n
            if (value === 'ok') sum.attachSuccesses += n
            else if (value === 'timeout') sum.attachTimeouts += n
            else if (value !== 'unreachable') sum.attachRefusals += n
            break
          case 'login_requests':
            sum.loginServerRequests += n
            sum.loginServerLogins += n
            if (value === 'ok' || value === 'promote' || value === 'no-supernode') sum.loginServerServed += n
            break
          case 'reports':
            if (node === 'login') sum.loginServerRequests += n
            break
          case 'promotions':
            sum.promotions += n
            break
          case 'demotions':
            sum.demotions += n
            if (value === 'overload') sum.overloadDemotions += n
            break
          case 'messages':
            sum.messages += n
            break
        }
      }
    }
    this.cumulative.promotions += sum.promotions
    this.cumulative.demotions += sum.demotions
    this.cumulative.overloadDemotions += sum.overloadDemotions
    const online = status.nodes.filter(n => n.alive && !n.paused)
    const sns = online.filter(n => n.role === 'supernode')
    const loads = sns.map(n => n.load)
    const capacity = sns.reduce((a, n) => a + n.capacity, 0)
    const totalLoad = loads.reduce((a, b) => a + b, 0)
    const loggedIn = online.filter(n => n.loggedIn).length
    const perSecond = (x: number): number => Math.round((x / dt) * 100) / 100
    const s: Sample = {
      t: Math.round(((at - this.startedAt) / 1000) * 10) / 10,
      phase: this.phase,
      online: online.length,
      loggedIn,
      loggedInShare: online.length === 0 ? 0 : Math.round((loggedIn / online.length) * 1000) / 1000,
      supernodes: sns.length,
      capacity,
      demand: online.length,
      loginAttempts: perSecond(sum.loginAttempts),
      loginSuccesses: perSecond(sum.loginSuccesses),
      loginRefusals: perSecond(sum.loginRefusals),
      loginTimeouts: perSecond(sum.loginTimeouts),
      loginErrors: perSecond(sum.loginErrors),
      attachAttempts: perSecond(sum.attachAttempts),
      attachSuccesses: perSecond(sum.attachSuccesses),
      attachRefusals: perSecond(sum.attachRefusals),
      attachTimeouts: perSecond(sum.attachTimeouts),
      loginServerRequests: perSecond(sum.loginServerRequests),
      loginServerLogins: perSecond(sum.loginServerLogins),
      loginServerServed: perSecond(sum.loginServerServed),
      clientsPerSnMax: loads.length === 0 ? 0 : Math.max(...loads),
      clientsPerSnMean: loads.length === 0 ? 0 : Math.round((totalLoad / loads.length) * 100) / 100,
      clientsPerSnGini: Math.round(gini(loads) * 1000) / 1000,
      snUtilisation: capacity === 0 ? 0 : Math.round((totalLoad / capacity) * 1000) / 1000,
      promotions: this.cumulative.promotions,
      demotions: this.cumulative.demotions,
      overloadDemotions: this.cumulative.overloadDemotions,
      messagesPerNodePerSecond: online.length === 0 ? 0 : Math.round((sum.messages / online.length / dt) * 100) / 100,
      hostCpu: Math.round((await this.cpu.sample()) * 1000) / 1000
    }
    this.samples.push(s)
    await appendFile(join(this.dir, 'timeseries.csv'), SAMPLE_COLUMNS.map(c => String(s[c])).join(',') + '\n')
    if (sum.loginRefusals + sum.attachRefusals >= Math.max(5, 0.25 * online.length) * dt) {
      await this.event('refusal-burst', { loginRefusals: sum.loginRefusals, attachRefusals: sum.attachRefusals })
    }
    if (sum.overloadDemotions > 0) await this.event('overload-demotions', { count: sum.overloadDemotions })
    this.onSample?.(s, status)
  }
}
