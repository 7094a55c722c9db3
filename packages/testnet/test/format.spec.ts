import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatProgress, formatStatusTable, formatSummary } from '../src/format.js'
import type { StatusRow } from '../src/format.js'

const ROWS: StatusRow[] = [
  { name: 'login', pid: 1200, role: 'login', alive: true, loggedIn: false, supernode: null },
  { name: 'peer-1', pid: 1201, role: 'supernode', alive: true, loggedIn: true, supernode: null, load: 3, capacity: 8, profile: 'desktop' },
  { name: 'peer-2', pid: 1202, role: 'client', alive: true, loggedIn: true, supernode: 'peer-1', profile: 'laptop' },
  { name: 'peer-3', pid: null, role: 'offline', alive: false, loggedIn: false, supernode: null, profile: 'laptop' }
]
const SUMMARY = { total: 4, alive: 3, loggedIn: 2, supernodes: 1 }

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

describe('formatStatusTable', () => {
  it('prints a header, one line per node and a footer', () => {
    const lines = formatStatusTable(ROWS, SUMMARY).split('\n')
    assert.equal(lines.length, 1 + ROWS.length + 1)
    assert.match(lines[0]!, /^NAME\s+PID\s+ROLE\s+ALIVE\s+LOGGED-IN\s+SUPERNODE\s+LOAD\s+PROFILE$/)
    assert.match(lines[2]!, /^peer-1\s+1201\s+supernode\s+yes\s+yes\s+-\s+3\/8\s+desktop$/)
    assert.match(lines[3]!, /^peer-2\s+1202\s+client\s+yes\s+yes\s+peer-1\s+-\s+laptop$/)
    assert.match(lines[4]!, /^peer-3\s+-\s+offline\s+no\s+no\s+-\s+-\s+laptop$/)
    assert.equal(lines[5], '4 nodes, 3 alive, 2 logged in (66.7% of alive), 1 supernode')
  })

  it('aligns columns', () => {
    const lines = formatStatusTable(ROWS, SUMMARY).split('\n').slice(0, -1)
    const roleAt = lines.map(line => line.search(/ (ROLE|login|supernode|client|offline)\b/))
    assert.equal(new Set(roleAt).size, 1)
    // PID is right-aligned: every line's second column ends at the same place.
    const pidEnd = lines.map(line => /^\S+\s+\S+/.exec(line)?.[0].length)
    assert.equal(new Set(pidEnd).size, 1)
  })

  it('stays aligned and uncoloured at 150 rows', () => {
    const rows: StatusRow[] = Array.from({ length: 150 }, (_, i) => ({
      name: `peer-${i + 1}`,
      pid: 10_000 + i * 37,
      role: i % 10 === 0 ? 'supernode' : 'client',
      alive: true,
      loggedIn: i % 7 !== 0,
      supernode: i % 10 === 0 ? null : `peer-${Math.floor(i / 10) * 10 + 1}`,
      ...(i % 10 === 0 ? { load: 9, capacity: 8 } : {})
    }))
    const text = formatStatusTable(rows, { total: 150, alive: 150, loggedIn: 128, supernodes: 15 }, { color: false })
    assert.doesNotMatch(text, ANSI)
    const lines = text.split('\n')
    assert.equal(lines.length, 152)
    const roleColumn = lines.slice(0, -1).map(line => line.search(/\b(ROLE|supernode|client)\b/))
    assert.equal(new Set(roleColumn).size, 1)
    assert.match(lines.at(-1)!, /85\.3% of alive/)
  })

  it('adds colour only when asked, keeping the same text', () => {
    const plain = formatStatusTable(ROWS, SUMMARY)
    assert.doesNotMatch(plain, ANSI)
    const coloured = formatStatusTable(ROWS, SUMMARY, { color: true })
    assert.match(coloured, ANSI)
    assert.equal(coloured.replace(ANSI, '').split('\n').map(l => l.trimEnd()).join('\n'), plain)
  })

  it('handles no rows and no alive nodes', () => {
    const text = formatStatusTable([], { total: 0, alive: 0, loggedIn: 0, supernodes: 0 })
    assert.match(text, /\(no nodes\)/)
    assert.match(text, /0\.0% of alive/)
  })
})

describe('formatSummary and formatProgress', () => {
  it('pluralises supernodes', () => {
    assert.match(formatSummary({ total: 10, alive: 10, loggedIn: 10, supernodes: 2 }), /100\.0% of alive\), 2 supernodes$/)
  })

  it('formats a one-line progress report', () => {
    const line = formatProgress({ alive: 20, loggedIn: 18, total: 20, supernodes: 3, elapsedMs: 12_500 })
    assert.equal(line, '[12.5s] alive 20/20  logged in 18/20 (90.0%)  supernodes 3')
    assert.doesNotMatch(line, /\n/)
    assert.match(formatProgress({ alive: 0, loggedIn: 0, total: 0, supernodes: 0, elapsedMs: 0 }), /\(0\.0%\)/)
  })
})
