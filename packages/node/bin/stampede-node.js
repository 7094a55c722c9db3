#!/usr/bin/env node
// Installed as the `stampede-node` command. It exists before the build (npm links bins at
// install time), and runs the bundled node when built, else the compiled one.
import { existsSync } from 'node:fs'

const bundle = new URL('../dist/bundle/stampede-node.mjs', import.meta.url)
const compiled = new URL('../dist/src/bin/stampede-node.js', import.meta.url)
const entry = existsSync(bundle) ? bundle : compiled
if (!existsSync(entry)) {
  console.error('stampede-node: not built yet; run `npm run build` in the repository first')
  process.exit(1)
}
await import(entry.href)
