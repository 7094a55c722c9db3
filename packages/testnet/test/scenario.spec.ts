import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { ConfigError } from '../src/errors.js'
import { loadScenario, parseScenario, stepKind, SUMMARY_METRICS } from '../src/scenario.js'
import type { Step } from '../src/scenario.js'
import { configError } from './helpers.js'

/** Repository root: this file runs as packages/testnet/<outDir>/test/scenario.spec.js. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const HEADLINE = join(REPO_ROOT, 'testnet', 'scenarios', 'patch-tuesday-2007.yaml')

/** A scenario with a small testnet; `steps` (and anything after) start on line 5. */
function scenarioText (...lines: string[]): string {
  return ['name: unit', 'testnet:', '  nodes: 4', 'steps:', ...lines].join('\n')
}

function steps (...lines: string[]): Step[] {
  return parseScenario(scenarioText(...lines)).steps
}

describe('parseScenario: durations', () => {
  it('converts "30s", "2m", "500ms", "1.5s" and bare numbers (milliseconds)', () => {
    assert.deepEqual(steps(
      '  - observe: 30s',
      '  - observe: 2m',
      '  - observe: 500ms',
      '  - observe: 1.5s',
      '  - observe: 250',
      '  - observe: "1h"'
    ), [
      { observe: 30_000 },
      { observe: 120_000 },
      { observe: 500 },
      { observe: 1_500 },
      { observe: 250 },
      { observe: 3_600_000 }
    ])
  })

  it('converts durations inside steps and the sample interval', () => {
    const s = parseScenario(scenarioText(
      '  - wait: { stable: 10s, timeout: 3m }',
      '  - restart: { spread: 20s }',
      '  - join: { count: 3, spread: 1500ms }',
      'sampleInterval: 2s'
    ))
    assert.deepEqual(s.steps, [
      { wait: { loggedInShare: 0.95, stable: 10_000, timeout: 180_000 } },
      { restart: { nodes: 'killed', spread: 20_000 } },
      { join: { count: 3, spread: 1_500 } }
    ])
    assert.equal(s.sampleIntervalMs, 2_000)
  })

  it('keeps the sample interval at 100 ms or more', () => {
    assert.equal(parseScenario(scenarioText('  - observe: 1s', 'sampleInterval: 10')).sampleIntervalMs, 100)
    assert.equal(parseScenario(scenarioText('  - observe: 1s', 'sampleInterval: 100ms')).sampleIntervalMs, 100)
  })

  it('rejects a malformed duration in a step, naming the field and the problem', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', '  - wait: { stable: 5x }'), 's.yaml'))
    assert.equal(err.field, 'steps[1].wait.stable')
    assert.equal(err.line, 6)
    assert.equal(err.column, 21)
    assert.match(err.problem, /invalid duration '5x'/)
    const observe = configError(() => parseScenario(scenarioText('  - observe: soon')))
    assert.equal(observe.field, 'steps[0].observe')
    assert.match(observe.problem, /invalid duration 'soon'/)
  })

  it('rejects a malformed sample interval and a negative duration', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', 'sampleInterval: 5x'), 's.yaml'))
    assert.equal(err.field, 'sampleInterval')
    assert.equal(err.line, 6)
    assert.match(err.message, /^s\.yaml:6:17: sampleInterval: invalid duration '5x'/)
    assert.equal(configError(() => parseScenario(scenarioText('  - observe: -5'))).field, 'steps[0].observe')
  })
})

describe('parseScenario: defaults', () => {
  it('fills in policies, sample interval, description and assertions', () => {
    const s = parseScenario(scenarioText('  - observe: 1s'))
    assert.equal(s.name, 'unit')
    assert.equal(s.description, '')
    assert.deepEqual(s.policies, ['adaptive'])
    assert.equal(s.sampleIntervalMs, 1_000)
    assert.deepEqual(s.assertions, [])
    assert.equal(s.testnet.nodes, 4)
    assert.equal(s.file, undefined)
    assert.equal(parseScenario(scenarioText('  - observe: 1s'), 'a.yaml').file, 'a.yaml')
  })

  it('fills in every step default', () => {
    assert.deepEqual(steps(
      '  - wait: {}',
      '  - kill: { count: 3 }',
      '  - restart: {}',
      '  - inject: {}',
      '  - join: { count: 2 }'
    ), [
      { wait: { loggedInShare: 0.95, stable: 5_000, timeout: 120_000 } },
      { kill: { count: 3, supernodeBias: 0, signal: 'KILL' } },
      { restart: { nodes: 'killed', spread: 0 } },
      { inject: { supernodes: 0, capacity: 50, attachesPerSecond: 50 } },
      { join: { count: 2, spread: 0 } }
    ])
  })

  it('fills in an assertion\'s nullPasses', () => {
    const s = parseScenario(scenarioText('  - observe: 1s', 'assertions:', '  - { metric: recovery95Seconds, max: 60, policy: adaptive }'))
    assert.deepEqual(s.assertions, [{ metric: 'recovery95Seconds', max: 60, policy: 'adaptive', nullPasses: false }])
  })

  it('names each step\'s kind', () => {
    assert.deepEqual(steps('  - observe: 1s', '  - kill: { share: 0.5 }', '  - restart: {}').map(stepKind), ['observe', 'kill', 'restart'])
  })
})

describe('parseScenario: kill', () => {
  it('accepts a share or a count', () => {
    assert.deepEqual(steps('  - kill: { share: 0.5, supernodeBias: 0.7, signal: TERM, trigger: true }'), [
      { kill: { share: 0.5, supernodeBias: 0.7, signal: 'TERM', trigger: true } }
    ])
    assert.deepEqual(steps('  - kill: { count: 1 }'), [{ kill: { count: 1, supernodeBias: 0, signal: 'KILL' } }])
  })

  it('needs exactly one of share and count', () => {
    const both = configError(() => parseScenario(scenarioText('  - observe: 1s', '  - kill: { share: 0.5, count: 2 }'), 'k.yaml'))
    assert.equal(both.field, 'steps[1].kill')
    assert.equal(both.line, 6)
    assert.match(both.problem, /exactly one of share or count/)
    const neither = configError(() => parseScenario(scenarioText('  - kill: { signal: TERM }')))
    assert.equal(neither.field, 'steps[0].kill')
    assert.match(neither.problem, /exactly one of share or count/)
  })

  it('rejects a share outside (0, 1] with the line, column and dotted field', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 30s', '  - kill: { share: 1.5 }'), 'k.yaml'))
    assert.equal(err.field, 'steps[1].kill.share')
    assert.equal(err.line, 6)
    assert.equal(err.column, 20)
    assert.match(err.message, /^k\.yaml:6:20: steps\[1\]\.kill\.share: /)
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { share: 0 }'))).field, 'steps[0].kill.share')
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { share: half }'))).field, 'steps[0].kill.share')
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { count: 0 }'))).field, 'steps[0].kill.count')
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { count: 1.5 }'))).field, 'steps[0].kill.count')
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { share: 0.5, signal: HUP }'))).field, 'steps[0].kill.signal')
    assert.equal(configError(() => parseScenario(scenarioText('  - kill: { share: 0.5, supernodeBias: 2 }'))).field, 'steps[0].kill.supernodeBias')
  })

  it('parses a churn step with its defaults, and rejects bad churn fields by name', () => {
    assert.deepEqual(steps('  - churn: { for: 2m }'), [{ churn: { for: 120_000, share: 0.3, sessionShape: 0.5, meanSession: 60_000, meanDowntime: 10_000 } }])
    assert.deepEqual(steps('  - churn: { for: 30s, share: 0.5, sessionShape: 0.4, meanSession: 20s, meanDowntime: 0 }'),
      [{ churn: { for: 30_000, share: 0.5, sessionShape: 0.4, meanSession: 20_000, meanDowntime: 0 } }])
    const err = configError(() => parseScenario(scenarioText('  - churn: { for: 1m, sessionShape: 0 }'), 'c.yaml'))
    assert.equal(err.field, 'steps[0].churn.sessionShape')
    assert.equal(err.line, 5)
    assert.equal(configError(() => parseScenario(scenarioText('  - churn: { share: 0.2 }'))).field, 'steps[0].churn.for')
    assert.equal(configError(() => parseScenario(scenarioText('  - churn: { for: 0 }'))).field, 'steps[0].churn.for')
    assert.equal(configError(() => parseScenario(scenarioText('  - churn: { for: 1m, meanSession: 10ms }'))).field, 'steps[0].churn.meanSession')
    assert.equal(configError(() => parseScenario(scenarioText('  - churn: { for: 1m, share: 2 }'))).field, 'steps[0].churn.share')
  })

  it('rejects a bad wait share', () => {
    const err = configError(() => parseScenario(scenarioText('  - wait:', '      loggedInShare: 1.01'), 'w.yaml'))
    assert.equal(err.field, 'steps[0].wait.loggedInShare')
    assert.equal(err.line, 6)
    assert.equal(err.column, 22)
  })
})

describe('parseScenario: errors', () => {
  it('says which step kinds exist for an unknown one', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', '  - explode: { now: true }'), 'e.yaml'))
    assert.equal(err.field, 'steps[1]')
    assert.equal(err.line, 6)
    assert.equal(err.column, 5)
    assert.match(err.problem, /wait, observe, kill, restart, inject, join, churn/)
    assert.match(err.problem, /explode/)
  })

  it('rejects a step naming two kinds, or none', () => {
    const two = configError(() => parseScenario(scenarioText('  - observe: 1s', '    kill: { count: 1 }')))
    assert.equal(two.field, 'steps[0]')
    assert.match(two.problem, /got observe, kill/)
    const none = configError(() => parseScenario(scenarioText('  - observe')))
    assert.equal(none.field, 'steps[0]')
    assert.match(none.problem, /a step is one of/)
  })

  it('rejects an unknown key, pointing at the key', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', '  - kill:', '      share: 0.5', '      colour: red'), 'u.yaml'))
    assert.equal(err.field, 'steps[1].kill.colour')
    assert.equal(err.line, 8)
    assert.equal(err.column, 7)
    assert.match(err.message, /^u\.yaml:8:7: steps\[1\]\.kill\.colour: unknown field/)
    const top = configError(() => parseScenario(scenarioText('  - observe: 1s', 'polices: [legacy]'), 'u.yaml'))
    assert.equal(top.field, 'polices')
    assert.equal(top.line, 6)
    assert.equal(top.column, 1)
  })

  it('rejects an unknown key in the testnet config with its dotted field', () => {
    const err = configError(() => parseScenario(['name: unit', 'testnet:', '  nodes: 4', '  timing:', '    heartbeatTimoutMs: 900', 'steps:', '  - observe: 1s'].join('\n')))
    assert.equal(err.field, 'testnet.timing.heartbeatTimoutMs')
    assert.equal(err.line, 5)
  })

  it('rejects an unknown assertion metric, listing the known ones', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', 'assertions:', '  - { metric: minLoggedInShare, max: 0.3 }', '  - { metric: recoveryTime, max: 60 }'), 'a.yaml'))
    assert.equal(err.field, 'assertions[1].metric')
    assert.equal(err.line, 8)
    assert.equal(err.column, 15)
    for (const metric of SUMMARY_METRICS) assert.ok(err.problem.includes(metric), metric)
  })

  it('rejects an assertion with neither min nor max, and a bad assertion policy', () => {
    const bounds = configError(() => parseScenario(scenarioText('  - observe: 1s', 'assertions:', '  - { metric: minLoggedInShare }')))
    assert.equal(bounds.field, 'assertions[0]')
    assert.equal(bounds.line, 7)
    assert.match(bounds.problem, /give min or max/)
    assert.equal(configError(() => parseScenario(scenarioText('  - observe: 1s', 'assertions:', '  - { metric: minLoggedInShare, max: 1, policy: greedy }'))).field, 'assertions[0].policy')
  })

  it('rejects a missing or empty step list, a bad name and an unknown policy', () => {
    assert.equal(configError(() => parseScenario('name: unit\ntestnet: {}\n')).field, 'steps')
    assert.equal(configError(() => parseScenario('name: unit\ntestnet: {}\nsteps: []\n')).field, 'steps')
    assert.equal(configError(() => parseScenario('name: unit\nsteps:\n  - observe: 1s\n')).field, 'testnet')
    assert.equal(configError(() => parseScenario('name: Unit Test\ntestnet: {}\nsteps:\n  - observe: 1s\n')).field, 'name')
    const policy = configError(() => parseScenario(scenarioText('  - observe: 1s', 'policies: [legacy, chaos]')))
    assert.equal(policy.field, 'policies[1]')
    assert.equal(policy.line, 6)
    assert.equal(configError(() => parseScenario(scenarioText('  - observe: 1s', 'policies: []'))).field, 'policies')
  })

  it('turns an unreadable file into a ConfigError naming it', async () => {
    const file = join(REPO_ROOT, 'testnet', 'scenarios', 'no-such-scenario.yaml')
    await assert.rejects(loadScenario(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.file, file)
      assert.match(err.problem, /no such file/)
      return true
    })
  })
})

describe('the headline scenario (patch-tuesday-2007.yaml)', () => {
  it('parses with its steps in order', async () => {
    const s = await loadScenario(HEADLINE)
    assert.equal(s.name, 'patch-tuesday-2007')
    assert.equal(s.file, HEADLINE)
    assert.deepEqual(s.policies, ['legacy', 'adaptive'])
    assert.equal(s.sampleIntervalMs, 1_000)
    assert.equal(s.testnet.nodes, 60)
    assert.equal(s.testnet.seed, 2007)
    assert.deepEqual(s.steps.map(stepKind), ['wait', 'observe', 'kill', 'restart', 'observe', 'inject', 'observe'])
    assert.deepEqual(s.steps, [
      { wait: { loggedInShare: 0.97, stable: 10_000, timeout: 180_000 } },
      { observe: 30_000 },
      { kill: { share: 0.5, supernodeBias: 0.7, signal: 'KILL' } },
      { restart: { nodes: 'killed', spread: 45_000 } },
      { observe: 300_000 },
      { inject: { loginsPerSecond: 30, supernodes: 3, capacity: 40, attachesPerSecond: 20 } },
      { observe: 60_000 }
    ])
  })

  it('asserts the legacy collapse and the adaptive recovery', async () => {
    const s = await loadScenario(HEADLINE)
    assert.deepEqual(s.assertions, [
      { policy: 'legacy', metric: 'minLoggedInShare', max: 0.3, nullPasses: false },
      { policy: 'legacy', metric: 'belowHalfSeconds', min: 300, nullPasses: false },
      { policy: 'legacy', metric: 'finalLoggedInShare', min: 0.9, nullPasses: false },
      { policy: 'adaptive', metric: 'recovery95Seconds', max: 60, nullPasses: false },
      { policy: 'adaptive', metric: 'attemptsPerLogin', max: 1.2, nullPasses: false },
      { policy: 'adaptive', metric: 'loginServerPeakRatio', max: 2, nullPasses: false },
      { policy: 'adaptive', metric: 'overloadDemotions', max: 0, nullPasses: false }
    ])
  })
})

describe('parseScenario: killing workers (packed mode)', () => {
  const packed = (...lines: string[]): string => ['name: unit', 'testnet:', '  nodes: 8', '  nodesPerProcess: 4', 'steps:', ...lines].join('\n')

  it('accepts kill: { workers: N } when the testnet is packed', () => {
    const s = parseScenario(packed('  - kill: { workers: 1 }', '  - restart: {}'))
    assert.equal(s.testnet.nodesPerProcess, 4)
    assert.deepEqual(s.steps[0], { kill: { workers: 1, supernodeBias: 0, signal: 'KILL' } })
  })

  it('needs exactly one of share, count and workers', () => {
    const err = configError(() => parseScenario(packed('  - kill: { workers: 1, count: 2 }')))
    assert.equal(err.field, 'steps[0].kill')
    assert.match(err.problem, /exactly one of share or count \(or workers, in packed mode\)/)
    assert.equal(configError(() => parseScenario(packed('  - kill: { workers: 0 }'))).field, 'steps[0].kill.workers')
  })

  it('refuses workers in process mode, naming file, line and field', () => {
    const err = configError(() => parseScenario(scenarioText('  - observe: 1s', '  - kill: { workers: 2 }'), 'w.yaml'))
    assert.equal(err.field, 'steps[1].kill.workers')
    assert.equal(err.line, 6)
    assert.match(err.message, /^w\.yaml:6:\d+: steps\[1\]\.kill\.workers: .*packed mode only: set testnet\.nodesPerProcess above 1/)
  })
})

