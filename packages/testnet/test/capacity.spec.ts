import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CapacityError, checkCapacity, estimateCapacity, readHostLimits } from '../src/capacity.js'
import {
  FDS_PER_NODE, FDS_PER_PROCESS, LOGIN_SERVER_PRIVATE_BYTES, MEMORY_HEADROOM, NODE_PROCESS_PRIVATE_BYTES,
  PACKED_NODE_BYTES, SHARED_CODE_BYTES, WORKER_BASE_PRIVATE_BYTES
} from '../src/constants.js'
import type { HostLimits } from '../src/capacity.js'

const GB = 2 ** 30

/** A roomy machine: 16 GB free, 65536 open files, the usual Linux port ranges. */
function host (over: Partial<HostLimits> = {}): HostLimits {
  return { availableMemory: 16 * GB, maxOpenFiles: 65_536, listenPorts: [10_000, 32_767], ephemeralPorts: [32_768, 60_999], ...over }
}

function capacityError (fn: () => unknown): CapacityError {
  try {
    fn()
  } catch (err: unknown) {
    assert.ok(err instanceof CapacityError, String(err))
    assert.equal(err.name, 'CapacityError')
    assert.equal(err.exitCode, 2)
    return err
  }
  assert.fail('expected a CapacityError')
}

describe('estimateCapacity', () => {
  it('counts a process per node in process mode, a worker per K nodes in packed mode', () => {
    assert.equal(estimateCapacity(100, 1, host()).processes, 101)
    assert.equal(estimateCapacity(100, 10, host()).processes, 11)
    assert.equal(estimateCapacity(101, 10, host()).processes, 12)
    // K larger than the testnet: one worker
    assert.equal(estimateCapacity(5, 64, host()).processes, 2)
  })

  it('estimates memory from the measured per-node figures', () => {
    // the shared Node.js code once, then each process's own memory
    assert.equal(estimateCapacity(100, 1, host()).memory.needed, SHARED_CODE_BYTES + LOGIN_SERVER_PRIVATE_BYTES + 100 * NODE_PROCESS_PRIVATE_BYTES)
    assert.equal(estimateCapacity(100, 10, host()).memory.needed, SHARED_CODE_BYTES + LOGIN_SERVER_PRIVATE_BYTES + 10 * WORKER_BASE_PRIVATE_BYTES + 100 * PACKED_NODE_BYTES)
    assert.equal(estimateCapacity(100, 10, host()).memory.limit, Math.floor(16 * GB * MEMORY_HEADROOM))
  })

  it('fits 300 peers in process mode on a machine with 21 GB free (the shared code counted once)', () => {
    assert.deepEqual(estimateCapacity(300, 1, host({ availableMemory: 21 * GB })).problems, [])
  })

  it('makes packed mode hold many more nodes in the same memory', () => {
    const machine = host({ availableMemory: 4 * GB })
    assert.ok(estimateCapacity(200, 1, machine).problems.length > 0)
    assert.deepEqual(estimateCapacity(200, 20, machine).problems, [])
  })

  it('fits a small testnet with no problems', () => {
    const e = checkCapacity(12, 4, host())
    assert.deepEqual(e.problems, [])
    assert.equal(e.nodes, 12)
    assert.equal(e.nodesPerProcess, 4)
  })

  it('refuses too little memory, stating the estimate and the limit', () => {
    const err = capacityError(() => checkCapacity(1000, 1, host({ availableMemory: 8 * GB })))
    assert.match(err.message, /^1000 peers do not fit on this machine/)
    assert.match(err.message, /memory: needs about 45,156 MB \(shared code 56 MB \+ login server 100 MB \+ 1000 node processes x 45 MB\), but 7,373 MB is available \(90 % of 8,192 MB\)/)
    assert.match(err.message, /--nodes-per-process/)
    assert.equal(err.estimate.problems.length, 1)
  })

  it('names the workers and packed nodes in a packed estimate', () => {
    const err = capacityError(() => checkCapacity(2000, 50, host({ availableMemory: 1 * GB })))
    assert.match(err.message, /at 50 per process/)
    assert.match(err.message, /40 workers x 35 MB \+ 2000 packed nodes x \d+ MB/)
  })

  it('refuses a worker that would run out of file descriptors (ulimit -n)', () => {
    const k = 60
    const needed = FDS_PER_PROCESS + k * FDS_PER_NODE
    const err = capacityError(() => checkCapacity(120, k, host({ maxOpenFiles: needed - 1 })))
    assert.match(err.message, new RegExp(`file descriptors: each worker: ${FDS_PER_PROCESS} \\+ 60 nodes x ${FDS_PER_NODE} needs about ${needed}, above the open-file limit of ${needed - 1} \\(ulimit -n\\)`))
    assert.deepEqual(estimateCapacity(120, k, host({ maxOpenFiles: needed + 500 })).problems, [])
  })

  it('refuses a login server or launcher that would run out of descriptors with many peers', () => {
    const err = capacityError(() => checkCapacity(2000, 20, host({ maxOpenFiles: 1024 })))
    assert.match(err.message, /the login server: .* a connection per peer \(2000\) needs about \d+, above the open-file limit of 1024/)
    assert.match(err.message, /the launcher: .* a status connection per node \(2001\) needs about \d+, above the open-file limit of 1024/)
  })

  it('refuses more nodes than the listen-port range holds', () => {
    const err = capacityError(() => checkCapacity(200, 10, host({ listenPorts: [10_000, 10_099] })))
    assert.match(err.message, /ports: 201 listen ports needed, one per node, from 10000 to 10099 \(below the ephemeral range\) holds 100/)
  })

  it('refuses more nodes than the ephemeral range serves', () => {
    const err = capacityError(() => checkCapacity(500, 10, host({ ephemeralPorts: [60_000, 60_999] })))
    assert.match(err.message, /ports: about \d+ ephemeral ports needed .* ephemeral range 60000-60999\), the range holds 1000/)
  })
})

describe('readHostLimits', () => {
  it('reads this machine: memory, open files and port ranges', () => {
    const h = readHostLimits()
    assert.ok(h.availableMemory > 0)
    assert.ok(Number.isInteger(h.maxOpenFiles) && h.maxOpenFiles > 0)
    assert.ok(h.listenPorts[0] <= h.listenPorts[1] + 1)
    assert.ok(h.ephemeralPorts[0] < h.ephemeralPorts[1])
  })
})
