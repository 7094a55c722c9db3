/**
 * Bundles a benchmark's helper script with esbuild the way packages/node bundles
 * stampede-node (one ESM file, a `require` for CommonJS dependencies), so a helper
 * process starts as fast as a node does and the comparison is about what runs inside.
 */
import { fileURLToPath } from 'node:url'

const BANNER = "import { createRequire as __stampedeRequire } from 'node:module'; const require = __stampedeRequire(import.meta.url);"

/** Bundle `script` (a file next to this one) into `outFile`; returns `outFile`. */
export async function bundleScript (script, outFile) {
  const esbuild = await import('esbuild')
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL(script, import.meta.url))],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'warning',
    banner: { js: BANNER }
  })
  return outFile
}
