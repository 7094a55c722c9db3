#!/usr/bin/env node
/**
 * stampede: launch local Stampede testnets, inspect them, damage them and tear them down.
 */
import { main } from '../cli/main.js'

const EXIT_USAGE = 2

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
}, (err: unknown) => {
  const e = err as Error
  switch (e.name) {
    case 'UsageError':
    case 'ConfigError':
    case 'CapacityError':
      console.error(`stampede: ${e.message}`)
      process.exitCode = EXIT_USAGE
      break
    case 'NotRunningError':
    case 'TestnetError':
    case 'NodeStartError':
    case 'ScenarioError':
    case 'RunDataError':
      console.error(`stampede: ${e.message}`)
      process.exitCode = 1
      break
    default:
      console.error(`stampede: unexpected error: ${e.stack ?? e.message}`)
      process.exitCode = 1
  }
})
