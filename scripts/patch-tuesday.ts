// The headline experiment written as a fault-injection script instead of a scenario file:
// a mass reboot of half the peers (supernodes first), restarted over 20 s, recorded once a
// second, under the policy given on the command line.
//
//   npm run build && node scripts/patch-tuesday.ts [legacy|adaptive] [nodes]
//
// Node 24 runs this TypeScript file directly (type stripping); the packages it imports are
// the built ones. Its timeline goes to runs/script-<policy>/ like a `stampede run`.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { writeReport } from '@stampede/report'
import { Recorder, Testnet, loadConfig, summarize } from '@stampede/testnet'
import type { Markers, TestnetConfig } from '@stampede/testnet'

const policy = process.argv[2] === 'legacy' ? 'legacy' : 'adaptive'
const nodes = Number(process.argv[3] ?? 40)
const out = join('runs', `script-${policy}`)
await mkdir(out, { recursive: true })

// start from the small testnet config and make it the headline's shape
const base = await loadConfig('testnet/small.yaml')
const config: TestnetConfig = {
  ...base,
  name: `script-${policy}`,
  nodes,
  seed: 2007,
  loginServer: { ...base.loginServer, loginsPerSecond: 3, burst: 3 },
  timing: { ...base.timing, requestTimeoutMs: 3000, retryBaseMs: 500, retryMaxMs: 8000, startSpreadMs: 20_000, priorUptimeMs: 3_600_000, startupTimeoutMs: 120_000 },
  policy: { family: policy, slowPromotionUptimeMs: 40_000, loginAdmission: { maxQueueDelayMs: 1000 }, attachAdmission: { maxQueueDelayMs: 1000 }, overload: { refusalsToDrop: 6, windowMs: 5000 } }
}

const testnet = await Testnet.launch({ config, stateDir: '.stampede' })
const recorder = new Recorder(testnet, out, 1000)
const markers: Markers = { trigger: null, restartEnd: null, inject: null }
const stop = async (): Promise<void> => { await recorder.stop(); await testnet.stop() }
process.once('SIGINT', () => { void stop().then(() => process.exit(130)) })
try {
  await recorder.start()
  await testnet.waitForLoggedIn({ timeoutMs: 120_000, share: 0.97 })
  await sleep(20_000)

  // the trigger: half the peers, supernodes first
  const status = await testnet.status()
  const supernodes = status.nodes.filter(n => n.alive && n.role === 'supernode').map(n => n.name)
  const clients = status.nodes.filter(n => n.alive && n.role === 'client').map(n => n.name)
  const victims = [...supernodes, ...clients].slice(0, Math.round(status.summary.alive / 2))
  markers.trigger = recorder.now()
  await recorder.event('trigger', { nodes: victims.length, supernodes: supernodes.length })
  await testnet.kill(victims)

  await recorder.event('restart-begin', { nodes: victims.length })
  await testnet.restart(victims, { spreadMs: 20_000 })
  markers.restartEnd = recorder.now()
  await recorder.event('restart-end', { nodes: victims.length })

  await sleep(90_000)
} finally {
  await stop()
}
const summary = summarize(recorder.samples, markers, { policy, seed: config.seed, nodes })
console.log(JSON.stringify(summary, null, 2))
const { writeFile } = await import('node:fs/promises')
await writeFile(join(out, 'summary.json'), JSON.stringify({ ...summary, assertionsPassed: true, assertions: [] }, null, 2))
await writeFile(join(out, 'run.json'), JSON.stringify({ id: `script-${policy}`, scenario: 'patch-tuesday (script)', policy, seed: config.seed, nodes }, null, 2))
console.log(`report: ${await writeReport(out)}`)
