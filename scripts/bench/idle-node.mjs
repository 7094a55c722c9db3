/**
 * Baseline for the start-up benchmark: a Node.js process that does nothing but report
 * `ready` over IPC the way stampede-node does, then idles until told to stop or orphaned.
 */
const stop = () => { process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('disconnect', stop)
setInterval(() => {}, 60_000)
process.send?.({ type: 'ready', name: 'baseline', peerId: '', addrs: [], pid: process.pid })
