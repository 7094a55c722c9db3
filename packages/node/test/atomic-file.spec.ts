import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it, mock } from 'node:test'
import { writeFileAtomic } from '../src/index.js'
import { fileHandlePrototype, makeTempDir, removeTempDir } from './helpers.js'

describe('writeFileAtomic', () => {
  let dir: string
  /** FileHandle.prototype, whose sync() the writes call (file and directory) */
  let handleProto: { sync(): Promise<void> }
  before(async () => {
    dir = await makeTempDir('stampede-atomic-')
    handleProto = await fileHandlePrototype(dir)
  })
  after(async () => { await removeTempDir(dir) })

  for (const durable of [true, false]) {
    it(`replaces the file whole, leaves no temporary file, and fsyncs ${durable ? 'the file and its directory' : 'nothing'} (durable: ${durable})`, async () => {
      const path = join(dir, `f-${durable}.json`)
      await writeFileAtomic(path, 'old')
      const sync = mock.method(handleProto, 'sync')
      try {
        await writeFileAtomic(path, 'new content', 0o640, { durable })
        assert.equal(sync.mock.callCount(), durable ? 2 : 0)
      } finally {
        sync.mock.restore()
      }
      assert.equal(await readFile(path, 'utf8'), 'new content')
      assert.equal((await stat(path)).mode & 0o777, 0o640)
      assert.deepEqual((await readdir(dir)).filter(f => f.endsWith('.tmp')), [])
    })
  }

  it('is durable by default', async () => {
    const sync = mock.method(handleProto, 'sync')
    try {
      await writeFileAtomic(join(dir, 'default.json'), 'x')
      assert.equal(sync.mock.callCount(), 2)
    } finally {
      sync.mock.restore()
    }
  })
})
