/** The node's data directory is missing, unwritable or holds an unreadable identity. */
export class DataDirError extends Error {
  override name = 'DataDirError'
}

/** A login token is missing, malformed, expired, forged or issued to another peer. */
export class TokenError extends Error {
  override name = 'TokenError'
}

/** The node's options are invalid. */
export class NodeConfigError extends Error {
  override name = 'NodeConfigError'
}

/** A peer answered with an explicit refusal. */
export class RefusedError extends Error {
  override name = 'RefusedError'
  readonly reason: string
  readonly retryAfterMs: number

  constructor (reason: string, retryAfterMs: number, detail?: string) {
    super(`refused: ${reason}${detail != null && detail !== '' ? ` (${detail})` : ''}`)
    this.reason = reason
    this.retryAfterMs = retryAfterMs
  }
}

/** A remote peer stayed silent past its deadline. */
export class PeerTimeoutError extends Error {
  override name = 'PeerTimeoutError'
}

/** A frame arrived that the protocol does not allow at this point. */
export class ProtocolViolationError extends Error {
  override name = 'ProtocolViolationError'
}

/** The node could not listen on an address (port in use, address not local). */
export class ListenError extends Error {
  override name = 'ListenError'
}

/** The reason a `withDeadline` signal fires with when its time is up (named as AbortSignal.timeout's). */
export class DeadlineError extends Error {
  override name = 'TimeoutError'
}
