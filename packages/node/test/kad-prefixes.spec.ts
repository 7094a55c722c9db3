import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { encodePrefixTable, lazyPrefixTable, PREFIX_TABLE_ENTRIES, PREFIX_TABLE_FILE, PrefixTableError } from '../src/kad-prefixes.js'

/** kad-dht's table module (the package's exports do not name it). */
function kadTableFile (): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@libp2p/kad-dht'))), 'routing-table', 'generated-prefix-list.js')
}

/** kad-dht's own table, as the bundler reads it. */
async function kadTable (): Promise<number[]> {
  return (await import(pathToFileURL(kadTableFile()).href) as { default: number[] }).default
}

/** Every entry of a table, read as kad-dht reads it. */
function entries (table: readonly number[]): Array<number | undefined> {
  return Array.from({ length: PREFIX_TABLE_ENTRIES }, (_, i) => table[i])
}

interface BundleScript { bundleEntry(opts: { entry: string, outDir: string, name: string, loader: string }): Promise<string> }

describe('kad-dht prefix table out of the bundle', () => {
  it('encodes kad-dht\'s table and reads it back entry for entry', async () => {
    const original = await kadTable()
    assert.equal(original.length, PREFIX_TABLE_ENTRIES)
    assert.deepEqual(entries(lazyPrefixTable(() => encodePrefixTable(original))), original)
  })

  it('loads on first use, once, and answers index reads and length as the array does', async () => {
    const original = await kadTable()
    const data = encodePrefixTable(original)
    let loads = 0
    const table = lazyPrefixTable(() => { loads++; return data })
    assert.equal(loads, 0)
    for (const i of [0, 1, 12_345, 40_000, PREFIX_TABLE_ENTRIES - 1]) assert.equal(table[i], original[i])
    assert.equal(table.length, original.length)
    assert.equal(table[PREFIX_TABLE_ENTRIES], undefined)
    assert.equal(table[-1], undefined)
    assert.equal(loads, 1)
  })

  it('refuses a table of the wrong size or with entries out of range', () => {
    assert.throws(() => encodePrefixTable([1, 2, 3]), PrefixTableError)
    assert.throws(() => encodePrefixTable(new Array(PREFIX_TABLE_ENTRIES).fill(-1)), PrefixTableError)
    const table = lazyPrefixTable(() => new Uint8Array(8))
    assert.throws(() => table[0], PrefixTableError)
    assert.throws(() => lazyPrefixTable(() => new Uint8Array(12)).length, /a prefix table is 262144 bytes, got 12/)
  })

  it('is written beside the bundles, and the bundles carry no copy of it', async () => {
    const bundleDir = fileURLToPath(new URL('../bundle/', import.meta.url))
    if (!existsSync(join(bundleDir, 'stampede-node.bundle.js'))) assert.fail(`no bundle in ${bundleDir}: run npm run build`)
    const original = await kadTable()
    assert.deepEqual(entries(lazyPrefixTable(() => readFileSync(join(bundleDir, PREFIX_TABLE_FILE)))), original)
    for (const name of ['stampede-node', 'stampede-worker']) {
      const code = readFileSync(join(bundleDir, `${name}.bundle.js`), 'latin1')
      assert.ok(code.includes('lazyPrefixTable('), `${name} reads the table from the file`)
      // the table's first entries, as the array literal had them
      assert.ok(!code.includes(`[\n  ${original[0]},\n  ${original[1]},`), `${name} holds no copy of the table`)
      assert.ok(!/[\u0080-\u{10ffff}]/u.test(code), `${name} is ASCII (a non-ASCII character makes Node keep the source as a two-byte string)`)
    }
  })

  it('in a bundle, reads the file beside it: the entries a bundled program sees are kad-dht\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stampede-kad-prefixes-'))
    try {
      const entry = join(dir, 'entry.mjs')
      writeFileSync(entry, `import table from ${JSON.stringify(kadTableFile())}\nconsole.log(JSON.stringify([table[0], table[1], table[40000], table[65535], table.length]))\n`)
      const { bundleEntry } = await import(new URL('../../scripts/bundle.mjs', import.meta.url).href) as BundleScript
      const loader = fileURLToPath(new URL('../bundle/code-cache.mjs', import.meta.url))
      const program = await bundleEntry({ entry, outDir: join(dir, 'out'), name: 'probe', loader })
      const original = await kadTable()
      assert.ok(!readFileSync(join(dir, 'out', 'probe.bundle.js'), 'latin1').includes(String(original[40000])), 'the bundle holds no copy of the table')
      const seen = JSON.parse(execFileSync(process.execPath, [program], { cwd: tmpdir(), encoding: 'utf8' })) as number[]
      assert.deepEqual(seen, [original[0], original[1], original[40000], original[65535], original.length])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
