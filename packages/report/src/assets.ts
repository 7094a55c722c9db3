import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/** uPlot's browser build and stylesheet, inlined into every page so it works offline. */
export interface UplotAssets {
  script: string
  style: string
}

let cached: UplotAssets | undefined

/** Reads uPlot from its package once per process. */
export function uplotAssets (): UplotAssets {
  if (cached === undefined) {
    const require = createRequire(import.meta.url)
    cached = {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')
    }
  }
  return cached
}
