import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { firstFitReferral, seededRandom, twoChoicesReferral } from '../src/index.js'
import type { Random, ReferralPolicy, SupernodeLoad } from '../src/index.js'

function sn (id: string, load: number, capacity: number): SupernodeLoad {
  return { id, load, capacity }
}

/** n empty supernodes s00, s01, ... */
function supernodes (n: number, capacity = 100): SupernodeLoad[] {
  return Array.from({ length: n }, (_, i) => sn(`s${String(i).padStart(2, '0')}`, 0, capacity))
}

const GARBAGE: SupernodeLoad[] = [
  sn('full', 10, 10),
  sn('over', 11, 10),
  sn('nan-load', Number.NaN, 10),
  sn('neg-load', -1, 10),
  sn('inf-capacity', 0, Number.POSITIVE_INFINITY),
  sn('inf-load', Number.POSITIVE_INFINITY, 10),
  sn('zero-capacity', 0, 0),
  sn('neg-capacity', 0, -5),
  sn('nan-capacity', 0, Number.NaN),
  sn('string-load', '3' as unknown as number, 10)
]

const GARBAGE_IDS = new Set(GARBAGE.map(s => s.id))

function ids (list: readonly SupernodeLoad[]): string[] {
  return list.map(s => s.id)
}

function maxOverMean (loads: readonly number[]): number {
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length
  return Math.max(...loads) / mean
}

/** Assign `clients` one at a time with `assign`, each raising its supernode's load by one. */
function simulate (n: number, clients: number, assign: (pool: SupernodeLoad[]) => SupernodeLoad): number[] {
  const pool = supernodes(n, clients)
  for (let i = 0; i < clients; i++) {
    const chosen = assign(pool)
    const target = pool.find(s => s.id === chosen.id)
    assert.ok(target != null)
    target.load++
  }
  return pool.map(s => s.load)
}

/** Assert the common contract: distinct, trusted, not full, at most count, from the input. */
function assertValidChoice (chosen: readonly SupernodeLoad[], input: readonly SupernodeLoad[], count: number): void {
  assert.ok(chosen.length <= Math.max(0, count))
  assert.equal(new Set(ids(chosen)).size, chosen.length, `duplicates in ${ids(chosen).join(',')}`)
  for (const s of chosen) {
    assert.ok(input.includes(s), `${s.id} is not from the input`)
    assert.ok(!GARBAGE_IDS.has(s.id), `${s.id} should have been skipped`)
    assert.ok(s.load < s.capacity)
  }
}

describe('firstFitReferral', () => {
  const policy = firstFitReferral()

  it('is named first-fit', () => {
    assert.equal(policy.name, 'first-fit')
  })

  it('herds: every client gets the same first supernodes with spare capacity, in input order', () => {
    const list = [sn('a', 99, 100), sn('b', 0, 100), sn('c', 0, 100), sn('d', 0, 100)]
    for (let seed = 0; seed < 20; seed++) {
      assert.deepEqual(ids(policy.choose(list, 2, seededRandom(seed))), ['a', 'b'])
    }
    // a nearly full supernode still comes first, an idle one later is ignored
    assert.deepEqual(ids(policy.choose(list, 1, seededRandom(1))), ['a'])
  })

  it('piles every client onto the first supernode until it is full', () => {
    const loads = simulate(20, 1_000, pool => {
      const [first] = policy.choose(pool, 1, seededRandom(0))
      assert.ok(first != null)
      return first
    })
    // capacity 1000 each: the first supernode takes everyone, the rest nobody
    assert.equal(loads[0], 1_000)
    assert.ok(loads.slice(1).every(l => l === 0))
    assert.equal(maxOverMean(loads), 20)
  })

  it('skips full and garbage entries', () => {
    const list = [...GARBAGE.slice(0, 5), sn('x', 1, 10), ...GARBAGE.slice(5), sn('y', 9, 10), sn('z', 0, 1)]
    const chosen = policy.choose(list, 10, seededRandom(0))
    assert.deepEqual(ids(chosen), ['x', 'y', 'z'])
    assertValidChoice(chosen, list, 10)
    assert.deepEqual(policy.choose(GARBAGE, 3, seededRandom(0)), [])
  })

  it('respects count', () => {
    const list = supernodes(5)
    assert.deepEqual(ids(policy.choose(list, 3, seededRandom(0))), ['s00', 's01', 's02'])
    assert.deepEqual(policy.choose(list, 0, seededRandom(0)), [])
    assert.deepEqual(policy.choose(list, -2, seededRandom(0)), [])
    assert.equal(policy.choose(list, 50, seededRandom(0)).length, 5)
    assert.deepEqual(policy.choose([], 3, seededRandom(0)), [])
  })

  it('never returns the same supernode twice, even when the input lists it twice', () => {
    const list = [sn('a', 0, 10), sn('a', 0, 10), sn('b', 0, 10)]
    const chosen = policy.choose(list, 3, seededRandom(0))
    assert.deepEqual(ids(chosen), ['a', 'b'])
  })

  it('leaves its input untouched', () => {
    const list = [sn('a', 0, 10), sn('b', 10, 10), sn('c', 1, 10)]
    const copy = structuredClone(list)
    policy.choose(list, 2, seededRandom(0))
    assert.deepEqual(list, copy)
  })
})

describe('twoChoicesReferral', () => {
  const policy = twoChoicesReferral()

  it('is named two-choices', () => {
    assert.equal(policy.name, 'two-choices')
  })

  it('spreads load: max/mean clearly lower than a single random choice', () => {
    const random = seededRandom(42)
    const twoChoices = simulate(20, 1_000, pool => {
      const [chosen] = policy.choose(pool, 1, random)
      assert.ok(chosen != null)
      return chosen
    })
    const baselineRandom = seededRandom(42)
    const single = simulate(20, 1_000, pool => pool[Math.floor(baselineRandom() * pool.length)] as SupernodeLoad)
    assert.equal(twoChoices.reduce((a, b) => a + b, 0), 1_000)
    assert.equal(single.reduce((a, b) => a + b, 0), 1_000)
    const twoRatio = maxOverMean(twoChoices)
    const singleRatio = maxOverMean(single)
    assert.ok(twoRatio < singleRatio, `two choices ${twoRatio} vs single ${singleRatio}`)
    assert.ok(twoRatio <= 1.12, `two choices max/mean ${twoRatio}`)
    assert.ok(singleRatio - twoRatio >= 0.1, `two choices ${twoRatio} vs single ${singleRatio}`)
  })

  it('spreads load better than single choice for every seed tried', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed)
      const two = simulate(20, 1_000, pool => policy.choose(pool, 1, random)[0] as SupernodeLoad)
      const single = simulate(20, 1_000, pool => pool[Math.floor(random() * pool.length)] as SupernodeLoad)
      assert.ok(maxOverMean(two) < maxOverMean(single), `seed ${seed}`)
    }
  })

  it('prefers the less utilised of two candidates', () => {
    const list = [sn('busy', 90, 100), sn('idle', 10, 100)]
    const random = seededRandom(7)
    let busy = 0
    const draws = 2_000
    for (let i = 0; i < draws; i++) {
      const [chosen] = policy.choose(list, 1, random)
      if (chosen?.id === 'busy') busy++
    }
    // busy only when both draws land on it: about a quarter of the time, not half
    assert.ok(busy / draws > 0.18 && busy / draws < 0.32, `busy chosen ${busy} / ${draws}`)
  })

  it('compares utilisation, not raw load', () => {
    // 'big' carries more clients but is far less utilised
    const list = [sn('small', 5, 10), sn('big', 50, 1_000)]
    const draws = [0, 0.9] // first draw small, second big
    let i = 0
    const random: Random = () => draws[i++ % draws.length] as number
    assert.deepEqual(ids(policy.choose(list, 1, random)), ['big'])
  })

  it('never returns duplicates or full supernodes, and respects count', () => {
    const random = seededRandom(3)
    for (let round = 0; round < 300; round++) {
      const list: SupernodeLoad[] = []
      const n = Math.floor(random() * 12)
      for (let i = 0; i < n; i++) {
        const capacity = 1 + Math.floor(random() * 5)
        list.push(sn(`s${i}`, Math.floor(random() * (capacity + 1)), capacity))
      }
      list.push(...GARBAGE.filter(() => random() < 0.3))
      const count = Math.floor(random() * 8) - 1
      const chosen = policy.choose(list, count, random)
      assertValidChoice(chosen, list, count)
      const available = list.filter(s => !GARBAGE_IDS.has(s.id) && s.load < s.capacity).length
      assert.equal(chosen.length, Math.max(0, Math.min(count, available)))
    }
  })

  it('never returns the same supernode twice, even when the input lists it twice', () => {
    const list = [sn('a', 0, 10), sn('a', 0, 10), sn('a', 0, 10), sn('b', 5, 10)]
    for (let seed = 0; seed < 30; seed++) {
      const chosen = policy.choose(list, 3, seededRandom(seed))
      assert.deepEqual(ids(chosen).sort(), ['a', 'b'])
    }
  })

  it('returns every available supernode when count exceeds them', () => {
    const list = [sn('a', 0, 10), sn('b', 10, 10), sn('c', 3, 10), sn('d', 9, 10)]
    const chosen = policy.choose(list, 10, seededRandom(1))
    assert.deepEqual(ids(chosen).sort(), ['a', 'c', 'd'])
  })

  it('is deterministic for a given seed', () => {
    const list = supernodes(30).map((s, i) => ({ ...s, load: i % 7 }))
    assert.deepEqual(ids(policy.choose(list, 5, seededRandom(9))), ids(policy.choose(list, 5, seededRandom(9))))
  })

  it('survives a misbehaving random source (1, above one, NaN, negative)', () => {
    const list = supernodes(4)
    for (const value of [1, 1.5, Number.NaN, -0.5, Number.POSITIVE_INFINITY]) {
      const random: Random = () => value
      const chosen = policy.choose(list, 3, random)
      assert.equal(chosen.length, 3, `random() = ${value}`)
      assertValidChoice(chosen, list, 3)
    }
  })

  it('leaves its input untouched', () => {
    const list = [sn('a', 0, 10), sn('b', 10, 10), sn('c', 1, 10)]
    const copy = structuredClone(list)
    policy.choose(list, 2, seededRandom(0))
    assert.deepEqual(list, copy)
  })
})

describe('referral policies share one contract', () => {
  const policies: ReferralPolicy[] = [firstFitReferral(), twoChoicesReferral()]
  for (const policy of policies) {
    it(`${policy.name}: an empty or all-full list gives no referral`, () => {
      assert.deepEqual(policy.choose([], 2, seededRandom(0)), [])
      assert.deepEqual(policy.choose([sn('a', 1, 1), sn('b', 2, 2)], 2, seededRandom(0)), [])
    })
  }
})
