import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import {
  applyOverrides, assignProfiles, defaultConfig, DEFAULT_PROFILES, isLoopbackAddress, loadConfig, parseConfig
} from '../src/config.js'
import { ConfigError } from '../src/errors.js'
import { seeded, configError } from './helpers.js'

/** Repository root: this file runs as packages/testnet/<outDir>/test/config.spec.js. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

describe('parseConfig', () => {
  it('fills every default for an empty document', () => {
    assert.deepEqual(parseConfig(''), defaultConfig())
    assert.deepEqual(parseConfig('# only a comment\n'), defaultConfig())
  })

  it('has the documented defaults', () => {
    const cfg = defaultConfig()
    assert.equal(cfg.name, 'default')
    assert.equal(cfg.nodes, 20)
    assert.equal(cfg.seed, 1)
    assert.equal(cfg.host, '127.0.0.1')
    assert.deepEqual(cfg.profiles, DEFAULT_PROFILES)
    assert.deepEqual(cfg.loginServer, { loginsPerSecond: 200, burst: 50, tokenTtlMs: 3_600_000, referrals: 3 })
    assert.equal(cfg.promotion.clientsPerSupernode, 5)
    assert.equal(cfg.promotion.minUptimeMs, 2000)
    assert.equal(cfg.timing.heartbeatTimeoutMs, 3500)
    assert.equal(cfg.timing.startupTimeoutMs, 60_000)
    assert.equal(cfg.hostCache.maxEntries, 200)
  })

  it('defaultConfig returns independent copies', () => {
    const a = defaultConfig()
    a.profiles[0]!.share = 0.9
    a.timing.retryBaseMs = 1
    assert.equal(defaultConfig().profiles[0]!.share, 0.4)
    assert.equal(defaultConfig().timing.retryBaseMs, 250)
    assert.equal(DEFAULT_PROFILES[0]!.share, 0.4)
  })

  it('merges partial nested sections with defaults', () => {
    const cfg = parseConfig('nodes: 7\ntiming:\n  heartbeatIntervalMs: 200\n  heartbeatTimeoutMs: 700\n')
    assert.equal(cfg.nodes, 7)
    assert.equal(cfg.timing.heartbeatIntervalMs, 200)
    assert.equal(cfg.timing.heartbeatTimeoutMs, 700)
    assert.equal(cfg.timing.reportIntervalMs, 1000)
    assert.deepEqual(cfg.promotion, defaultConfig().promotion)
  })

  it('reports a wrong field with its line, column and dotted path', () => {
    const text = [
      'nodes: 10', // 1
      'profiles:', // 2
      '  - name: desktop', // 3
      '    share: 0.5', // 4
      '    reachable: true', // 5
      '    capacity: 8', // 6
      '    bandwidthKbps: 1000', // 7
      '  - name: laptop', // 8
      '    share: "half"', // 9
      '    reachable: false', // 10
      '    capacity: 0', // 11
      '    bandwidthKbps: 200' // 12
    ].join('\n')
    const err = configError(() => parseConfig(text, 'testnet/x.yaml'))
    assert.equal(err.file, 'testnet/x.yaml')
    assert.equal(err.line, 9)
    assert.equal(err.column, 12)
    assert.equal(err.field, 'profiles[1].share')
    assert.match(err.message, /^testnet\/x\.yaml:9:12: profiles\[1\]\.share: /)
  })

  it('rejects out-of-range numbers and non-integers', () => {
    assert.equal(configError(() => parseConfig('nodes: 0')).field, 'nodes')
    assert.equal(configError(() => parseConfig('nodes: 2001')).field, 'nodes')
    assert.equal(configError(() => parseConfig('nodes: 2.5')).field, 'nodes')
    assert.equal(configError(() => parseConfig('seed: 1.5')).field, 'seed')
    assert.equal(configError(() => parseConfig('hostCache:\n  maxEntries: 0')).field, 'hostCache.maxEntries')
    assert.equal(configError(() => parseConfig('loginServer:\n  referrals: -1')).field, 'loginServer.referrals')
    assert.equal(configError(() => parseConfig('nodes: .inf')).field, 'nodes')
    const err = configError(() => parseConfig('\n\npromotion:\n  headroom: 1.5\n', 'a.yaml'))
    assert.equal(err.line, 4)
    assert.equal(err.field, 'promotion.headroom')
  })

  it('rejects an unknown key, pointing at the key', () => {
    const err = configError(() => parseConfig('nodes: 5\ntiming:\n  heartbeatIntervalMs: 500\n  heartbeatTimoutMs: 900\n', 'c.yaml'))
    assert.equal(err.field, 'timing.heartbeatTimoutMs')
    assert.equal(err.line, 4)
    assert.equal(err.column, 3)
    assert.match(err.message, /^c\.yaml:4:3: timing\.heartbeatTimoutMs: unknown field/)
    assert.match(err.message, /heartbeatTimeoutMs/)
  })

  it('takes the policy\'s presence pacing, null to turn it off, and checks its fields', () => {
    assert.deepEqual(parseConfig('policy:\n  family: adaptive\n  presencePacing:\n    busyShare: 0.8\n    maxDeferMs: 60000\n').policy.presencePacing, { busyShare: 0.8, maxDeferMs: 60_000 })
    assert.equal(parseConfig('policy:\n  family: legacy\n  presencePacing: null\n').policy.presencePacing, null)
    assert.equal(configError(() => parseConfig('policy:\n  family: adaptive\n  presencePacing:\n    busyShare: 1.5\n')).field, 'policy.presencePacing.busyShare')
    const err = configError(() => parseConfig('policy:\n  family: adaptive\n  presencePacing:\n    retryMS: 100\n'))
    assert.equal(err.field, 'policy.presencePacing.retryMS')
    assert.match(err.message, /retryMs/)
  })

  it('rejects unknown top-level and profile keys', () => {
    assert.equal(configError(() => parseConfig('nodez: 5')).field, 'nodez')
    const profile = 'profiles:\n  - { name: a, share: 1, reachable: true, capacity: 1, bandwidthKbps: 1, colour: red }\n'
    const err = configError(() => parseConfig(profile))
    assert.equal(err.field, 'profiles[0].colour')
    assert.equal(err.line, 2)
  })

  it('rejects shares that do not sum to 1', () => {
    const text = [
      'profiles:',
      '  - { name: a, share: 0.5, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: b, share: 0.4, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n')
    const err = configError(() => parseConfig(text, 'p.yaml'))
    assert.equal(err.field, 'profiles')
    assert.equal(err.line, 2)
    assert.match(err.problem, /sum to 1/)
    assert.match(err.problem, /0\.9/)
  })

  it('accepts shares that sum to 1 within the tolerance', () => {
    const text = [
      'profiles:',
      '  - { name: a, share: 0.3333, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: b, share: 0.3333, reachable: false, capacity: 0, bandwidthKbps: 100 }',
      '  - { name: c, share: 0.3333, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n')
    assert.equal(parseConfig(text).profiles.length, 3)
  })

  it('rejects duplicate profile names, empty profile lists and incomplete profiles', () => {
    const dup = [
      'profiles:',
      '  - { name: a, share: 0.5, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: a, share: 0.5, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n')
    const err = configError(() => parseConfig(dup))
    assert.equal(err.field, 'profiles[1].name')
    assert.equal(err.line, 3)
    assert.equal(configError(() => parseConfig('profiles: []')).field, 'profiles')
    assert.equal(configError(() => parseConfig('profiles:\n  - { name: a, share: 1 }')).field, 'profiles[0].reachable')
    assert.equal(configError(() => parseConfig('profiles:\n  - { name: a, share: 0, reachable: true, capacity: 1, bandwidthKbps: 1 }')).field, 'profiles[0].share')
  })

  it('requires heartbeat timeout above interval, naming the field', () => {
    const err = configError(() => parseConfig('timing:\n  heartbeatIntervalMs: 1000\n  heartbeatTimeoutMs: 1000\n', 't.yaml'))
    assert.equal(err.field, 'timing.heartbeatTimeoutMs')
    assert.equal(err.line, 3)
    assert.match(err.problem, /greater than timing\.heartbeatIntervalMs/)
  })

  it('locates a cross-field error on a defaulted field at its section', () => {
    const err = configError(() => parseConfig('nodes: 4\ntiming:\n  reportIntervalMs: 9000\n', 't.yaml'))
    assert.equal(err.field, 'timing.supernodeExpiryMs')
    assert.equal(err.line, 2)
  })

  it('requires retryMaxMs >= retryBaseMs, and minSupernodes <= nodes', () => {
    assert.equal(configError(() => parseConfig('timing:\n  retryBaseMs: 600\n  retryMaxMs: 500')).field, 'timing.retryMaxMs')
    assert.equal(parseConfig('timing:\n  retryBaseMs: 500\n  retryMaxMs: 500').timing.retryMaxMs, 500)
    assert.equal(configError(() => parseConfig('nodes: 2\npromotion:\n  minSupernodes: 3')).field, 'promotion.minSupernodes')
  })

  it('checks name and host', () => {
    assert.equal(configError(() => parseConfig('name: My Net')).field, 'name')
    assert.equal(configError(() => parseConfig('name: -x')).field, 'name')
    assert.equal(configError(() => parseConfig(`name: ${'a'.repeat(33)}`)).field, 'name')
    assert.equal(parseConfig(`name: ${'a'.repeat(32)}`).name.length, 32)
    assert.equal(configError(() => parseConfig('host: 10.0.0.1')).field, 'host')
    assert.equal(configError(() => parseConfig('host: localhost')).field, 'host')
    assert.equal(parseConfig('host: 127.0.0.2').host, '127.0.0.2')
    assert.equal(parseConfig('host: "::1"').host, '::1')
  })

  it('turns YAML syntax errors into ConfigErrors with a position', () => {
    const err = configError(() => parseConfig('nodes: 5\ntiming: [1,\n  x: y\n', 'bad.yaml'))
    assert.equal(err.file, 'bad.yaml')
    assert.equal(typeof err.line, 'number')
    assert.equal(typeof err.column, 'number')
    assert.match(err.message, /^bad\.yaml:\d+:\d+: YAML /)
    const dup = configError(() => parseConfig('nodes: 5\nnodes: 6\n', 'dup.yaml'))
    assert.equal(dup.line, 2)
    assert.match(dup.message, /unique/)
  })

  it('rejects a document that is not a mapping', () => {
    const err = configError(() => parseConfig('- 1\n- 2\n', 'list.yaml'))
    assert.equal(err.line, 1)
    assert.match(err.message, /mapping/)
    configError(() => parseConfig('just text'))
  })

  it('collects several problems, first in file order', () => {
    const err = configError(() => parseConfig('nodes: 0\nseed: x\nbogus: 1\n', 'm.yaml'))
    assert.equal(err.line, 1)
    assert.equal(err.field, 'nodes')
    assert.equal(err.others.length, 2)
    assert.deepEqual(err.others.map(o => o.line), [2, 3])
    assert.equal(err.message.split('\n').length, 3)
  })
})

describe('ConfigError', () => {
  it('formats file:line:col: field: problem and leaves out unknown parts', () => {
    assert.equal(new ConfigError('a.b', 'bad', { file: 'f.yaml', line: 3, column: 4 }).message, 'f.yaml:3:4: a.b: bad')
    assert.equal(new ConfigError('a.b', 'bad').message, 'a.b: bad')
    assert.equal(new ConfigError('', 'cannot read', { file: 'f.yaml' }).message, 'f.yaml: cannot read')
  })
})

describe('config files', () => {
  it('testnet/default.yaml parses to the built-in defaults', async () => {
    const cfg = await loadConfig(join(REPO_ROOT, 'testnet/default.yaml'))
    assert.deepEqual(cfg, defaultConfig())
  })

  it('testnet/small.yaml parses with 10 nodes and fast timing', async () => {
    const cfg = await loadConfig(join(REPO_ROOT, 'testnet/small.yaml'))
    assert.equal(cfg.nodes, 10)
    assert.equal(cfg.timing.heartbeatIntervalMs, 500)
    assert.equal(cfg.timing.heartbeatTimeoutMs, 1750)
    assert.equal(cfg.timing.reportIntervalMs, 500)
    assert.equal(cfg.timing.supernodeExpiryMs, 1750)
    assert.equal(cfg.promotion.minUptimeMs, 500)
    assert.equal(cfg.promotion.clientsPerSupernode, 3)
  })

  it('loadConfig reports a missing file by name', async () => {
    await assert.rejects(loadConfig('/nonexistent/stampede.yaml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.file, '/nonexistent/stampede.yaml')
      assert.match(err.message, /^\/nonexistent\/stampede\.yaml: cannot read config: no such file/)
      return true
    })
  })

  it('loadConfig names the file in validation errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampede-config-'))
    try {
      const file = join(dir, 'net.yaml')
      await writeFile(file, 'name: ok\nnodes: 99999\n')
      await assert.rejects(loadConfig(file), (err: unknown) => {
        assert.ok(err instanceof ConfigError)
        assert.equal(err.message.startsWith(`${file}:2:8: nodes: `), true)
        return true
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('applyOverrides', () => {
  it('applies overrides without touching the input', () => {
    const base = defaultConfig()
    const next = applyOverrides(base, { nodes: 50, seed: 9, name: 'big' })
    assert.equal(next.nodes, 50)
    assert.equal(next.seed, 9)
    assert.equal(next.name, 'big')
    assert.equal(base.nodes, 20)
    assert.deepEqual(applyOverrides(base, {}), base)
  })

  it('re-validates', () => {
    assert.equal(configError(() => applyOverrides(defaultConfig(), { nodes: 0 })).field, 'nodes')
    assert.equal(configError(() => applyOverrides(defaultConfig(), { name: 'Bad Name' })).field, 'name')
    assert.equal(configError(() => applyOverrides(defaultConfig(), { seed: 0.5 })).field, 'seed')
    const cfg = parseConfig('promotion:\n  minSupernodes: 5')
    assert.equal(configError(() => applyOverrides(cfg, { nodes: 4 })).field, 'promotion.minSupernodes')
  })
})

describe('assignProfiles', () => {
  const counts = (profiles: ReadonlyArray<{ name: string }>): Record<string, number> =>
    profiles.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.name]: (acc[p.name] ?? 0) + 1 }), {})

  it('gives exact counts from the shares', () => {
    const assigned = assignProfiles(defaultConfig(), seeded(1))
    assert.equal(assigned.length, 20)
    assert.deepEqual(counts(assigned), { desktop: 8, laptop: 12 })
  })

  it('uses largest remainders, ties to the earlier profile', () => {
    const cfg = parseConfig([
      'nodes: 10',
      'profiles:',
      '  - { name: a, share: 0.25, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: b, share: 0.25, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: c, share: 0.5, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n'))
    // quotas 2.5, 2.5, 5: one extra seat, which goes to 'a'
    assert.deepEqual(counts(assignProfiles(cfg, seeded(3))), { a: 3, b: 2, c: 5 })
    const odd = parseConfig([
      'nodes: 7',
      'profiles:',
      '  - { name: a, share: 0.15, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: b, share: 0.85, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n'))
    // quotas 1.05 and 5.95: b gets the remaining seat
    assert.deepEqual(counts(assignProfiles(odd, seeded(3))), { a: 1, b: 6 })
  })

  it('never over- or under-assigns when shares sum slightly off 1', () => {
    const cfg = parseConfig([
      'nodes: 2000',
      'profiles:',
      '  - { name: a, share: 0.5005, reachable: true, capacity: 4, bandwidthKbps: 500 }',
      '  - { name: b, share: 0.5, reachable: false, capacity: 0, bandwidthKbps: 100 }'
    ].join('\n'))
    assert.equal(assignProfiles(cfg, seeded(5)).length, 2000)
  })

  it('is deterministic for the same random sequence and shuffles', () => {
    const cfg = applyOverrides(defaultConfig(), { nodes: 200 })
    const names = (seed: number): string[] => assignProfiles(cfg, seeded(seed)).map(p => p.name)
    assert.deepEqual(names(42), names(42))
    assert.notDeepEqual(names(42), names(43))
    const first = names(42)
    assert.notDeepEqual(first, [...first].sort())
  })

  it('works with a single node', () => {
    const assigned = assignProfiles(applyOverrides(defaultConfig(), { nodes: 1 }), seeded(1))
    assert.deepEqual(assigned.map(p => p.name), ['laptop'])
  })
})

describe('isLoopbackAddress', () => {
  it('accepts only loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1']) assert.equal(isLoopbackAddress(a), true, a)
    for (const a of ['128.0.0.1', '0.0.0.0', '::', '192.168.1.1', 'localhost', '', '::2']) assert.equal(isLoopbackAddress(a), false, a)
  })
})

describe('peerNice', () => {
  it('defaults to 10 and takes 0-19', () => {
    assert.equal(defaultConfig().peerNice, 10)
    assert.equal(parseConfig('nodes: 4').peerNice, 10)
    assert.equal(parseConfig('peerNice: 0').peerNice, 0)
    assert.equal(parseConfig('peerNice: 19').peerNice, 19)
  })

  it('refuses a niceness Linux does not have, naming the field', () => {
    for (const bad of ['peerNice: 20', 'peerNice: -1', 'peerNice: 2.5']) {
      assert.equal(configError(() => parseConfig(bad)).field, 'peerNice', bad)
    }
  })
})

describe('nodesPerProcess (packed mode)', () => {
  it('defaults to 1, a process per node', () => {
    assert.equal(defaultConfig().nodesPerProcess, 1)
    assert.equal(parseConfig('nodes: 4').nodesPerProcess, 1)
  })

  it('accepts 1 to 64 peers per worker process', () => {
    assert.equal(parseConfig('nodes: 100\nnodesPerProcess: 10').nodesPerProcess, 10)
    assert.equal(parseConfig('nodesPerProcess: 64').nodesPerProcess, 64)
    // more per process than there are peers: one worker runs them all
    assert.equal(parseConfig('nodes: 3\nnodesPerProcess: 8').nodesPerProcess, 8)
  })

  it('rejects 0, fractions, words and more than 64 with file, line and field', () => {
    const err = configError(() => parseConfig('nodes: 12\nseed: 3\nnodesPerProcess: 0\n', 'packed.yaml'))
    assert.equal(err.field, 'nodesPerProcess')
    assert.equal(err.line, 3)
    assert.equal(err.column, 18)
    assert.match(err.message, /^packed\.yaml:3:18: nodesPerProcess: /)
    assert.equal(configError(() => parseConfig('nodesPerProcess: 65')).field, 'nodesPerProcess')
    assert.equal(configError(() => parseConfig('nodesPerProcess: 2.5')).field, 'nodesPerProcess')
    assert.equal(configError(() => parseConfig('nodesPerProcess: four')).field, 'nodesPerProcess')
  })

  it('is a known field, hinted for a misspelling', () => {
    const err = configError(() => parseConfig('nodesPerProces: 4'))
    assert.equal(err.field, 'nodesPerProces')
    assert.match(err.problem, /known fields: .*nodesPerProcess/)
  })

  it('is overridden and re-validated by applyOverrides', () => {
    assert.equal(applyOverrides(defaultConfig(), { nodesPerProcess: 4 }).nodesPerProcess, 4)
    assert.equal(applyOverrides(parseConfig('nodesPerProcess: 4'), {}).nodesPerProcess, 4)
    assert.equal(configError(() => applyOverrides(defaultConfig(), { nodesPerProcess: 0 })).field, 'nodesPerProcess')
  })
})
