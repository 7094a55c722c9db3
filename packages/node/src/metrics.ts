import { monitorEventLoopDelay } from 'node:perf_hooks'
import counterModule from 'prom-client/lib/counter.js'
import gaugeModule from 'prom-client/lib/gauge.js'
import registryModule from 'prom-client/lib/registry.js'
import type * as PromClient from 'prom-client'

// The parts of prom-client the overlay uses, loaded one by one: its index also loads the
// Pushgateway, which requires node:https (with tls), node:http and node:zlib, ~25 ms of
// CPU at every node start for a push nobody makes. The index re-exports these same ones.
// Its default (process) metrics are loaded only when asked for: see enableProcessMetrics.
const Counter = counterModule as typeof PromClient.Counter
type Counter<T extends string = string> = PromClient.Counter<T>
const Gauge = gaugeModule as typeof PromClient.Gauge
type Gauge<T extends string = string> = PromClient.Gauge<T>
const Registry = registryModule as typeof PromClient.Registry
type Registry = PromClient.Registry

/**
 * The overlay's own counters and gauges, in a registry of the node's own (so several
 * nodes in one process do not share series) with a `node` label on every series.
 */
export class OverlayMetrics {
  readonly registry: Registry
  readonly role: Gauge<'role'>
  readonly loggedIn: Gauge
  readonly clients: Gauge
  readonly capacity: Gauge
  readonly loginRequests: Counter<'result'>
  readonly loginAttempts: Counter<'result'>
  readonly attachRequests: Counter<'result'>
  readonly attachAttempts: Counter<'result'>
  readonly streamResets: Counter<'protocol' | 'reason'>
  readonly failovers: Counter<'cause'>
  readonly promotions: Counter
  readonly demotions: Counter<'reason'>
  readonly messages: Counter<'direction'>
  readonly reports: Counter<'result'>
  readonly presence: Counter<'result'>
  readonly neighbourDials: Counter<'result'>
  readonly connectionsOpened: Counter<'direction'>
  readonly connectionsRefused: Counter<'reason'>
  readonly networkSupernodes: Gauge
  readonly networkLoggedIn: Gauge
  readonly networkCapacity: Gauge
  readonly rejectedInput: Counter<'field'>
  readonly eventsDropped: Gauge

  private processMetrics: Promise<void> | undefined

  constructor (node: string) {
    const registry = this.registry = new Registry()
    registry.setDefaultLabels({ node })
    const registers = [registry]
    this.role = new Gauge({ name: 'stampede_role', help: '1 for the role this node has now', labelNames: ['role'], registers })
    this.loggedIn = new Gauge({ name: 'stampede_logged_in', help: '1 while this peer is logged in and attached (or serving as a supernode)', registers })
    this.clients = new Gauge({ name: 'stampede_supernode_clients', help: 'clients attached to this supernode', registers })
    this.capacity = new Gauge({ name: 'stampede_supernode_capacity', help: 'client slots of this supernode (0 when not one)', registers })
    this.loginRequests = new Counter({ name: 'stampede_login_requests_total', help: 'log-in requests the login server answered, by result', labelNames: ['result'], registers })
    this.loginAttempts = new Counter({ name: 'stampede_login_attempts_total', help: 'log-in attempts this peer made, by result', labelNames: ['result'], registers })
    this.attachRequests = new Counter({ name: 'stampede_attach_requests_total', help: 'attach requests this supernode answered, by result', labelNames: ['result'], registers })
    this.attachAttempts = new Counter({ name: 'stampede_attach_attempts_total', help: 'attach attempts this client made, by result', labelNames: ['result'], registers })
    this.streamResets = new Counter({ name: 'stampede_stream_resets_total', help: 'inbound streams reset for bad input, by protocol and reason', labelNames: ['protocol', 'reason'], registers })
    this.failovers = new Counter({ name: 'stampede_failovers_total', help: 'times this client lost its supernode, by cause', labelNames: ['cause'], registers })
    this.promotions = new Counter({ name: 'stampede_promotions_total', help: 'times this peer became a supernode', registers })
    this.demotions = new Counter({ name: 'stampede_demotions_total', help: 'times this peer stopped being a supernode, by reason', labelNames: ['reason'], registers })
    this.messages = new Counter({ name: 'stampede_messages_total', help: 'overlay protocol messages, by direction', labelNames: ['direction'], registers })
    this.reports = new Counter({ name: 'stampede_reports_total', help: 'supernode load reports, by result', labelNames: ['result'], registers })
    this.presence = new Counter({ name: 'stampede_presence_total', help: 'presence publications and lookups, by result', labelNames: ['result'], registers })
    this.neighbourDials = new Counter({ name: 'stampede_neighbour_dials_total', help: 'DHT neighbour connections this supernode dialled, by result (deferred: it or its host was busy, see the policy\'s presencePacing; failed: the dial failed)', labelNames: ['result'], registers })
    this.connectionsOpened = new Counter({ name: 'stampede_connections_opened_total', help: 'libp2p connections this node opened (outbound) or accepted (inbound), each counted once it is upgraded', labelNames: ['direction'], registers })
    this.connectionsRefused = new Counter({ name: 'stampede_connections_refused_total', help: 'inbound connections closed as they arrived, before the handshake, by reason (client: this peer serves nothing while a client)', labelNames: ['reason'], registers })
    this.networkSupernodes = new Gauge({ name: 'stampede_network_supernodes', help: 'live supernodes as the login server sees them', registers })
    this.networkLoggedIn = new Gauge({ name: 'stampede_network_logged_in', help: 'logged-in peers as the login server sees them', registers })
    this.networkCapacity = new Gauge({ name: 'stampede_network_capacity', help: 'client slots of all live supernodes', registers })
    this.rejectedInput = new Counter({ name: 'stampede_rejected_input_total', help: 'messages rejected for a missing, negative or absurd value, by field', labelNames: ['field'], registers })
    const mirrored: Array<[Counter<string>, string]> = [
      [this.loginRequests, 'login_requests'], [this.loginAttempts, 'login_attempts'],
      [this.attachRequests, 'attach_requests'], [this.attachAttempts, 'attach_attempts'],
      [this.streamResets, 'stream_resets'], [this.failovers, 'failovers'], [this.promotions, 'promotions'],
      [this.demotions, 'demotions'], [this.messages, 'messages'], [this.reports, 'reports'], [this.presence, 'presence'],
      [this.neighbourDials, 'neighbour_dials'],
      [this.connectionsOpened, 'connections_opened'], [this.connectionsRefused, 'connections_refused']
    ]
    for (const [c, name] of mirrored) this.mirror(c, name)
    this.eventsDropped = new Gauge({ name: 'stampede_events_dropped', help: 'events the event log dropped because the disk could not keep up', registers })
  }

  /**
   * Also export this process's CPU, memory, event loop, handles and GC figures (prom-client's
   * default metrics, named `stampede_process_*`). Loaded when first asked for, not with the
   * rest: those modules bring @opentelemetry/api and node:v8 with them, work for every node
   * start, while a testnet's nodes never ask for them. Idempotent.
   */
  async enableProcessMetrics (): Promise<void> {
    this.processMetrics ??= import('prom-client/lib/defaultMetrics.js').then(({ default: collect }) => {
      (collect as typeof PromClient.collectDefaultMetrics)({ register: this.registry, prefix: 'stampede_process_' })
    })
    await this.processMetrics
  }

  /**
   * Running totals of every counter, keyed `metric{label=value,...}` without the
   * `stampede_` prefix and `_total` suffix, readable synchronously (the node's status
   * carries them, so a sampler needs one request per node).
   */
  readonly totals: Record<string, number> = {}

  private mirror (counter: Counter<string>, name: string): void {
    const inc = counter.inc.bind(counter)
    counter.inc = ((labels?: Record<string, string | number> | number, value?: number) => {
      const by = typeof labels === 'number' ? labels : value ?? 1
      const suffix = typeof labels === 'object' && labels != null
        ? `{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}}`
        : ''
      this.totals[name + suffix] = (this.totals[name + suffix] ?? 0) + by
      inc(labels as Record<string, string | number>, value)
    }) as typeof counter.inc
  }

  setRole (role: string): void {
    for (const r of ['login', 'client', 'supernode']) this.role.set({ role: r }, r === role ? 1 : 0)
  }
}

/**
 * Event-loop delay of this process over one window, in milliseconds: how late the
 * monitor's timer ran, beyond its own resolution period.
 */
export interface EventLoopLag {
  p99Ms: number
  maxMs: number
  meanMs: number
  /** length of the window these figures cover; 0 until the first window after the monitor started is complete */
  windowMs: number
}

/** Windows of the event-loop delay monitor. */
export const EVENT_LOOP_LAG_WINDOW_MS = 5_000
/**
 * Sampling resolution. The monitor wakes its process this often, and the lag it measures
 * is partly its own: 150 idle Node.js processes on a 2-core machine, each with a monitor,
 * kept the machine busy 19.8 % at 20 ms, 10.8 % at 50 ms, 5.1 % at 100 ms and 0.5 % with
 * none (`node -e` processes that only enable the monitor; /proc/stat over 20 s), so
 * measuring all 301 processes of a 300-peer process-mode testnet at once adds some 40 %
 * of the machine's CPU. A coarser timer is cheaper but changes what p99 means: a 5 s window at 100 ms
 * holds 50 samples, so its p99 is its largest delay (any one stall fails it), where at
 * 20 ms it is the third largest of 250. Tried at 100 ms on 300 process peers: the machine
 * 51 % busy instead of 88 % while settling, yet 11 of 301 processes at 100 ms or more
 * against 1 of 301 at 20 ms. The benchmarks' figures are defined at 20 ms.
 */
export const EVENT_LOOP_LAG_RESOLUTION_MS = 20
/** The monitor switches itself off when nobody asked for the lag this long. */
export const EVENT_LOOP_LAG_IDLE_STOP_MS = 60_000

export interface LagMonitorOptions {
  /** @default EVENT_LOOP_LAG_RESOLUTION_MS */
  resolutionMs?: number
  /** @default EVENT_LOOP_LAG_WINDOW_MS */
  windowMs?: number
  /** @default EVENT_LOOP_LAG_IDLE_STOP_MS */
  idleStopMs?: number
}

/** An event-loop delay monitor: `read()` starts it if stopped, `stop()` switches it off. */
export interface LagMonitor {
  read(): EventLoopLag
  stop(): void
}

/**
 * An event-loop delay monitor (perf_hooks.monitorEventLoopDelay) that starts on the first
 * read and returns zeros then; later reads return the last complete window. It stops on
 * `stop()`, or by itself when not read for `idleStopMs`, and starts again on the next read.
 */
export function lagMonitor (opts: LagMonitorOptions = {}): LagMonitor {
  const resolutionMs = opts.resolutionMs ?? EVENT_LOOP_LAG_RESOLUTION_MS
  const windowMs = opts.windowMs ?? EVENT_LOOP_LAG_WINDOW_MS
  const idleStopMs = opts.idleStopMs ?? EVENT_LOOP_LAG_IDLE_STOP_MS
  let running: { histogram: ReturnType<typeof monitorEventLoopDelay>, timer: ReturnType<typeof setInterval> } | undefined
  let last: EventLoopLag = { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }
  let askedAt = 0
  const stop = (): void => {
    if (running == null) return
    clearInterval(running.timer)
    running.histogram.disable()
    running = undefined
  }
  const read = (): EventLoopLag => {
    askedAt = Date.now()
    if (running == null) {
      const h = monitorEventLoopDelay({ resolution: resolutionMs })
      h.enable()
      last = { p99Ms: 0, maxMs: 0, meanMs: 0, windowMs: 0 }
      let windowStart = Date.now()
      const timer = setInterval(() => {
        const now = Date.now()
        // the histogram records the whole interval between timer runs: the lag is what exceeds the period
        const ms = (ns: number): number => Number.isFinite(ns) ? Math.max(0, ns / 1e6 - resolutionMs) : 0
        last = { p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean), windowMs: now - windowStart }
        h.reset()
        windowStart = now
        if (now - askedAt > idleStopMs) stop()
      }, windowMs)
      timer.unref()
      running = { histogram: h, timer }
    }
    return { ...last }
  }
  return { read, stop }
}

const processLag = lagMonitor()

/**
 * The process's event-loop delay, one monitor per process however many nodes it runs
 * (they share the loop). Off until first asked, since it wakes the process every
 * EVENT_LOOP_LAG_RESOLUTION_MS; see lagMonitor.
 */
export const eventLoopLag: () => EventLoopLag = processLag.read

/** Switch the process's event-loop delay monitor off (until it is next asked). */
export const stopEventLoopLag: () => void = processLag.stop
