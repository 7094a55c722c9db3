#!/usr/bin/env node
// Installed as the `stampede` command. It exists before the build (npm links bins at
// install time), and runs the compiled CLI.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/src/bin/stampede.js', import.meta.url)
if (!existsSync(entry)) {
  console.error('stampede: not built yet; run `npm run build` in the repository first')
  process.exit(1)
}
await import(entry.href)
