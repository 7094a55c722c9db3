/**
 * Bundles a benchmark's helper script the way packages/node bundles stampede-node
 * (packages/node/scripts/bundle.mjs: CommonJS in one function, run by the same loader with a
 * V8 code cache in $STAMPEDE_CODE_CACHE), so a helper process starts as fast as a node does
 * and the comparison is about what runs inside.
 */
import { dirname, basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleEntry } from '../../packages/node/scripts/bundle.mjs'

/** The loader packages/node's build wrote next to its own bundles. */
const LOADER = fileURLToPath(new URL('../../packages/node/dist/bundle/code-cache.mjs', import.meta.url))

/** Bundle `script` (a file next to this one) into `outFile` (an entry point, `.mjs`); returns `outFile`. */
export async function bundleScript (script, outFile) {
  return await bundleEntry({
    entry: fileURLToPath(new URL(script, import.meta.url)),
    outDir: dirname(outFile),
    name: basename(outFile, '.mjs'),
    loader: LOADER
  })
}
