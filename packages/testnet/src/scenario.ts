import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseYaml, testnetConfigSchema } from './config.js'
import { parseDuration } from './duration.js'
import { ConfigError } from './errors.js'
import type { TestnetConfig } from './config.js'

/** A duration in a scenario: `30s`, `2m`, `500ms`, or a number of milliseconds. */
const duration = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v
  try {
    return parseDuration(v, 'duration')
  } catch (err: unknown) {
    ctx.issues.push({ code: 'custom', input: v, message: (err as Error).message.replace(/^duration: /, '') })
    return z.NEVER
  }
})

const share = z.number().gt(0).lte(1)

const waitStep = z.strictObject({
  wait: z.strictObject({
    /** logged-in share of online peers to reach */
    loggedInShare: share.default(0.95),
    /** how long it must hold */
    stable: duration.default(5_000),
    timeout: duration.default(120_000)
  })
})
const observeStep = z.strictObject({ observe: duration })
const killStep = z.strictObject({
  kill: z.strictObject({
    share: share.optional(),
    count: z.int().min(1).optional(),
    /** packed mode: this many whole worker processes (each with all its nodes), like machines */
    workers: z.int().min(1).max(2_000).optional(),
    /** share of the victims drawn from the supernodes first (0: no bias) */
    supernodeBias: z.number().min(0).max(1).default(0),
    signal: z.enum(['KILL', 'TERM']).default('KILL'),
    /** marks this kill as the run's trigger (the first kill is, unless another says so) */
    trigger: z.boolean().optional()
  }).refine(k => [k.share, k.count, k.workers].filter(v => v != null).length === 1, 'give exactly one of share or count (or workers, in packed mode)')
})
const restartStep = z.strictObject({
  restart: z.strictObject({
    /** `killed`: the victims of every kill so far that are still down */
    nodes: z.literal('killed').default('killed'),
    spread: duration.default(0)
  })
})
const injectStep = z.strictObject({
  inject: z.strictObject({
    /** operator supernodes started already authorised and serving */
    supernodes: z.int().min(0).max(100).default(0),
    capacity: z.int().min(1).max(100_000).default(50),
    attachesPerSecond: z.number().gt(0).max(100_000).default(50),
    /** the login server's new log-in rate */
    loginsPerSecond: z.number().gt(0).max(1_000_000).optional()
  })
})
const joinStep = z.strictObject({
  join: z.strictObject({
    /** new peers (more offered load), with the first profile of the testnet unless named */
    count: z.int().min(1).max(2_000),
    profile: z.string().optional(),
    spread: duration.default(0)
  })
})

const churnStep = z.strictObject({
  churn: z.strictObject({
    /** how long the churn lasts; every churned peer is back up when the step ends */
    for: duration.refine(ms => ms > 0, 'must be longer than 0'),
    /** share of the peers that come and go (the rest stay up) */
    share: share.default(0.3),
    /** Weibull shape of session lengths (measured P2P networks: 0.3-0.6; 1 is exponential) */
    sessionShape: z.number().gt(0).max(10).default(0.5),
    /** mean session length */
    meanSession: duration.refine(ms => ms >= 100, 'must be at least 100ms').default(60_000),
    /** mean time a churned peer stays down (exponential) */
    meanDowntime: duration.default(10_000)
  })
})

const STEP_KINDS = ['wait', 'observe', 'kill', 'restart', 'inject', 'join', 'churn']

/** Say which step kinds exist when a step names none of them (rather than "Invalid input"). */
const knownStep = z.unknown().check(ctx => {
  const v = ctx.value
  const keys = v != null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : []
  if (keys.length !== 1 || !STEP_KINDS.includes(keys[0] as string)) {
    ctx.issues.push({ code: 'custom', input: v, message: `a step is one of ${STEP_KINDS.join(', ')}; got ${keys.length === 0 ? JSON.stringify(v) : keys.join(', ')}` })
  }
})

const STEP_SCHEMAS = { wait: waitStep, observe: observeStep, kill: killStep, restart: restartStep, inject: injectStep, join: joinStep, churn: churnStep }
type StepOutput = { [K in keyof typeof STEP_SCHEMAS]: z.output<typeof STEP_SCHEMAS[K]> }[keyof typeof STEP_SCHEMAS]

/**
 * Parse a step with the schema of its kind (a plain union reports a wrong type inside a step
 * as "Invalid input" on the whole step), so a problem names its own field.
 */
const stepSchema = knownStep.transform((v, ctx): StepOutput => {
  const result = STEP_SCHEMAS[Object.keys(v as object)[0] as keyof typeof STEP_SCHEMAS].safeParse(v)
  if (result.success) return result.data
  for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: undefined })
  return z.NEVER
})

export const SUMMARY_METRICS = [
  'minLoggedInShare', 'preTriggerLoggedInShare', 'recovery50Seconds', 'recovery90Seconds', 'recovery95Seconds',
  'belowHalfSeconds', 'attemptsPerLogin', 'loginServerPeakRatio', 'overloadDemotions', 'demotions', 'promotions',
  'messagesPerNodePerSecond', 'finalLoggedInShare', 'peakHostCpu'
] as const
export type SummaryMetric = typeof SUMMARY_METRICS[number]

const assertionSchema = z.strictObject({
  metric: z.enum(SUMMARY_METRICS),
  min: z.number().optional(),
  max: z.number().optional(),
  /** only for runs of this policy */
  policy: z.enum(['legacy', 'adaptive']).optional(),
  /** a missing value (null: never recovered) passes instead of failing */
  nullPasses: z.boolean().default(false)
}).refine(a => a.min != null || a.max != null, 'give min or max')

const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  description: z.string().default(''),
  testnet: testnetConfigSchema,
  /** policies `stampede run` runs when no --policy is given, one run each */
  policies: z.array(z.enum(['legacy', 'adaptive'])).min(1).default(['adaptive']),
  sampleInterval: duration.default(1_000),
  steps: z.array(stepSchema).min(1),
  assertions: z.array(assertionSchema).default([])
}).check(ctx => {
  if (ctx.issues.length > 0) return
  const { testnet, steps } = ctx.value
  steps.forEach((step, i) => {
    if ('kill' in step && step.kill.workers != null && testnet.nodesPerProcess <= 1) {
      ctx.issues.push({ code: 'custom', input: step.kill.workers, path: ['steps', i, 'kill', 'workers'], message: 'kills worker processes, which exist in packed mode only: set testnet.nodesPerProcess above 1' })
    }
  })
})

export type Step = z.output<typeof stepSchema>
export type Assertion = z.output<typeof assertionSchema>

export interface Scenario {
  name: string
  description: string
  testnet: TestnetConfig
  policies: Array<'legacy' | 'adaptive'>
  sampleIntervalMs: number
  steps: Step[]
  assertions: Assertion[]
  /** where it was read from */
  file?: string
}

/** Parse a scenario; every problem is a ConfigError naming file, line and field. */
export function parseScenario (text: string, file?: string): Scenario {
  const s = parseYaml(scenarioSchema as unknown as z.ZodType<z.output<typeof scenarioSchema>>, text, file)
  return {
    name: s.name,
    description: s.description,
    testnet: s.testnet,
    policies: s.policies,
    sampleIntervalMs: Math.max(100, s.sampleInterval),
    steps: s.steps,
    assertions: s.assertions,
    ...(file != null ? { file } : {})
  }
}

export async function loadScenario (file: string): Promise<Scenario> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError('', `cannot read scenario: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file })
  }
  return parseScenario(text, file)
}

/** A step's kind, for labels. */
export function stepKind (step: Step): string {
  return Object.keys(step)[0] ?? 'step'
}
