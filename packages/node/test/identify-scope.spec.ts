import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { identifyAfterGrace, identifyOnOpen } from '../src/identify-scope.js'
import type { IdentifyContext } from '../src/identify-scope.js'

const ATTACH = '/stampede/attach/1.0.0'
const ctx = (over: Partial<IdentifyContext> = {}): IdentifyContext => ({ serving: true, loginServer: false, knownSupernode: false, ...over })

describe('identifyOnOpen', () => {
  it('identifies nothing while the peer is a client', () => {
    assert.equal(identifyOnOpen('outbound', ctx({ serving: false })), 'never')
    assert.equal(identifyOnOpen('inbound', ctx({ serving: false, knownSupernode: true })), 'never')
  })

  it('never identifies the login server', () => {
    assert.equal(identifyOnOpen('outbound', ctx({ loginServer: true })), 'never')
    assert.equal(identifyOnOpen('inbound', ctx({ loginServer: true, knownSupernode: true })), 'never')
  })

  it('identifies a supernode\'s own dials and known supernodes at once, other inbound connections later', () => {
    assert.equal(identifyOnOpen('outbound', ctx()), 'now')
    assert.equal(identifyOnOpen('inbound', ctx({ knownSupernode: true })), 'now')
    assert.equal(identifyOnOpen('inbound', ctx()), 'later')
  })
})

describe('identifyAfterGrace', () => {
  const conn = (status: 'open' | 'closing' | 'closed', protocols: string[]): Parameters<typeof identifyAfterGrace>[0] =>
    ({ status, streams: protocols.map(protocol => ({ protocol })) }) as unknown as Parameters<typeof identifyAfterGrace>[0]

  it('identifies an open connection that no client attached on', () => {
    assert.equal(identifyAfterGrace(conn('open', []), true, false, ATTACH), true)
    assert.equal(identifyAfterGrace(conn('open', ['/stampede/kad/1.0.0']), true, false, ATTACH), true)
  })

  it('skips a client: an attach stream on the connection, or the remote among the attached', () => {
    assert.equal(identifyAfterGrace(conn('open', [ATTACH]), true, false, ATTACH), false)
    assert.equal(identifyAfterGrace(conn('open', []), true, true, ATTACH), false)
  })

  it('skips a closed connection, and everything once the peer no longer serves', () => {
    assert.equal(identifyAfterGrace(conn('closed', []), true, false, ATTACH), false)
    assert.equal(identifyAfterGrace(conn('closing', []), true, false, ATTACH), false)
    assert.equal(identifyAfterGrace(conn('open', []), false, false, ATTACH), false)
  })
})
