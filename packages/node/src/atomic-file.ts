import { open, rename, mkdir, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

let counter = 0

export interface WriteFileAtomicOptions {
  /**
   * fsync the file before the rename and the directory after it, so the new content
   * survives the machine crashing or losing power, not only the process dying; false
   * for files that can be lost (a cache). @default true
   */
  durable?: boolean
}

/**
 * Write a file so that a reader (or a restart after SIGKILL) sees either the old
 * content or the new one, never a torn mix: write a temporary file beside it, fsync
 * (when durable), rename over the target, then fsync the directory (when durable).
 */
export async function writeFileAtomic (path: string, data: Uint8Array | string, mode = 0o600, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const durable = opts.durable ?? true
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  const file = await open(tmp, 'w', mode)
  try {
    await file.writeFile(data)
    if (durable) await file.sync()
  } catch (err: unknown) {
    await file.close()
    await unlink(tmp).catch(() => {})
    throw err
  }
  await file.close()
  try {
    await rename(tmp, path)
  } catch (err: unknown) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  if (!durable) return
  const d = await open(dir, 'r')
  try {
    await d.sync()
  } finally {
    await d.close()
  }
}

export async function ensureDir (path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 })
}
