import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as wire from '../src/index.js'

// semver 2.0.0, without pre-release or build metadata
const SEMVER = /\/(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/

const protocols = Object.entries(wire).filter(([name]) => name.endsWith('_PROTOCOL'))

describe('protocol ids', () => {
  it('are exported for login, attach, report, presence and kad', () => {
    assert.deepEqual(protocols.map(([name]) => name).sort(), [
      'ATTACH_PROTOCOL', 'KAD_PROTOCOL', 'LOGIN_PROTOCOL', 'PRESENCE_PROTOCOL', 'REPORT_PROTOCOL'
    ])
  })

  for (const [name, id] of protocols) {
    it(`${name} starts with /stampede/ and ends with a semver`, () => {
      assert.equal(typeof id, 'string')
      assert.ok((id as string).startsWith('/stampede/'), String(id))
      assert.match(id as string, SEMVER)
      assert.doesNotMatch(id as string, /\s/)
    })
  }

  it('are all distinct', () => {
    const ids = protocols.map(([, id]) => id)
    assert.equal(new Set(ids).size, ids.length)
  })

  it('share the exported prefix', () => {
    assert.equal(wire.PROTOCOL_PREFIX, '/stampede')
    for (const [, id] of protocols) assert.ok((id as string).startsWith(`${wire.PROTOCOL_PREFIX}/`))
  })

  it('keep presence DHT keys out of the protocol namespace', () => {
    assert.ok(wire.PRESENCE_KEY_PREFIX.startsWith('/'))
    assert.ok(wire.PRESENCE_KEY_PREFIX.endsWith('/'))
    assert.ok(!wire.PRESENCE_KEY_PREFIX.startsWith('/stampede/'))
  })
})
