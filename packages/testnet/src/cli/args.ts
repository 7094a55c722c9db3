import { parseArgs } from 'node:util'
import { DEFAULT_NAME, MAX_NODES, MAX_NODES_PER_PROCESS, MIN_NODES, NAME_PATTERN } from '../config.js'
import { formatDuration, parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { parseSelector } from '../selector.js'
import type { ParseArgsOptionsConfig } from 'node:util'
import type { Selector } from '../selector.js'

export const COMMANDS = ['up', 'status', 'kill', 'restart', 'pause', 'resume', 'down', 'run', 'compare'] as const
export type CommandName = typeof COMMANDS[number]

/** Where testnet state (pids, ports, logs) lives unless `--state-dir` says otherwise. */
export const DEFAULT_STATE_DIR = '.stampede'
export const DEFAULT_SIGNAL: KillSignal = 'KILL'
export const DEFAULT_SPREAD_MS = 0

export type KillSignal = 'KILL' | 'TERM'
export type RoleFilter = 'supernode' | 'client'

interface TestnetTarget {
  /** Testnet name (default 'default'). */
  name: string
  /** State directory as given, not resolved (default '.stampede'). */
  stateDir: string
}

export interface UpCommand {
  command: 'up'
  /** Overrides the config's `nodes` when given. */
  nodes?: number
  /** Overrides the config's `nodesPerProcess` (packed mode when > 1) when given. */
  nodesPerProcess?: number
  /** Config file; built-in defaults when absent. */
  config?: string
  /** Overrides the config's `seed` when given. */
  seed?: number
  /** Overrides the config's `name` when given. */
  name?: string
  detach: boolean
  stateDir: string
}

export interface StatusCommand extends TestnetTarget {
  command: 'status'
  json: boolean
  watch: boolean
}

/** `--workers`: the selector picks worker processes (packed mode), not nodes. */
interface WorkerTarget {
  workers?: true
}

export interface KillCommand extends TestnetTarget, WorkerTarget {
  command: 'kill'
  selector: Selector
  signal: KillSignal
  role?: RoleFilter
}

export interface RestartCommand extends TestnetTarget, WorkerTarget {
  command: 'restart'
  selector: Selector
  /** Restarts are spread evenly over this many milliseconds (0: all at once). */
  spreadMs: number
  signal: KillSignal
  role?: RoleFilter
}

export interface PauseCommand extends TestnetTarget, WorkerTarget {
  command: 'pause'
  selector: Selector
  role?: RoleFilter
}

export interface ResumeCommand extends TestnetTarget, WorkerTarget {
  command: 'resume'
  selector: Selector
  role?: RoleFilter
}

export interface DownCommand extends TestnetTarget {
  command: 'down'
}

export interface RunCommand {
  command: 'run'
  scenario: string
  /** one policy, or `both` (legacy then adaptive); default: the scenario's `policies` */
  policy?: 'legacy' | 'adaptive' | 'both'
  seed?: number
  nodes?: number
  /** overrides the scenario's testnet.nodesPerProcess */
  nodesPerProcess?: number
  /** run directory (one policy) or parent of one per policy; default runs/<scenario>-<time> */
  out?: string
  stateDir: string
}

export interface CompareCommand {
  command: 'compare'
  runs: string[]
  out?: string
}

/** Print `text` to stdout and exit 0. */
export interface HelpCommand {
  command: 'help'
  text: string
}

/** Print the package version and exit 0. */
export interface VersionCommand {
  command: 'version'
}

export type ParsedCommand =
  | UpCommand | StatusCommand | KillCommand | RestartCommand | PauseCommand | ResumeCommand | DownCommand
  | RunCommand | CompareCommand | HelpCommand | VersionCommand

const TARGET_HELP = `  --name NAME         testnet name (default: ${DEFAULT_NAME})
  --state-dir DIR      state directory (default: ${DEFAULT_STATE_DIR})
  -h, --help           show this help`

const ROLE_HELP = '  --role ROLE          only nodes with this role: supernode or client (default: any)'

const WORKERS_HELP = `  --workers            packed mode: the selector picks worker processes (worker-01, 2, 50%),
                       each taking all its nodes at once, like a machine (default: nodes)`

const SELECTOR_HELP = `Selector:
  all                  every node
  5                    five nodes picked at random (seeded)
  50%                  half of the nodes, picked at random (seeded)
  peer-1,peer-3        these nodes; peer-1..peer-5 (or peer-1..5) is a range
  (with --workers the same forms pick workers: worker-02, 1, 50%)`

export const HELP: Record<CommandName | 'main', string> = {
  main: `Usage: stampede <command> [options]

Run a local peer-to-peer testnet (a login server, supernodes, clients) and break it.

Commands:
  up        start a testnet
  status    show every node: role, login state, attached supernode, load
  kill      kill nodes (or, packed, whole worker processes)
  restart   kill nodes and start them again
  pause     freeze nodes (SIGSTOP; packed mode: whole workers)
  resume    thaw paused nodes (SIGCONT)
  down      stop the testnet and every node
  run       run a scenario (testnet, faults, timeline, report) under a policy
  compare   one report comparing several runs

Options:
  -h, --help           show help (also: stampede <command> --help)
  --version            show the version

Example:
  stampede up --config testnet/small.yaml && stampede restart 50% --spread 5s`,

  up: `Usage: stampede up [options]

Start a login server and the peers of a testnet.

Options:
  --nodes N            peers, not counting the login server, ${MIN_NODES}..${MAX_NODES} (default: from config, 20)
  --nodes-per-process K
                       peers per worker process, 1..${MAX_NODES_PER_PROCESS} (default: from config, 1).
                       1 is process mode: each peer a process of its own. K > 1 is
                       packed mode: K peers share a worker process (about 10 MB each
                       instead of about 45 MB), each with its own key, data directory,
                       port, control endpoint, logs and metrics. A killed packed node
                       crashes alone (connections reset, no goodbye) and restarts with
                       the same identity and host cache; \`kill <sel> --workers\` kills
                       whole workers (SIGKILL: K nodes at once, like a machine); a
                       single packed node cannot be paused, only whole workers. The
                       login server always has a process of its own.
  --config FILE        testnet config in YAML (default: built-in defaults)
  --seed S             integer seed for profiles and random choices (default: from config, 1)
  --name NAME          testnet name, a-z 0-9 and '-' (default: from config, ${DEFAULT_NAME})
  --detach             return once the testnet is up instead of following it (default: off)
  --state-dir DIR      state directory (default: ${DEFAULT_STATE_DIR})
  -h, --help           show this help

Before anything starts, the testnet is checked against the machine: memory (Node.js's
shared code once, then about 45 MB per node process, or 35 MB per worker plus 10 MB per
packed node, against the memory available), open files (ulimit -n) and ports; a testnet
that does not fit is refused with the estimate and the limit, exit status 2.

In packed mode the bring-up is paced: at most 32 peers are between their start and their
first attach (or until it serves as a supernode) at once, a place freed after 10 s
regardless, as every peer shares this machine's cores. Ctrl-C, or \`stampede down\` from
another terminal, cancels a bring-up (detached too) and stops what had started.

Example:
  stampede up --config testnet/small.yaml --nodes 50 --seed 7
  stampede up --nodes 400 --nodes-per-process 20      # packed: 20 workers of 20 peers`,

  status: `Usage: stampede status [options]

Show every node of a running testnet and a summary line.

Options:
  --json               print machine-readable JSON instead of a table (default: off)
  --watch              refresh until interrupted (default: off)
${TARGET_HELP}

Example:
  stampede status --watch`,

  kill: `Usage: stampede kill <selector> [options]

Kill nodes; they stay down until restarted. KILL is a crash (SIGKILL; in packed mode the
node's connections are reset with no goodbye while its worker-mates carry on), TERM a
polite stop.

Options:
  --signal KILL|TERM   signal to send (default: ${DEFAULT_SIGNAL})
${ROLE_HELP}
${WORKERS_HELP}
${TARGET_HELP}

${SELECTOR_HELP}

Example:
  stampede kill 30% --role supernode
  stampede kill 1 --workers            # packed mode: one worker process and all its nodes`,

  restart: `Usage: stampede restart <selector> [options]

Kill nodes and start them again, like a mass reboot.

Options:
  --spread DURATION    spread the restarts over this long, e.g. 500ms, 10s, 2m (default: ${formatDuration(DEFAULT_SPREAD_MS)}, all at once)
  --signal KILL|TERM   signal to send (default: ${DEFAULT_SIGNAL})
${ROLE_HELP}
${WORKERS_HELP}
${TARGET_HELP}

${SELECTOR_HELP}

Example:
  stampede restart 60% --spread 10s`,

  pause: `Usage: stampede pause <selector> [options]

Freeze nodes with SIGSTOP: they hold their connections but answer nothing. In packed
mode a process freezes as a whole: pause workers (--workers), or name every node of a
worker (\`pause all\` does); a single packed node is refused.

Options:
${ROLE_HELP}
${WORKERS_HELP}
${TARGET_HELP}

${SELECTOR_HELP}

Example:
  stampede pause 2 --role supernode`,

  resume: `Usage: stampede resume <selector> [options]

Thaw paused nodes with SIGCONT.

Options:
${ROLE_HELP}
${WORKERS_HELP}
${TARGET_HELP}

${SELECTOR_HELP}

Example:
  stampede resume all`,

  down: `Usage: stampede down [options]

Stop every node of a testnet and remove its runtime state.

Options:
${TARGET_HELP}

Example:
  stampede down --name small`,

  run: `Usage: stampede run <scenario.yaml> [options]

Run a scenario: start its testnet under an allocation policy, carry out its steps (wait
for steady state, kill and restart nodes, inject capacity, observe), record the timeline
once a second, check its assertions, and write timeseries.csv, events.jsonl,
summary.json and report.html. Ctrl-C stops early and keeps what was recorded.

Options:
  --policy P           legacy, adaptive or both (default: the scenario's policies)
  --seed S             overrides the scenario's seed (same seed: same victims and restart times)
  --nodes N            overrides the scenario's testnet size
  --nodes-per-process K
                       overrides the scenario's testnet.nodesPerProcess (packed mode when > 1)
  --out DIR            run directory (default: runs/<scenario>-<time>[/<policy>])
  --state-dir DIR      testnet state directory (default: ${DEFAULT_STATE_DIR})
  -h, --help           show this help

Exit status: 0 when every assertion passed, 1 when one failed or the run broke off,
2 for an invalid scenario or argument (nothing is started).

Example:
  stampede run testnet/scenarios/patch-tuesday-2007.yaml --policy both`,

  compare: `Usage: stampede compare <run-dir> <run-dir>... [--out DIR]

Write one report with the runs side by side (comparison.html and figure.svg).

Options:
  --out DIR            where to write (default: the parent of the first run)
  -h, --help           show this help

Example:
  stampede compare runs/patch/legacy runs/patch/adaptive`
}

const TARGET_OPTIONS = {
  name: { type: 'string' },
  'state-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} satisfies ParseArgsOptionsConfig

const OPTIONS = {
  up: {
    ...TARGET_OPTIONS,
    nodes: { type: 'string' },
    'nodes-per-process': { type: 'string' },
    config: { type: 'string' },
    seed: { type: 'string' },
    detach: { type: 'boolean' }
  },
  status: { ...TARGET_OPTIONS, json: { type: 'boolean' }, watch: { type: 'boolean' } },
  kill: { ...TARGET_OPTIONS, signal: { type: 'string' }, role: { type: 'string' }, workers: { type: 'boolean' } },
  restart: { ...TARGET_OPTIONS, spread: { type: 'string' }, signal: { type: 'string' }, role: { type: 'string' }, workers: { type: 'boolean' } },
  pause: { ...TARGET_OPTIONS, role: { type: 'string' }, workers: { type: 'boolean' } },
  resume: { ...TARGET_OPTIONS, role: { type: 'string' }, workers: { type: 'boolean' } },
  down: { ...TARGET_OPTIONS },
  run: { 'state-dir': { type: 'string' }, policy: { type: 'string' }, seed: { type: 'string' }, nodes: { type: 'string' }, 'nodes-per-process': { type: 'string' }, out: { type: 'string' } },
  compare: { out: { type: 'string' } }
} satisfies Record<CommandName, ParseArgsOptionsConfig>

/** Commands that take exactly one selector argument. */
const TAKES_SELECTOR = new Set<CommandName>(['kill', 'restart', 'pause', 'resume', 'run', 'compare'])

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

/**
 * Parses the `stampede` arguments (without the `node` and script paths). Numbers and
 * durations come back converted and selectors parsed. `-h`/`--help` anywhere before `--`
 * gives `{ command: 'help' }` with the text to print; so do no arguments and
 * `stampede help [command]`. Every bad argument throws a `UsageError` naming it.
 */
export function parseCli (argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv
  if (first == null || first === '-h' || first === '--help') return { command: 'help', text: HELP.main }
  if (first === '--version' || first === '-V') {
    if (rest.length > 0) throw new UsageError(`unexpected argument after ${first}: '${rest[0]}'`, first)
    return { command: 'version' }
  }
  if (first === 'help') {
    const topic = rest[0]
    if (topic == null) return { command: 'help', text: HELP.main }
    return { command: 'help', text: HELP[commandName(topic)] }
  }
  if (first.startsWith('-')) {
    throw new UsageError(`unknown option '${first}' before the command; try stampede --help`, first)
  }

  const command = commandName(first)
  const beforeTerminator = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest
  if (beforeTerminator.includes('-h') || beforeTerminator.includes('--help')) return { command: 'help', text: HELP[command] }

  let values: Values
  let positionals: string[]
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: OPTIONS[command] as ParseArgsOptionsConfig, strict: true, allowPositionals: true }))
  } catch (err: unknown) {
    throw toUsageError(command, err)
  }

  const target = {
    name: values.name === undefined ? DEFAULT_NAME : parseName(stringValue(values.name)),
    stateDir: parseStateDir(values['state-dir'])
  }

  if (!TAKES_SELECTOR.has(command) && positionals.length > 0) {
    throw new UsageError(`stampede ${command}: unexpected argument '${positionals[0]}'`, positionals[0])
  }

  switch (command) {
    case 'run': {
      if (positionals.length !== 1) throw new UsageError('stampede run: give exactly one scenario file', 'scenario')
      const run: RunCommand = { command, scenario: positionals[0] as string, stateDir: target.stateDir }
      if (values.policy !== undefined) {
        const p = stringValue(values.policy)
        if (p !== 'legacy' && p !== 'adaptive' && p !== 'both') throw new UsageError(`--policy must be legacy, adaptive or both, got '${p}'`, '--policy')
        run.policy = p
      }
      if (values.seed !== undefined) run.seed = parseInteger(stringValue(values.seed), '--seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
      if (values.nodes !== undefined) run.nodes = parseInteger(stringValue(values.nodes), '--nodes', MIN_NODES, MAX_NODES)
      if (values['nodes-per-process'] !== undefined) run.nodesPerProcess = parseInteger(stringValue(values['nodes-per-process']), '--nodes-per-process', 1, MAX_NODES_PER_PROCESS)
      if (values.out !== undefined) run.out = nonEmpty(stringValue(values.out), '--out')
      return run
    }
    case 'compare': {
      if (positionals.length < 2) throw new UsageError('stampede compare: give two or more run directories', 'runs')
      return { command, runs: positionals, ...(values.out !== undefined ? { out: nonEmpty(stringValue(values.out), '--out') } : {}) }
    }
    case 'up': {
      const up: UpCommand = { command, detach: values.detach === true, stateDir: target.stateDir }
      if (values.nodes !== undefined) up.nodes = parseInteger(stringValue(values.nodes), '--nodes', MIN_NODES, MAX_NODES)
      if (values['nodes-per-process'] !== undefined) up.nodesPerProcess = parseInteger(stringValue(values['nodes-per-process']), '--nodes-per-process', 1, MAX_NODES_PER_PROCESS)
      if (values.config !== undefined) up.config = nonEmpty(stringValue(values.config), '--config')
      if (values.seed !== undefined) up.seed = parseInteger(stringValue(values.seed), '--seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
      if (values.name !== undefined) up.name = target.name
      return up
    }
    case 'status':
      return { command, ...target, json: values.json === true, watch: values.watch === true }
    case 'down':
      return { command, ...target }
    case 'kill':
    case 'restart':
    case 'pause':
    case 'resume': {
      const selector = parseSelectorArgument(command, positionals)
      const role = parseRole(values.role)
      if (values.workers === true && role != null) {
        throw new UsageError(`stampede ${command}: --role picks nodes, --workers picks whole worker processes; give one of them`, '--role')
      }
      const withRole = { ...(role != null ? { role } : {}), ...(values.workers === true ? { workers: true as const } : {}) }
      if (command === 'kill') {
        return { command, ...target, selector, signal: parseSignal(values.signal), ...withRole }
      }
      if (command === 'restart') {
        const spreadMs = values.spread === undefined ? DEFAULT_SPREAD_MS : parseDuration(stringValue(values.spread), '--spread')
        return { command, ...target, selector, spreadMs, signal: parseSignal(values.signal), ...withRole }
      }
      return { command, ...target, selector, ...withRole }
    }
  }
}

function commandName (text: string): CommandName {
  const found = COMMANDS.find(c => c === text)
  if (found == null) {
    throw new UsageError(`unknown command '${text}' (commands: ${COMMANDS.join(', ')}); try stampede --help`, text)
  }
  return found
}

function toUsageError (command: CommandName, err: unknown): UsageError {
  if (err instanceof Error) {
    // node:util parseArgs messages already name the option, e.g. "Unknown option '--foo'".
    const option = /'(-[^'\s]*)/.exec(err.message)?.[1]
    return new UsageError(`stampede ${command}: ${err.message.split('. ')[0] ?? err.message}; try stampede ${command} --help`, option)
  }
  return new UsageError(`stampede ${command}: ${String(err)}`)
}

function stringValue (value: Values[string]): string {
  return typeof value === 'string' ? value : ''
}

function nonEmpty (value: string, option: string): string {
  if (value.trim() === '') throw new UsageError(`${option}: must not be empty`, option)
  return value
}

function parseName (value: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw new UsageError(`--name: '${value}' is not a testnet name (1-32 characters of a-z, 0-9 and '-', not starting with '-')`, '--name')
  }
  return value
}

function parseStateDir (value: Values[string]): string {
  return value === undefined ? DEFAULT_STATE_DIR : nonEmpty(stringValue(value), '--state-dir')
}

function parseInteger (value: string, option: string, min: number, max: number): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option}: '${value}' is not an integer`, option)
  if (n < min || n > max) throw new UsageError(`${option}: ${n} is out of range (${min}..${max})`, option)
  return n
}

function parseSignal (value: Values[string]): KillSignal {
  if (value === undefined) return DEFAULT_SIGNAL
  const signal = stringValue(value).toUpperCase().replace(/^SIG/, '')
  if (signal === 'KILL' || signal === 'TERM') return signal
  throw new UsageError(`--signal: '${String(value)}' is not KILL or TERM`, '--signal')
}

function parseRole (value: Values[string]): RoleFilter | undefined {
  if (value === undefined) return undefined
  if (value === 'supernode' || value === 'client') return value
  throw new UsageError(`--role: '${String(value)}' is not supernode or client`, '--role')
}

function parseSelectorArgument (command: CommandName, positionals: string[]): Selector {
  const [text, extra] = positionals
  if (text == null) {
    throw new UsageError(`stampede ${command}: missing <selector> (all, a count such as 5, a share such as 50%, or node names)`, 'selector')
  }
  if (extra != null) {
    throw new UsageError(`stampede ${command}: unexpected argument '${extra}' (join several names with commas: peer-1,peer-2)`, extra)
  }
  return parseSelector(text)
}
