/**
 * @packageDocumentation
 *
 * Local Stampede testnets from TypeScript: launch a login server and N peers as real
 * processes, read their status, and kill, restart, pause and resume them by name,
 * count, share or role — the same operations as the `stampede` CLI.
 *
 * ```ts
 * import { Testnet, loadConfig, parseSelector } from '@stampede/testnet'
 *
 * const testnet = await Testnet.launch({ config: await loadConfig('testnet/small.yaml'), stateDir: '.stampede' })
 * try {
 *   await testnet.waitForLoggedIn({ timeoutMs: 60_000 })
 *   const victims = await testnet.select(parseSelector('50%'), { role: 'supernode', alive: true })
 *   await testnet.kill(victims)
 *   await testnet.restart(victims, { spreadMs: 5_000 })
 *   await testnet.waitForLoggedIn({ timeoutMs: 60_000 })
 * } finally {
 *   await testnet.stop()
 * }
 * ```
 */
export { Testnet, TestnetError, LaunchAbortedError, DEFAULT_LAUNCH_WINDOW, LAUNCH_SETTLE_TIMEOUT_MS, defaultNodeEntry, defaultWorkerEntry, mapLimit, NODE_EXEC_ARGV, BUSY_EXEC_ARGV } from './testnet.js'
export type { TestnetOptions, TestnetStatus, TestnetSummary, NodeView, NodeRole, WorkerView } from './testnet.js'
export { NodeProcess, NodeStartError } from './node-process.js'
export type { NodeProcessSpec, NodeLauncher, ReadyMessage, NodeHandle, NodeExit } from './node-process.js'
export { WorkerProcess, PackedNode, WorkerError } from './worker-process.js'
export type { WorkerSpec, WorkerExit, WorkerRequest, WorkerMessage } from './worker-process.js'
export { estimateCapacity, checkCapacity, readHostLimits, CapacityError } from './capacity.js'
export type { CapacityEstimate, HostLimits } from './capacity.js'
export * from './constants.js'
export { parseConfig, loadConfig, defaultConfig, applyOverrides, assignProfiles, DEFAULT_PROFILES } from './config.js'
export type { TestnetConfig, ProfileConfig, PromotionConfig, TimingConfig, LoginServerConfig, HostCacheConfig } from './config.js'
export { parseSelector, selectNodes } from './selector.js'
export type { Selector, SelectableNode } from './selector.js'
export { parseDuration, formatDuration } from './duration.js'
export { UsageError, ConfigError } from './errors.js'
export { readSupervisor, callSupervisor, serveTestnet, NotRunningError, SUPERVISOR_FILE } from './supervisor.js'
export type { SupervisorInfo } from './supervisor.js'
export { findFreePorts } from './ports.js'
export { formatStatusTable, formatProgress } from './format.js'
export { main as runCli } from './cli/main.js'
export { runScenario, checkAssertions, ScenarioError } from './runner.js'
export type { RunScenarioOptions, RunResult } from './runner.js'
export { parseScenario, loadScenario, SUMMARY_METRICS } from './scenario.js'
export type { Scenario, Step, Assertion } from './scenario.js'
export { Recorder, HostCpu } from './recorder.js'
export type { RecordedEvent } from './recorder.js'
export { summarize, gini, SAMPLE_COLUMNS } from './summary.js'
export type { Sample, Markers, RunSummary } from './summary.js'
