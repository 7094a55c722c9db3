import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UsageError } from '../src/errors.js'
import { parseSelector, selectNodes } from '../src/selector.js'
import type { SelectableNode } from '../src/selector.js'
import { seeded } from './helpers.js'

function usageError (fn: () => unknown): UsageError {
  try {
    fn()
  } catch (err: unknown) {
    assert.ok(err instanceof UsageError)
    assert.equal(err.name, 'UsageError')
    return err
  }
  assert.fail('expected a UsageError')
}

/** login, then peer-1..peer-10: odd peers supernodes, peer-9 and peer-10 dead. */
const NODES: SelectableNode[] = [
  { name: 'login', role: 'login', alive: true },
  ...Array.from({ length: 10 }, (_, i) => ({
    name: `peer-${i + 1}`,
    role: i % 2 === 0 ? 'supernode' : 'client',
    alive: i < 8
  }))
]
const ALL_NAMES = NODES.map(n => n.name)

describe('parseSelector', () => {
  it('parses all, counts and shares', () => {
    assert.deepEqual(parseSelector('all'), { kind: 'all' })
    assert.deepEqual(parseSelector('5'), { kind: 'count', count: 5 })
    assert.deepEqual(parseSelector('50%'), { kind: 'share', share: 0.5 })
    assert.deepEqual(parseSelector('100%'), { kind: 'share', share: 1 })
    assert.deepEqual(parseSelector('12.5%'), { kind: 'share', share: 0.125 })
  })

  it('parses names and ranges', () => {
    assert.deepEqual(parseSelector('peer-1,peer-3'), { kind: 'names', names: ['peer-1', 'peer-3'] })
    assert.deepEqual(parseSelector('login'), { kind: 'names', names: ['login'] })
    assert.deepEqual(parseSelector('peer-1..peer-4'), { kind: 'names', names: ['peer-1', 'peer-2', 'peer-3', 'peer-4'] })
    assert.deepEqual(parseSelector('peer-2..4,login'), { kind: 'names', names: ['peer-2', 'peer-3', 'peer-4', 'login'] })
    assert.deepEqual(parseSelector('n08..n10'), { kind: 'names', names: ['n08', 'n09', 'n10'] })
    assert.deepEqual(parseSelector('peer-1, peer-1,peer-2'), { kind: 'names', names: ['peer-1', 'peer-2'] })
  })

  it('rejects bad selectors with a UsageError', () => {
    for (const bad of ['', '0', '0%', '101%', '-3', 'x%', '50 %', 'peer-1,,peer-2', 'peer-1,', 'peer 1', 'a/b', 'peer-5..peer-1', 'peer-1..node-3', 'a..b', `p1..p${20_000}`]) {
      const err = usageError(() => parseSelector(bad))
      assert.equal(err.option, 'selector', bad)
    }
  })
})

describe('selectNodes', () => {
  it('all selects everything in the pool, in order', () => {
    assert.deepEqual(selectNodes({ kind: 'all' }, NODES, { random: seeded(1) }), ALL_NAMES)
    assert.deepEqual(selectNodes({ kind: 'all' }, NODES, { role: 'supernode', alive: true, random: seeded(1) }), ['peer-1', 'peer-3', 'peer-5', 'peer-7'])
    assert.deepEqual(selectNodes({ kind: 'all' }, NODES, { alive: false, random: seeded(1) }), ['peer-9', 'peer-10'])
  })

  it('names must all exist, then are filtered and kept in node order', () => {
    assert.deepEqual(selectNodes({ kind: 'names', names: ['peer-3', 'peer-1'] }, NODES, { random: seeded(1) }), ['peer-1', 'peer-3'])
    assert.deepEqual(selectNodes({ kind: 'names', names: ['peer-1', 'peer-2', 'peer-9'] }, NODES, { role: 'client', random: seeded(1) }), ['peer-2'])
    assert.deepEqual(selectNodes({ kind: 'names', names: ['peer-9'] }, NODES, { alive: true, random: seeded(1) }), [])
  })

  it('lists unknown names, even those that a filter would drop anyway', () => {
    const err = usageError(() => selectNodes({ kind: 'names', names: ['peer-1', 'peer-42', 'ghost'] }, NODES, { role: 'client', random: seeded(1) }))
    assert.match(err.message, /unknown nodes: peer-42, ghost/)
  })

  it('count picks min(count, pool) distinct nodes, in node order', () => {
    const picked = selectNodes({ kind: 'count', count: 3 }, NODES, { alive: true, random: seeded(7) })
    assert.equal(picked.length, 3)
    assert.equal(new Set(picked).size, 3)
    const alive = NODES.filter(n => n.alive).map(n => n.name)
    assert.ok(picked.every(name => alive.includes(name)))
    assert.deepEqual(picked, alive.filter(name => picked.includes(name)))
    assert.deepEqual(selectNodes({ kind: 'count', count: 50 }, NODES, { role: 'client', random: seeded(7) }), ['peer-2', 'peer-4', 'peer-6', 'peer-8', 'peer-10'])
  })

  it('is deterministic for the same seed and varies across seeds', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ name: `peer-${i + 1}`, role: 'client', alive: true }))
    const pick = (seed: number): string[] => selectNodes({ kind: 'count', count: 10 }, many, { random: seeded(seed) })
    assert.deepEqual(pick(11), pick(11))
    assert.notDeepEqual(pick(11), pick(12))
    const share = (seed: number): string[] => selectNodes({ kind: 'share', share: 0.3 }, many, { random: seeded(seed) })
    assert.deepEqual(share(5), share(5))
    assert.equal(share(5).length, 30)
  })

  it('covers the whole pool over many draws (no bias towards the front)', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, role: 'client', alive: true }))
    const random = seeded(99)
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) for (const name of selectNodes({ kind: 'count', count: 1 }, many, { random })) seen.add(name)
    assert.equal(seen.size, 20)
  })

  it('share rounds, and picks at least one from a non-empty pool', () => {
    const opts = { alive: true, random: seeded(3) }
    assert.equal(selectNodes({ kind: 'share', share: 0.5 }, NODES, opts).length, 5) // 9 alive -> 4.5 -> 5
    assert.equal(selectNodes({ kind: 'share', share: 0.01 }, NODES, opts).length, 1)
    assert.equal(selectNodes({ kind: 'share', share: 1 }, NODES, opts).length, 9)
    assert.deepEqual(selectNodes({ kind: 'share', share: 0.5 }, NODES, { role: 'nobody', random: seeded(3) }), [])
  })

  it('does not call random when nothing is random', () => {
    const random = (): number => assert.fail('random called')
    selectNodes({ kind: 'all' }, NODES, { random })
    selectNodes({ kind: 'names', names: ['peer-1'] }, NODES, { random })
  })

  it('tolerates a random source that returns values near 1', () => {
    const picked = selectNodes({ kind: 'count', count: 4 }, NODES, { random: () => 0.9999999999 })
    assert.equal(new Set(picked).size, 4)
  })
})
