/**
 * A helper process of a benchmark that is not a node (a load generator, the stampede CLI):
 * a child of the benchmark process, its output in files, optionally with an IPC channel
 * for requests. It has the `pid` and `stop(signal, graceMs)` the benchmark's clean-up
 * expects of everything in `live.procs`.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'

export class ChildScript {
  /**
   * @param {object} spec
   * @param {string} spec.name
   * @param {string[]} spec.args  arguments after the Node executable (flags, entry, its options)
   * @param {string} spec.stdoutPath
   * @param {string} spec.stderrPath
   * @param {NodeJS.ProcessEnv} [spec.env]
   * @param {boolean} [spec.ipc]  an IPC channel, and `start()` waits for a `ready` message
   */
  constructor (spec) {
    this.spec = spec
    this.name = spec.name
    this.child = undefined
    this.pid = null
    this.alive = false
    this.exit = null
    this.exited = Promise.resolve()
    this.readyMessage = undefined
    this.waiting = []
  }

  /** Spawn; with IPC, wait for its `ready` message (rejects on `error`, exit or timeout). */
  async start (readyTimeoutMs = 60_000) {
    const out = openSync(this.spec.stdoutPath, 'a')
    const err = openSync(this.spec.stderrPath, 'a')
    let child
    try {
      child = spawn(process.execPath, this.spec.args, {
        stdio: ['ignore', out, err, ...(this.spec.ipc === true ? ['ipc'] : [])],
        env: this.spec.env ?? process.env,
        ...(this.spec.ipc === true ? { serialization: 'json' } : {})
      })
    } finally {
      closeSync(out)
      closeSync(err)
    }
    this.child = child
    this.pid = child.pid ?? null
    this.alive = true
    let resolveExit
    this.exited = new Promise(resolve => { resolveExit = resolve })
    child.once('exit', (code, signal) => {
      this.alive = false
      this.pid = null
      this.exit = { code, signal }
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}); see ${this.spec.stderrPath}`))
      resolveExit()
    })
    child.on('message', (msg) => {
      const i = this.waiting.findIndex(w => w.type === msg?.type || (msg?.type === 'error' && w.type === 'ready'))
      if (i < 0) return
      const [w] = this.waiting.splice(i, 1)
      if (msg.type === 'error') w.reject(new Error(`${this.name} failed: ${msg.message}`))
      else w.resolve(msg)
    })
    if (this.spec.ipc === true) {
      try {
        this.readyMessage = await this.next('ready', readyTimeoutMs)
      } catch (e) {
        await this.stop('KILL')
        throw e
      }
    }
  }

  /** The next IPC message of `type`. */
  async next (type, timeoutMs) {
    if (!this.alive) throw new Error(`${this.name} is not running`)
    return new Promise((resolve, reject) => {
      const w = { type, resolve, reject }
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(w)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(new Error(`${this.name}: no '${type}' message within ${timeoutMs} ms`))
      }, timeoutMs)
      w.resolve = (m) => { clearTimeout(timer); resolve(m) }
      w.reject = (e) => { clearTimeout(timer); reject(e) }
      this.waiting.push(w)
    })
  }

  /** Send `msg` over IPC and wait for the answer of type `reply`. */
  async request (msg, reply, timeoutMs = 30_000) {
    const answer = this.next(reply, timeoutMs)
    this.child.send(msg)
    return answer
  }

  /** Send a signal and wait for the exit; KILL after `graceMs` if it lingers. */
  async stop (signal = 'TERM', graceMs = 5_000) {
    if (!this.alive || this.child == null) return
    const child = this.child
    child.kill(`SIG${signal}`)
    const timer = setTimeout(() => { if (this.alive) child.kill('SIGKILL') }, graceMs)
    await this.exited
    clearTimeout(timer)
  }

  /** Wait for it to exit by itself; false when it is still running after `timeoutMs`. */
  async waitExit (timeoutMs) {
    if (!this.alive) return true
    let timer
    const timeout = new Promise(resolve => { timer = setTimeout(() => { resolve(false) }, timeoutMs) })
    const done = await Promise.race([this.exited.then(() => true), timeout])
    clearTimeout(timer)
    return done
  }
}
