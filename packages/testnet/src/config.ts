import { readFile } from 'node:fs/promises'
import { BlockList, isIP } from 'node:net'
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'
import { DEFAULT_PRESENCE_PACING, SWITCH_NAMES } from '@stampede/allocation'
import { ConfigError } from './errors.js'
import type { LegacySwitches, PolicyDescription } from '@stampede/allocation'
import type { TimingOptions } from '@stampede/node'
import type { Document } from 'yaml'
import type { ConfigLocation } from './errors.js'

/** A kind of machine in the population, and what share of peers are of that kind. */
export interface ProfileConfig {
  name: string
  /** Fraction of peers with this profile, in (0, 1]; all shares sum to 1. */
  share: number
  /** Has a public address (not behind NAT), so it may become a supernode. */
  reachable: boolean
  /** Clients this peer can serve as a supernode. */
  capacity: number
  bandwidthKbps: number
  /** Attaches per second it serves as a supernode (its modelled CPU); default 10. */
  attachesPerSecond?: number
}

export interface LoginServerConfig {
  loginsPerSecond: number
  burst: number
  tokenTtlMs: number
  referrals: number
}

export interface PromotionConfig {
  clientsPerSupernode: number
  minSupernodes: number
  maxPromotionsPerRound: number
  headroom: number
  minTenureMs: number
  requireReachable: boolean
  minCapacity: number
  minBandwidthKbps: number
  minUptimeMs: number
}

/** The overlay's own timers (every node gets them), and the launcher's. */
export interface TimingConfig extends TimingOptions {
  /** `up` gives up if the testnet is not logged in by then */
  startupTimeoutMs: number
  /** the first bring-up spawns peers spread over this long (a network that grew) */
  startSpreadMs: number
  /** uptime the first peers count as already having (a network running for hours) */
  priorUptimeMs: number
}

export interface HostCacheConfig {
  maxEntries: number
}

export interface TestnetConfig {
  name: string
  /** Peers, not counting the login server. */
  nodes: number
  /**
   * Peers per worker process: 1 (process mode, the default) runs each node in a process of
   * its own; K > 1 (packed mode) runs K nodes in each worker process, so a machine holds
   * more of them. The login server always has a process of its own.
   */
  nodesPerProcess: number
  /**
   * Scheduling niceness of the peers' processes (0-19). The login server and the launcher
   * keep the launcher's own priority: in the modelled network the login server is the
   * operator's machine, bounded by `loginServer.loginsPerSecond`, not by a time slice
   * shared with hundreds of peer processes on one host. 0 puts everyone on an equal footing.
   */
  peerNice: number
  seed: number
  /** Loopback address every process listens on. */
  host: string
  profiles: ProfileConfig[]
  loginServer: LoginServerConfig
  promotion: PromotionConfig
  timing: TimingConfig
  hostCache: HostCacheConfig
  /** The resource allocation policy every node runs (see @stampede/allocation). */
  policy: PolicyDescription
}

/** Testnet and profile names: lower-case letters, digits and '-', 1 to 32 characters. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/
export const MIN_NODES = 1
export const MAX_NODES = 2000
/** Most nodes one worker process runs in packed mode (one event loop, one core). */
export const MAX_NODES_PER_PROCESS = 64
export const MAX_PROFILE_CAPACITY = 100_000
export const MAX_PROFILE_BANDWIDTH_KBPS = 10_000_000
export const MAX_HOST_CACHE_ENTRIES = 10_000
/** Tolerance on the sum of profile shares. */
export const SHARE_SUM_TOLERANCE = 0.001
/** Longest accepted duration for timing values (one day), to catch unit mistakes. */
export const MAX_DURATION_MS = 86_400_000
/** Longest accepted login token lifetime (one week). */
export const MAX_TOKEN_TTL_MS = 7 * 86_400_000
/** Most supernode referrals one login answer may carry (the wire format's bound). */
export const MAX_REFERRALS = 16

export const DEFAULT_NAME = 'default'
export const DEFAULT_NODES = 20
/** Process mode: every node a process of its own. */
export const DEFAULT_NODES_PER_PROCESS = 1
/** Peers run at low priority so the login server keeps the CPU its modelled rate needs. */
export const DEFAULT_PEER_NICE = 10
/** Highest niceness Linux accepts. */
export const MAX_NICE = 19
export const DEFAULT_SEED = 1
export const DEFAULT_HOST = '127.0.0.1'

export const DEFAULT_PROFILES: ProfileConfig[] = [
  { name: 'desktop', share: 0.4, reachable: true, capacity: 8, bandwidthKbps: 1000 },
  { name: 'laptop', share: 0.6, reachable: false, capacity: 0, bandwidthKbps: 200 }
]

export const DEFAULT_LOGIN_SERVER: LoginServerConfig = {
  loginsPerSecond: 200,
  burst: 50,
  tokenTtlMs: 3_600_000,
  referrals: 3
}

export const DEFAULT_PROMOTION: PromotionConfig = {
  clientsPerSupernode: 5,
  minSupernodes: 1,
  maxPromotionsPerRound: 4,
  headroom: 0.25,
  minTenureMs: 30_000,
  requireReachable: true,
  minCapacity: 2,
  minBandwidthKbps: 100,
  minUptimeMs: 2_000
}

export const DEFAULT_TIMING: TimingConfig = {
  heartbeatIntervalMs: 1000,
  heartbeatTimeoutMs: 3500,
  reportIntervalMs: 1000,
  supernodeExpiryMs: 3500,
  requestTimeoutMs: 5000,
  retryBaseMs: 250,
  retryMaxMs: 5000,
  presenceDelayMs: 2000,
  startupTimeoutMs: 60_000,
  startSpreadMs: 0,
  priorUptimeMs: 0
}

export const DEFAULT_HOST_CACHE: HostCacheConfig = {
  maxEntries: 200
}

/** A fresh copy of the default config; callers may edit it. */
export function defaultConfig (): TestnetConfig {
  return {
    name: DEFAULT_NAME,
    nodes: DEFAULT_NODES,
    nodesPerProcess: DEFAULT_NODES_PER_PROCESS,
    peerNice: DEFAULT_PEER_NICE,
    seed: DEFAULT_SEED,
    host: DEFAULT_HOST,
    profiles: DEFAULT_PROFILES.map(p => ({ ...p })),
    loginServer: { ...DEFAULT_LOGIN_SERVER },
    promotion: { ...DEFAULT_PROMOTION },
    timing: { ...DEFAULT_TIMING },
    hostCache: { ...DEFAULT_HOST_CACHE },
    policy: { family: 'adaptive' }
  }
}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** True for an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1 (any spelling). */
export function isLoopbackAddress (address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

const nameSchema = z.string().regex(NAME_PATTERN, 'must be 1-32 characters of a-z, 0-9 and "-", not starting with "-"')
const durationMs = (min: number, max = MAX_DURATION_MS): z.ZodInt => z.int().min(min).max(max)

const profileSchema = z.strictObject({
  name: nameSchema,
  share: z.number().gt(0).lte(1),
  reachable: z.boolean(),
  capacity: z.int().min(0).max(MAX_PROFILE_CAPACITY),
  bandwidthKbps: z.number().min(0).max(MAX_PROFILE_BANDWIDTH_KBPS),
  attachesPerSecond: z.number().gt(0).max(1_000_000).optional()
})

const profilesSchema = z.array(profileSchema).min(1, 'needs at least one profile').check(ctx => {
  // Cross-field rules only make sense once every profile is valid on its own.
  if (ctx.issues.length > 0) return
  const profiles = ctx.value
  const seen = new Map<string, number>()
  profiles.forEach((p, i) => {
    const first = seen.get(p.name)
    if (first != null) {
      ctx.issues.push({ code: 'custom', input: p.name, path: [i, 'name'], message: `duplicate profile name '${p.name}' (also profiles[${first}])` })
    } else {
      seen.set(p.name, i)
    }
  })
  const sum = profiles.reduce((total, p) => total + p.share, 0)
  if (profiles.length > 0 && Math.abs(sum - 1) > SHARE_SUM_TOLERANCE) {
    ctx.issues.push({ code: 'custom', input: profiles, path: [], message: `shares must sum to 1 (±${SHARE_SUM_TOLERANCE}), they sum to ${round(sum, 6)}` })
  }
})

const loginServerSchema = z.strictObject({
  loginsPerSecond: z.number().gt(0).max(1_000_000).default(DEFAULT_LOGIN_SERVER.loginsPerSecond),
  burst: z.int().min(1).max(1_000_000).default(DEFAULT_LOGIN_SERVER.burst),
  tokenTtlMs: durationMs(1, MAX_TOKEN_TTL_MS).default(DEFAULT_LOGIN_SERVER.tokenTtlMs),
  referrals: z.int().min(0).max(MAX_REFERRALS).default(DEFAULT_LOGIN_SERVER.referrals)
})

const promotionSchema = z.strictObject({
  clientsPerSupernode: z.int().min(1).max(MAX_PROFILE_CAPACITY).default(DEFAULT_PROMOTION.clientsPerSupernode),
  minSupernodes: z.int().min(0).max(MAX_NODES).default(DEFAULT_PROMOTION.minSupernodes),
  maxPromotionsPerRound: z.int().min(1).max(MAX_NODES).default(DEFAULT_PROMOTION.maxPromotionsPerRound),
  headroom: z.number().min(0).lt(1).default(DEFAULT_PROMOTION.headroom),
  minTenureMs: durationMs(0).default(DEFAULT_PROMOTION.minTenureMs),
  requireReachable: z.boolean().default(DEFAULT_PROMOTION.requireReachable),
  minCapacity: z.int().min(0).max(MAX_PROFILE_CAPACITY).default(DEFAULT_PROMOTION.minCapacity),
  minBandwidthKbps: z.number().min(0).max(MAX_PROFILE_BANDWIDTH_KBPS).default(DEFAULT_PROMOTION.minBandwidthKbps),
  minUptimeMs: durationMs(0).default(DEFAULT_PROMOTION.minUptimeMs)
})

const timingSchema = z.strictObject({
  heartbeatIntervalMs: durationMs(1).default(DEFAULT_TIMING.heartbeatIntervalMs),
  heartbeatTimeoutMs: durationMs(1).default(DEFAULT_TIMING.heartbeatTimeoutMs),
  reportIntervalMs: durationMs(1).default(DEFAULT_TIMING.reportIntervalMs),
  supernodeExpiryMs: durationMs(1).default(DEFAULT_TIMING.supernodeExpiryMs),
  requestTimeoutMs: durationMs(1).default(DEFAULT_TIMING.requestTimeoutMs),
  retryBaseMs: durationMs(1).default(DEFAULT_TIMING.retryBaseMs),
  retryMaxMs: durationMs(1).default(DEFAULT_TIMING.retryMaxMs),
  presenceDelayMs: durationMs(0).default(DEFAULT_TIMING.presenceDelayMs),
  startupTimeoutMs: durationMs(1).default(DEFAULT_TIMING.startupTimeoutMs),
  startSpreadMs: durationMs(0).default(DEFAULT_TIMING.startSpreadMs),
  priorUptimeMs: durationMs(0, 365 * MAX_DURATION_MS).default(DEFAULT_TIMING.priorUptimeMs)
}).check(ctx => {
  if (ctx.issues.length > 0) return
  const t = ctx.value
  const after = (later: keyof TimingConfig, earlier: keyof TimingConfig, orEqual: boolean): void => {
    if (t[later] < t[earlier] || (!orEqual && t[later] === t[earlier])) {
      ctx.issues.push({
        code: 'custom',
        input: t[later],
        path: [later],
        message: `must be ${orEqual ? 'at least' : 'greater than'} timing.${earlier} (${t[later]} vs ${t[earlier]})`
      })
    }
  }
  after('heartbeatTimeoutMs', 'heartbeatIntervalMs', false)
  after('supernodeExpiryMs', 'reportIntervalMs', false)
  after('retryMaxMs', 'retryBaseMs', true)
})

const hostCacheSchema = z.strictObject({
  maxEntries: z.int().min(1).max(MAX_HOST_CACHE_ENTRIES).default(DEFAULT_HOST_CACHE.maxEntries)
})

const admissionSchema = z.strictObject({
  ratePerSecond: z.number().gt(0).max(1_000_000).optional(),
  burst: z.int().min(1).max(1_000_000).optional(),
  maxQueueDelayMs: durationMs(0).nullable().optional(),
  refusal: z.enum(['explicit', 'silent']).optional()
})

const switchesSchema = z.strictObject(Object.fromEntries(SWITCH_NAMES.map(n => [n, z.boolean().optional()])) as Record<keyof LegacySwitches, z.ZodOptional<z.ZodBoolean>>)

/** The allocation policy: which family, which legacy faults, and its tunables. */
export const policySchema = z.strictObject({
  family: z.enum(['legacy', 'adaptive']).default('adaptive'),
  switches: switchesSchema.optional(),
  module: z.string().min(1).optional(),
  slowPromotionUptimeMs: durationMs(0).optional(),
  promotionWindowMs: durationMs(1).optional(),
  loginAdmission: admissionSchema.optional(),
  referralAdmission: admissionSchema.optional(),
  attachAdmission: admissionSchema.optional(),
  overload: z.strictObject({
    mode: z.enum(['shed', 'drop-role']).optional(),
    refusalsToDrop: z.int().min(1).max(1_000_000).optional(),
    windowMs: durationMs(1).optional()
  }).optional(),
  retry: z.strictObject({
    backoff: z.enum(['none', 'exponential', 'full-jitter', 'decorrelated-jitter']).optional(),
    baseMs: durationMs(0).optional(),
    maxMs: durationMs(0).optional(),
    maxAttempts: z.int().min(1).max(1_000_000).nullable().optional(),
    cooldownMs: durationMs(0).optional(),
    budget: z.strictObject({ maxTokens: z.number().min(1).max(1_000_000), ratio: z.number().min(0).max(1_000) }).nullable().optional(),
    honorRetryAfter: z.boolean().optional(),
    timeoutMaxMs: durationMs(1).nullable().optional()
  }).optional(),
  referralWaitMs: durationMs(0).optional(),
  referralHoldMs: durationMs(0).optional(),
  suspectSupernodes: z.strictObject({ afterMissedReports: z.number().min(1).max(1_000) }).nullable().optional(),
  presencePacing: z.strictObject({
    busyShare: z.number().gt(0).max(1).optional(),
    retryMs: durationMs(1).optional(),
    maxDeferMs: durationMs(0).optional()
  }).nullable().optional()
})

// Annotated so the compiler checks the schema's output against the declared interface.
export const testnetConfigSchema: z.ZodType<TestnetConfig> = z.strictObject({
  name: nameSchema.default(DEFAULT_NAME),
  nodes: z.int().min(MIN_NODES).max(MAX_NODES).default(DEFAULT_NODES),
  nodesPerProcess: z.int().min(1).max(MAX_NODES_PER_PROCESS).default(DEFAULT_NODES_PER_PROCESS),
  peerNice: z.int().min(0).max(MAX_NICE).default(DEFAULT_PEER_NICE),
  seed: z.int().default(DEFAULT_SEED),
  host: z.string().refine(isLoopbackAddress, 'must be a loopback address (127.0.0.0/8 or ::1): the testnet runs on this machine only').default(DEFAULT_HOST),
  profiles: profilesSchema.default(() => DEFAULT_PROFILES.map(p => ({ ...p }))),
  loginServer: loginServerSchema.prefault({}),
  promotion: promotionSchema.prefault({}),
  timing: timingSchema.prefault({}),
  hostCache: hostCacheSchema.prefault({}),
  policy: policySchema.prefault({}) as unknown as z.ZodType<PolicyDescription>
}).check(ctx => {
  if (ctx.issues.length > 0) return
  const cfg = ctx.value
  if (cfg.promotion.minSupernodes > cfg.nodes) {
    ctx.issues.push({
      code: 'custom',
      input: cfg.promotion.minSupernodes,
      path: ['promotion', 'minSupernodes'],
      message: `must not exceed nodes (${cfg.promotion.minSupernodes} > ${cfg.nodes})`
    })
  }
})

/**
 * Parses and validates a testnet config written in YAML. Every field is optional and takes
 * its default when absent (a profile entry, when given, needs all of its fields); unknown
 * fields are errors. Any problem throws a `ConfigError` naming the file, the line and
 * column, and the dotted field path, for example `small.yaml:12:7: profiles[1].share: ...`.
 */
export function parseConfig (text: string, file?: string): TestnetConfig {
  return parseYaml(testnetConfigSchema, text, file)
}

/**
 * Parse YAML text against a zod schema; every problem becomes a `ConfigError` naming the
 * file, line, column and dotted field path (the first in file order; the rest attached).
 */
export function parseYaml<T> (schema: z.ZodType<T>, text: string, file?: string): T {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const where = (offset: number | undefined): ConfigLocation => {
    const location: ConfigLocation = file != null ? { file } : {}
    if (offset != null) {
      const pos = lineCounter.linePos(offset)
      location.line = pos.line
      location.column = pos.col
    }
    return location
  }

  const yamlProblems = [...doc.errors, ...doc.warnings].map(e => new ConfigError('', `YAML ${e.code}: ${e.message}`, where(e.pos[0])))
  throwFirst(yamlProblems)

  let input: unknown
  try {
    input = doc.toJS({ maxAliasCount: 100 }) ?? {}
  } catch (err: unknown) {
    throw new ConfigError('', `YAML: ${err instanceof Error ? err.message : String(err)}`, where(0))
  }

  const result = schema.safeParse(input)
  if (result.success) return result.data
  throwFirst(result.error.issues.flatMap(issue => toConfigErrors(issue, input, (path, atKey) => where(offsetOf(doc, path, atKey)))))
  throw new ConfigError('', 'invalid config', where(undefined))
}

/** Reads and parses a testnet config file; an unreadable file is a `ConfigError` naming it. */
export async function loadConfig (file: string): Promise<TestnetConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err: unknown) {
    const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined
    const reason = code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)
    throw new ConfigError('', `cannot read config: ${reason}`, { file })
  }
  return parseConfig(text, file)
}

/**
 * Returns a copy of `cfg` with the given command-line overrides applied, validated again
 * with every rule `parseConfig` applies. A bad value throws a `ConfigError` naming the field.
 */
export function applyOverrides (cfg: TestnetConfig, o: { nodes?: number, nodesPerProcess?: number, seed?: number, name?: string }): TestnetConfig {
  const next: TestnetConfig = {
    ...cfg,
    ...(o.nodes != null ? { nodes: o.nodes } : {}),
    ...(o.nodesPerProcess != null ? { nodesPerProcess: o.nodesPerProcess } : {}),
    ...(o.seed != null ? { seed: o.seed } : {}),
    ...(o.name != null ? { name: o.name } : {})
  }
  const result = testnetConfigSchema.safeParse(next)
  if (result.success) return result.data
  throwFirst(result.error.issues.flatMap(issue => toConfigErrors(issue, next, () => ({}))))
  throw new ConfigError('', 'invalid config')
}

/**
 * Gives each of the `cfg.nodes` peers a profile. Counts follow the shares exactly by the
 * largest-remainder method (ties go to the earlier profile); the list is then shuffled
 * with `random` (values in [0, 1)), so the same `random` sequence gives the same result.
 */
export function assignProfiles (cfg: TestnetConfig, random: () => number): ProfileConfig[] {
  const n = cfg.nodes
  const total = cfg.profiles.reduce((sum, p) => sum + p.share, 0)
  const quotas = cfg.profiles.map((p, index) => {
    const exact = total > 0 ? (p.share / total) * n : 0
    return { profile: p, index, count: Math.floor(exact), remainder: exact - Math.floor(exact) }
  })
  let left = n - quotas.reduce((sum, q) => sum + q.count, 0)
  const byRemainder = [...quotas].sort((a, b) => b.remainder - a.remainder || a.index - b.index)
  for (let i = 0; left > 0 && byRemainder.length > 0; i = (i + 1) % byRemainder.length, left--) {
    const q = byRemainder[i]
    if (q != null) q.count++
  }

  const assigned: ProfileConfig[] = quotas.flatMap(q => new Array<ProfileConfig>(q.count).fill(q.profile))
  for (let i = assigned.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)))
    const a = assigned[i]
    const b = assigned[j]
    if (a != null && b != null) {
      assigned[i] = b
      assigned[j] = a
    }
  }
  return assigned
}

type IssuePath = ReadonlyArray<PropertyKey>

/** Dotted path with indexes in brackets: `profiles[1].share`. */
export function formatFieldPath (path: IssuePath): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += `${out === '' ? '' : '.'}${String(key)}`
  }
  return out
}

const KNOWN_FIELDS: Record<string, readonly string[]> = {
  '': Object.keys(defaultConfig()),
  profiles: Object.keys(DEFAULT_PROFILES[0] ?? {}),
  loginServer: Object.keys(DEFAULT_LOGIN_SERVER),
  promotion: Object.keys(DEFAULT_PROMOTION),
  timing: Object.keys(DEFAULT_TIMING),
  hostCache: Object.keys(DEFAULT_HOST_CACHE),
  policy: Object.keys(policySchema.shape),
  'policy.switches': SWITCH_NAMES,
  'policy.retry': ['backoff', 'baseMs', 'maxMs', 'maxAttempts', 'cooldownMs', 'budget', 'honorRetryAfter', 'timeoutMaxMs'],
  'policy.loginAdmission': ['ratePerSecond', 'burst', 'maxQueueDelayMs', 'refusal'],
  'policy.referralAdmission': ['ratePerSecond', 'burst', 'maxQueueDelayMs', 'refusal'],
  'policy.attachAdmission': ['ratePerSecond', 'burst', 'maxQueueDelayMs', 'refusal'],
  'policy.overload': ['mode', 'refusalsToDrop', 'windowMs'],
  'policy.suspectSupernodes': ['afterMissedReports'],
  'policy.presencePacing': Object.keys(DEFAULT_PRESENCE_PACING)
}

function toConfigErrors (issue: z.core.$ZodIssue, input: unknown, locate: (path: IssuePath, atKey: boolean) => ConfigLocation): ConfigError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(key => {
      const path = [...issue.path, key]
      const known = KNOWN_FIELDS[issue.path.filter((p): p is string => typeof p === 'string').join('.')]
      const hint = known != null ? ` (known fields: ${known.join(', ')})` : ''
      return new ConfigError(formatFieldPath(path), `unknown field${hint}`, locate(path, true))
    })
  }
  let problem = issue.message
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    problem = 'the config must be a YAML mapping of field names to values'
  } else if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    problem = issue.path[0] === 'profiles'
      ? `missing (each profile needs ${KNOWN_FIELDS.profiles?.join(', ') ?? 'all its fields'})`
      : 'missing'
  }
  return [new ConfigError(formatFieldPath(issue.path), problem, locate(issue.path, false))]
}

function valueAt (input: unknown, path: IssuePath): unknown {
  let value = input
  for (const key of path) {
    if (value == null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

function throwFirst (errors: ConfigError[]): void {
  const first = errors[0]
  if (first == null) return
  const sorted = [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
  const [head, ...rest] = sorted
  const lead = head ?? first
  throw new ConfigError(lead.field, lead.problem, lead, rest)
}

/**
 * Offset in the source of the node at `path`, or of its nearest ancestor present in the
 * document (a defaulted field has no node of its own). A mapping entry is located by its
 * value when that is the node asked for, otherwise by its key (an unknown key, or an
 * ancestor standing in for a missing field).
 */
function offsetOf (doc: Document, path: IssuePath, atKey: boolean): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = doc.getIn(path.slice(0, depth - 1), true)
    const last = path[depth - 1]
    const exact = depth === path.length
    if (isMap(parent)) {
      const pair = parent.items.find(item => isScalar(item.key) && String(item.key.value) === String(last))
      if (pair == null) continue
      if (exact && !atKey && isNode(pair.value) && pair.value.range != null) return pair.value.range[0]
      if (isNode(pair.key) && pair.key.range != null) return pair.key.range[0]
    } else if (isSeq(parent) && typeof last === 'number') {
      const item: unknown = parent.items[last]
      if (isNode(item) && item.range != null) return item.range[0]
    }
  }
  const root = doc.contents
  return isNode(root) && root.range != null ? root.range[0] : undefined
}

function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
