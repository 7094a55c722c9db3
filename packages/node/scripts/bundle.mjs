#!/usr/bin/env node
/**
 * Bundles the node's entry points with esbuild for a fast start (see src/code-cache.ts):
 *
 *   dist/bundle/<name>.bundle.js   the whole program, CommonJS, wrapped in one function
 *                                  expression that src/code-cache.ts compiles with a V8
 *                                  code cache
 *   dist/bundle/<name>.mjs         the entry point to run: a few lines that load the above
 *   dist/bundle/code-cache.mjs     the loader both entry points share
 *   dist/bundle/kad-prefixes.bin   kad-dht's table of key prefixes, read on first use
 *                                  (src/kad-prefixes.ts)
 *
 * Usage: node scripts/bundle.mjs   (from packages/node, after tsc; `npm run bundle`)
 *
 * `bundleEntry()` is exported for the benchmarks, which bundle their helpers the same way.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const PACKAGE = resolve(HERE, '..')
/** The parameters the bundle's function is called with (src/code-cache.ts, BundleFunction). */
const WRAPPER_PARAMS = 'exports, require, module, __filename, __dirname, __stampedeMetaUrl'

async function esbuild () {
  return await import('esbuild')
}

/** kad-dht's table of key prefixes, which the bundles read from a file (src/kad-prefixes.ts). */
const PREFIX_LIST = /[\\/]@libp2p[\\/]kad-dht[\\/]dist[\\/]src[\\/]routing-table[\\/]generated-prefix-list\.js$/

/**
 * An esbuild plugin that replaces kad-dht's prefix table (an array literal of 594 KB) with a
 * module reading `kad-prefixes.bin` beside the bundle on first use; `tables` collects the
 * original tables to write there.
 */
function prefixTableOutOfSource (tables) {
  const lazy = join(PACKAGE, 'dist/src/kad-prefixes.js')
  return {
    name: 'kad-prefixes-out-of-source',
    setup (build) {
      build.onLoad({ filter: PREFIX_LIST }, async (args) => {
        tables.push((await import(pathToFileURL(args.path).href)).default)
        return {
          loader: 'js',
          resolveDir: dirname(lazy),
          // __dirname: the bundle's directory (a parameter of the bundle's function)
          contents: `import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { lazyPrefixTable, PREFIX_TABLE_FILE } from ${JSON.stringify(lazy)}
export default lazyPrefixTable(() => readFileSync(join(__dirname, PREFIX_TABLE_FILE)))
`
        }
      })
    }
  }
}

const NON_ASCII = /[\u0080-\u{10ffff}]/u
const NON_ASCII_ALL = /[\u0080-\u{10ffff}]/gu

/**
 * esbuild escapes every non-ASCII character in code (its default charset), but keeps the
 * ones in the comments it preserves (a few of @noble/curves'). One is enough to make Node
 * read the whole bundle as a two-byte string: twice the memory for as long as the process
 * runs, and 2.7 ms more to read 2.2 MB at every start. They become `\u{...}` text, inside
 * comments where they were. Throws if one is left outside a comment line.
 */
export function asciiOnly (code) {
  const lines = code.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (!NON_ASCII.test(line)) continue
    if (!/^\s*(\/\/|\/\*|\*)/.test(line)) throw new Error(`bundle line ${i + 1} has a non-ASCII character outside a comment: ${line.slice(0, 120)}`)
    lines[i] = line.replace(NON_ASCII_ALL, (c) => `\\u{${c.codePointAt(0).toString(16)}}`)
  }
  return lines.join('\n')
}

/**
 * Bundle `entry` (a JS file) into `outDir/<name>.bundle.js` and write the entry point
 * `outDir/<name>.mjs` that runs it through the loader at `loader` (a path to
 * code-cache.mjs, or to dist/src/code-cache.js). Returns the entry point's path.
 */
export async function bundleEntry ({ entry, outDir, name, loader }) {
  const { build } = await esbuild()
  const tables = []
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    logLevel: 'warning',
    write: false,
    // the code runs as a function, not a module: import.meta.url comes in as a parameter
    define: { 'import.meta.url': '__stampedeMetaUrl' },
    plugins: [prefixTableOutOfSource(tables)]
  })
  let code = asciiOnly(out.outputFiles[0].text)
  if (code.startsWith('#!')) code = code.slice(code.indexOf('\n') + 1)
  await mkdir(outDir, { recursive: true })
  if (tables.length > 0) {
    const { encodePrefixTable, PREFIX_TABLE_FILE } = await import(pathToFileURL(join(PACKAGE, 'dist/src/kad-prefixes.js')).href)
    await writeFile(join(outDir, PREFIX_TABLE_FILE), encodePrefixTable(tables[0]))
  }
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
