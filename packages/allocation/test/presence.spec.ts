import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_PRESENCE_PACING, InvalidAllocationConfigError, checkPresencePacing, createPolicy, manualClock, presenceDecision } from '../src/index.js'
import type { PresencePacing } from '../src/index.js'

const PACING: PresencePacing = { busyShare: 0.5, retryMs: 1_000, maxDeferMs: 10_000 }

function assertField (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidAllocationConfigError)
    assert.equal(err.field, field)
    return true
  })
}

describe('presence pacing', () => {
  it('publishes a due record at once while the supernode is not busy', () => {
    assert.deepEqual(presenceDecision(PACING, { busy: 0, deferredMs: 0 }), { publish: true })
    assert.deepEqual(presenceDecision(PACING, { busy: 0.49, deferredMs: 5_000 }), { publish: true })
  })

  it('makes a due record wait retryMs while the supernode is busy', () => {
    assert.deepEqual(presenceDecision(PACING, { busy: 0.5, deferredMs: 0 }), { publish: false, waitMs: 1_000 })
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: 3_000 }), { publish: false, waitMs: 1_000 })
  })

  it('never lets a record wait past maxDeferMs, however busy', () => {
    // the last wait is cut to what is left of maxDeferMs
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: 9_400 }), { publish: false, waitMs: 600 })
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: 10_000 }), { publish: true })
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: 60_000 }), { publish: true })
    // maxDeferMs 0: pacing that never waits
    assert.deepEqual(presenceDecision({ ...PACING, maxDeferMs: 0 }, { busy: 1, deferredMs: 0 }), { publish: true })
  })

  it('publishes on an unknown reading, and waits no longer for a nonsense deferral', () => {
    assert.deepEqual(presenceDecision(PACING, { busy: NaN, deferredMs: 0 }), { publish: true })
    assert.deepEqual(presenceDecision(PACING, { busy: Infinity, deferredMs: 0 }), { publish: true })
    // a due time in the future counts as just due; an unknown deferral as over the bound
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: -5_000 }), { publish: false, waitMs: 1_000 })
    assert.deepEqual(presenceDecision(PACING, { busy: 1, deferredMs: NaN }), { publish: true })
  })

  it('publishes every due record at once without pacing (null)', () => {
    assert.deepEqual(presenceDecision(null, { busy: 1, deferredMs: 0 }), { publish: true })
  })

  it('rejects unusable settings naming the field', () => {
    assert.doesNotThrow(() => checkPresencePacing('p', DEFAULT_PRESENCE_PACING))
    assertField(() => checkPresencePacing('p', { ...PACING, busyShare: 0 }), 'p.busyShare')
    assertField(() => checkPresencePacing('p', { ...PACING, busyShare: 1.5 }), 'p.busyShare')
    assertField(() => checkPresencePacing('p', { ...PACING, busyShare: NaN }), 'p.busyShare')
    assertField(() => checkPresencePacing('p', { ...PACING, retryMs: 0 }), 'p.retryMs')
    assertField(() => checkPresencePacing('p', { ...PACING, maxDeferMs: -1 }), 'p.maxDeferMs')
  })

  it('is on by default in both families, and a description can tune or remove it', () => {
    for (const family of ['adaptive', 'legacy'] as const) {
      assert.deepEqual(createPolicy({ family }, manualClock()).presencePacing, DEFAULT_PRESENCE_PACING)
    }
    assert.deepEqual(createPolicy({ family: 'adaptive', presencePacing: { maxDeferMs: 60_000 } }, manualClock()).presencePacing,
      { ...DEFAULT_PRESENCE_PACING, maxDeferMs: 60_000 })
    assert.equal(createPolicy({ family: 'adaptive', presencePacing: null }, manualClock()).presencePacing, null)
    assertField(() => createPolicy({ family: 'adaptive', presencePacing: { busyShare: 2 } }, manualClock()), 'presencePacing.busyShare')
  })
})
