import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { writeFileAtomic } from './atomic-file.js'
import { DataDirError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'

export const IDENTITY_FILE = 'identity.key'

/**
 * Load the node's identity key from its data directory, or create and store one, so a
 * restarted node keeps its PeerId. The file is written atomically.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DataDirError(`cannot read identity ${path}: ${(err as Error).message}`)
    }
  }
  if (bytes != null) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err: unknown) {
      throw new DataDirError(`identity ${path} is not a valid private key: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  try {
    await writeFileAtomic(path, privateKeyToProtobuf(key))
  } catch (err: unknown) {
    throw new DataDirError(`cannot write identity ${path}: ${(err as Error).message}`)
  }
  return key
}
