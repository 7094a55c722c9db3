#!/usr/bin/env node
/**
 * Bundles the node's entry points with esbuild for a fast start (see src/code-cache.ts):
 *
 *   dist/bundle/<name>.bundle.js   the whole program, CommonJS, wrapped in one function
 *                                  expression that src/code-cache.ts compiles with a V8
 *                                  code cache
 *   dist/bundle/<name>.mjs         the entry point to run: a few lines that load the above
 *   dist/bundle/code-cache.mjs     the loader both entry points share
 *
 * Usage: node scripts/bundle.mjs   (from packages/node, after tsc; `npm run bundle`)
 *
 * `bundleEntry()` is exported for the benchmarks, which bundle their helpers the same way.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const PACKAGE = resolve(HERE, '..')
/** The parameters the bundle's function is called with (src/code-cache.ts, BundleFunction). */
const WRAPPER_PARAMS = 'exports, require, module, __filename, __dirname, __stampedeMetaUrl'

async function esbuild () {
  return await import('esbuild')
}

/**
 * Bundle `entry` (a JS file) into `outDir/<name>.bundle.js` and write the entry point
 * `outDir/<name>.mjs` that runs it through the loader at `loader` (a path to
 * code-cache.mjs, or to dist/src/code-cache.js). Returns the entry point's path.
 */
export async function bundleEntry ({ entry, outDir, name, loader }) {
  const { build } = await esbuild()
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'warning',
    write: false,
    // the code runs as a function, not a module: import.meta.url comes in as a parameter
    define: { 'import.meta.url': '__stampedeMetaUrl' }
  })
  let code = out.outputFiles[0].text
  if (code.startsWith('#!')) code = code.slice(code.indexOf('\n') + 1)
  await mkdir(outDir, { recursive: true })
  const codeFile = join(outDir, `${name}.bundle.js`)
  await writeFile(codeFile, `(function (${WRAPPER_PARAMS}) {\n${code}\n})\n`)
  let spec = relative(outDir, loader)
  if (!spec.startsWith('.')) spec = `./${spec}`
  const entryFile = join(outDir, `${name}.mjs`)
  await writeFile(entryFile, `#!/usr/bin/env node
// ${name}: runs ${basename(codeFile)} with a V8 code cache in $STAMPEDE_CODE_CACHE (see ${basename(loader)})
import { fileURLToPath } from 'node:url'
import { runCached } from '${spec.split('\\').join('/')}'
const debug = process.env.STAMPEDE_CODE_CACHE_DEBUG === '1'
runCached(fileURLToPath(new URL('./${basename(codeFile)}', import.meta.url)), {
  cacheDir: process.env.STAMPEDE_CODE_CACHE || undefined,
  onEvent: debug ? (e) => { console.error('code-cache', JSON.stringify(e)) } : undefined
})
`, { mode: 0o755 })
  return entryFile
}

/** The shared loader, bundled (it imports node built-ins only). */
export async function bundleLoader (outDir) {
  const { build } = await esbuild()
  const outfile = join(outDir, 'code-cache.mjs')
  await build({
    entryPoints: [join(PACKAGE, 'dist/src/code-cache.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'warning',
    outfile
  })
  return outfile
}

async function main () {
  const outDir = join(PACKAGE, 'dist/bundle')
  await rm(outDir, { recursive: true, force: true })
  const loader = await bundleLoader(outDir)
  for (const name of ['stampede-node', 'stampede-worker']) {
    await bundleEntry({ entry: join(PACKAGE, `dist/src/bin/${name}.js`), outDir, name, loader })
  }
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`bundle: ${err.stack ?? err.message}\n`)
    process.exit(1)
  })
}
