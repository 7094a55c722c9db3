import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { COMMANDS, HELP, parseCli } from '../src/cli/args.js'
import { UsageError } from '../src/errors.js'

function usageError (argv: string[]): UsageError {
  try {
    parseCli(argv)
  } catch (err: unknown) {
    assert.ok(err instanceof UsageError, `${argv.join(' ')}: ${String(err)}`)
    assert.equal(err.name, 'UsageError')
    assert.equal(err.exitCode, 2)
    return err
  }
  assert.fail(`expected a UsageError for: ${argv.join(' ')}`)
}

describe('parseCli: top level', () => {
  it('gives help for no arguments, --help, -h and help <command>', () => {
    assert.deepEqual(parseCli([]), { command: 'help', text: HELP.main })
    assert.deepEqual(parseCli(['--help']), { command: 'help', text: HELP.main })
    assert.deepEqual(parseCli(['-h']), { command: 'help', text: HELP.main })
    assert.deepEqual(parseCli(['help']), { command: 'help', text: HELP.main })
    assert.deepEqual(parseCli(['help', 'restart']), { command: 'help', text: HELP.restart })
  })

  it('gives version', () => {
    assert.deepEqual(parseCli(['--version']), { command: 'version' })
  })

  it('rejects unknown commands and options before the command', () => {
    assert.match(usageError(['launch']).message, /unknown command 'launch'/)
    assert.match(usageError(['--nodes', '5', 'up']).message, /unknown option '--nodes'/)
    usageError(['help', 'nope'])
    usageError(['--version', 'up'])
  })
})

describe('parseCli: up', () => {
  it('has defaults that leave the config alone', () => {
    assert.deepEqual(parseCli(['up']), { command: 'up', detach: false, stateDir: '.stampede' })
  })

  it('converts every option', () => {
    assert.deepEqual(parseCli(['up', '--nodes', '50', '--config', 'testnet/small.yaml', '--seed', '7', '--name', 'exp-1', '--detach', '--state-dir', '/tmp/s']), {
      command: 'up', nodes: 50, config: 'testnet/small.yaml', seed: 7, name: 'exp-1', detach: true, stateDir: '/tmp/s'
    })
    assert.equal(parseCli(['up', '--nodes=2000']).command, 'up')
    const negative = parseCli(['up', '--seed=-3'])
    assert.ok(negative.command === 'up')
    assert.equal(negative.seed, -3)
  })

  it('rejects bad --nodes, --seed and --name, naming the option', () => {
    for (const nodes of ['0', '2001', '1.5', 'ten', '', '1e3']) {
      const err = usageError(['up', '--nodes', nodes])
      assert.equal(err.option, '--nodes', nodes)
      assert.match(err.message, /--nodes/)
    }
    assert.equal(usageError(['up', '--seed', 'abc']).option, '--seed')
    assert.equal(usageError(['up', '--seed', '99999999999999999999']).option, '--seed')
    assert.equal(usageError(['up', '--name', 'Big Net']).option, '--name')
    assert.equal(usageError(['up', '--name', 'x'.repeat(33)]).option, '--name')
    assert.equal(usageError(['up', '--config', '']).option, '--config')
  })

  it('rejects unknown flags, missing values and stray arguments', () => {
    const unknown = usageError(['up', '--nodez', '5'])
    assert.equal(unknown.option, '--nodez')
    assert.match(unknown.message, /--nodez/)
    assert.equal(usageError(['up', '--nodes']).option, '--nodes')
    assert.match(usageError(['up', 'extra']).message, /unexpected argument 'extra'/)
    assert.match(usageError(['up', '--detach=yes']).message, /--detach/)
    usageError(['up', '--signal', 'KILL'])
  })
})

describe('parseCli: status and down', () => {
  it('parses status', () => {
    assert.deepEqual(parseCli(['status']), { command: 'status', name: 'default', stateDir: '.stampede', json: false, watch: false })
    assert.deepEqual(parseCli(['status', '--json', '--watch', '--name', 'small']), { command: 'status', name: 'small', stateDir: '.stampede', json: true, watch: true })
  })

  it('parses down', () => {
    assert.deepEqual(parseCli(['down', '--state-dir', 'x']), { command: 'down', name: 'default', stateDir: 'x' })
    usageError(['down', 'all'])
    usageError(['down', '--json'])
  })
})

describe('parseCli: kill, restart, pause, resume', () => {
  it('parses kill with defaults', () => {
    assert.deepEqual(parseCli(['kill', '30%']), {
      command: 'kill', name: 'default', stateDir: '.stampede', selector: { kind: 'share', share: 0.3 }, signal: 'KILL'
    })
  })

  it('parses kill options', () => {
    assert.deepEqual(parseCli(['kill', 'peer-1,peer-2', '--signal', 'sigterm', '--role', 'supernode', '--name', 'n1']), {
      command: 'kill', name: 'n1', stateDir: '.stampede', selector: { kind: 'names', names: ['peer-1', 'peer-2'] }, signal: 'TERM', role: 'supernode'
    })
  })

  it('parses restart with a spread duration', () => {
    assert.deepEqual(parseCli(['restart', '5', '--spread', '10s']), {
      command: 'restart', name: 'default', stateDir: '.stampede', selector: { kind: 'count', count: 5 }, spreadMs: 10_000, signal: 'KILL'
    })
    const r = parseCli(['restart', 'all'])
    assert.ok(r.command === 'restart')
    assert.equal(r.spreadMs, 0)
  })

  it('parses pause and resume', () => {
    assert.deepEqual(parseCli(['pause', 'all', '--role', 'client']), {
      command: 'pause', name: 'default', stateDir: '.stampede', selector: { kind: 'all' }, role: 'client'
    })
    assert.deepEqual(parseCli(['resume', 'peer-1..peer-3']), {
      command: 'resume', name: 'default', stateDir: '.stampede', selector: { kind: 'names', names: ['peer-1', 'peer-2', 'peer-3'] }
    })
  })

  it('rejects missing, extra and bad selectors', () => {
    assert.equal(usageError(['kill']).option, 'selector')
    assert.match(usageError(['kill', 'peer-1', 'peer-2']).message, /unexpected argument 'peer-2'/)
    assert.equal(usageError(['kill', '150%']).option, 'selector')
    assert.equal(usageError(['restart', '0']).option, 'selector')
  })

  it('rejects bad option values, naming the option', () => {
    assert.equal(usageError(['kill', 'all', '--signal', 'HUP']).option, '--signal')
    assert.equal(usageError(['kill', 'all', '--role', 'login']).option, '--role')
    assert.equal(usageError(['restart', 'all', '--spread', '-1s']).option, '--spread')
    assert.equal(usageError(['restart', 'all', '--spread', 'soon']).option, '--spread')
    assert.equal(usageError(['pause', 'all', '--signal', 'KILL']).option, '--signal')
    assert.equal(usageError(['resume', 'all', '--spread', '1s']).option, '--spread')
  })

  it('takes a selector after --', () => {
    const r = parseCli(['kill', '--', '3'])
    assert.ok(r.command === 'kill')
    assert.deepEqual(r.selector, { kind: 'count', count: 3 })
  })
})

describe('help', () => {
  it('-h and --help on any command give its help, even with other arguments', () => {
    for (const command of COMMANDS) {
      assert.deepEqual(parseCli([command, '--help']), { command: 'help', text: HELP[command] })
      assert.deepEqual(parseCli([command, 'bogus', '-h', '--nope']), { command: 'help', text: HELP[command] })
    }
  })

  it('every help text has a usage line, defaults and an example', () => {
    for (const command of COMMANDS) {
      const text = HELP[command]
      assert.match(text, new RegExp(`^Usage: stampede ${command}`), command)
      assert.match(text, /default/, command)
      assert.match(text, /Example:\n {2}stampede /, command)
      if (command !== 'run' && command !== 'compare') assert.match(text, /--name NAME/, command)
      if (command !== 'compare') assert.match(text, /--state-dir DIR/, command)
      assert.match(text, /-h, --help/, command)
      assert.match(HELP.main, new RegExp(`\\n {2}${command} `), command)
    }
  })

  it('documents each command option', () => {
    assert.match(HELP.up, /--nodes N[\s\S]*--config FILE[\s\S]*--seed S[\s\S]*--detach/)
    assert.match(HELP.status, /--json[\s\S]*--watch/)
    assert.match(HELP.kill, /--signal KILL\|TERM[\s\S]*--role ROLE/)
    assert.match(HELP.restart, /--spread DURATION[\s\S]*default: 0ms/)
  })
})

describe('parseCli: packed mode', () => {
  it('parses --nodes-per-process for up and run', () => {
    assert.deepEqual(parseCli(['up', '--nodes', '16', '--nodes-per-process', '4']), { command: 'up', nodes: 16, nodesPerProcess: 4, detach: false, stateDir: '.stampede' })
    assert.deepEqual(parseCli(['up', '--nodes-per-process=1']), { command: 'up', nodesPerProcess: 1, detach: false, stateDir: '.stampede' })
    const run = parseCli(['run', 's.yaml', '--nodes-per-process', '8'])
    assert.ok(run.command === 'run')
    assert.equal(run.nodesPerProcess, 8)
  })

  it('rejects a bad --nodes-per-process, naming the option', () => {
    for (const k of ['0', '65', '2.5', 'four', '']) {
      const err = usageError(['up', '--nodes-per-process', k])
      assert.equal(err.option, '--nodes-per-process', k)
      assert.match(err.message, /--nodes-per-process/)
    }
    assert.equal(usageError(['run', 's.yaml', '--nodes-per-process', '0']).option, '--nodes-per-process')
  })

  it('parses --workers on kill, restart, pause and resume', () => {
    assert.deepEqual(parseCli(['kill', '1', '--workers']), {
      command: 'kill', name: 'default', stateDir: '.stampede', selector: { kind: 'count', count: 1 }, signal: 'KILL', workers: true
    })
    assert.deepEqual(parseCli(['restart', 'worker-01..worker-03', '--workers', '--spread', '2s']), {
      command: 'restart', name: 'default', stateDir: '.stampede', selector: { kind: 'names', names: ['worker-01', 'worker-02', 'worker-03'] }, spreadMs: 2_000, signal: 'KILL', workers: true
    })
    assert.deepEqual(parseCli(['pause', 'worker-02', '--workers']), {
      command: 'pause', name: 'default', stateDir: '.stampede', selector: { kind: 'names', names: ['worker-02'] }, workers: true
    })
    const resume = parseCli(['resume', 'all', '--workers'])
    assert.ok(resume.command === 'resume')
    assert.equal(resume.workers, true)
    // without the flag nothing changes
    assert.equal('workers' in parseCli(['kill', '1']), false)
  })

  it('rejects --workers with --role, and --workers elsewhere', () => {
    assert.match(usageError(['kill', '1', '--workers', '--role', 'supernode']).message, /--role picks nodes, --workers picks whole worker processes/)
    assert.equal(usageError(['up', '--workers']).option, '--workers')
    assert.equal(usageError(['status', '--workers']).option, '--workers')
  })

  it('documents packed mode in the help of up, kill, restart, pause and resume', () => {
    assert.match(HELP.up, /--nodes-per-process K[\s\S]*packed mode[\s\S]*login\s+server always has a process of its own/)
    assert.match(HELP.up, /exit status 2/)
    for (const command of ['kill', 'restart', 'pause', 'resume'] as const) assert.match(HELP[command], /--workers/, command)
    assert.match(HELP.pause, /single packed node is refused/)
    assert.match(HELP.run, /--nodes-per-process K/)
  })
})
