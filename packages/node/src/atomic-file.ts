import { open, rename, mkdir, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

let counter = 0

/**
 * Write a file so that a reader (or a restart after SIGKILL) sees either the old
 * content or the new one, never a torn mix: write a temporary file beside it, fsync,
 * rename over the target, then fsync the directory.
 */
export async function writeFileAtomic (path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  const file = await open(tmp, 'w', mode)
  try {
    await file.writeFile(data)
    await file.sync()
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
