import assert from 'node:assert/strict'
import { seededRandom } from '@stampede/allocation'
import { ConfigError } from '../src/errors.js'

/** A deterministic random source for selection and assignment tests. */
export function seeded (seed: number): () => number {
  return seededRandom(seed)
}

/** Run `fn`, which must throw a ConfigError, and return it. */
export function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err: unknown) {
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'ConfigError')
    assert.ok(err instanceof ConfigError)
    return err
  }
  assert.fail('expected a ConfigError')
}
