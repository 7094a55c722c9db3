import type { ChildProcess } from 'node:child_process'

/** What a request's failures say: the caller names the process and the request. */
export interface IpcRequestErrors {
  /** no answer within the timeout */
  timeout(timeoutMs: number): Error
  /** the channel refused the message */
  send(err: Error): Error
}

interface Waiting<T> { resolve(answer: T): void, reject(err: Error): void }

/**
 * Requests to a child process over its IPC channel, answers matched by id (a packed
 * worker's commands, a node's status). Each request is settled once: by the answer the
 * child sends with its id (`answer`), or with an error after its timeout, when it cannot
 * be sent, or when the child exits (`failAll`); so at most the requests in flight wait.
 */
export class IpcRequests<T> {
  private nextId = 0
  private readonly waiting = new Map<number, Waiting<T>>()

  /** Send `msg` with a fresh `id` and wait for the answer to it. */
  async send (child: ChildProcess, msg: object, timeoutMs: number, errors: IpcRequestErrors): Promise<T> {
    const id = ++this.nextId
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.take(id)?.reject(errors.timeout(timeoutMs)) }, timeoutMs)
      this.waiting.set(id, {
        resolve: (answer) => { clearTimeout(timer); resolve(answer) },
        reject: (err) => { clearTimeout(timer); reject(err) }
      })
      child.send({ ...msg, id }, (err) => { if (err != null) this.take(id)?.reject(errors.send(err)) })
    })
  }

  /** Settle the request `id` with `answer`; false if none waits under that id. */
  answer (id: number, answer: T): boolean {
    const w = this.take(id)
    w?.resolve(answer)
    return w != null
  }

  /** Fail every request still waiting (the child exited). */
  failAll (err: Error): void {
    const all = [...this.waiting.values()]
    this.waiting.clear()
    for (const w of all) w.reject(err)
  }

  private take (id: number): Waiting<T> | undefined {
    const w = this.waiting.get(id)
    this.waiting.delete(id)
    return w
  }
}
