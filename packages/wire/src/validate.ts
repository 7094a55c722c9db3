import { InvalidMessageError, MalformedMessageError } from './errors.js'
import {
  MAX_ADDR_BYTES, MAX_ADDRS, MAX_CANDIDATES, MAX_PEER_ID_BYTES, MAX_PROFILE_BANDWIDTH_KBPS,
  MAX_PROFILE_CAPACITY, MAX_PROMOTE, MAX_REFERRALS, MAX_RETRY_AFTER_MS, MAX_TOKEN_BYTES, MAX_UNREACHABLE, MAX_USER_LENGTH, MAX_LOGIN_WAIT_MS
} from './limits.js'
import {
  ClientFrame, LoginRequest, LoginResponse, PresenceAnswer, PresenceLookup, PresenceRecord,
  ReportAck, SignedToken, SupernodeFrame, SupernodeReport, TokenBody
} from './messages.js'
import type { NetworkView, Profile, Refusal, SupernodeInfo } from './messages.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Ten years: no uptime or timestamp a peer reports can be larger. */
const MAX_DURATION_MS = 10 * 365 * 24 * 3600_000
/** Ages and timestamps are milliseconds since the epoch until about the year 2286. */
const MAX_TIMESTAMP_MS = 10_000_000_000_000
const MAX_COUNT = 10_000_000
const MAX_NAME_LENGTH = 32
const MAX_DETAIL_LENGTH = 256

function decodeWith<T> (name: string, decode: () => T): T {
  try {
    return decode()
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new MalformedMessageError(`${name} could not be decoded: ${reason}`)
  }
}

function checkBytes (field: string, value: Uint8Array, min: number, max: number): void {
  if (value.byteLength < min || value.byteLength > max) {
    throw new InvalidMessageError(field, `expected ${min}-${max} bytes, got ${value.byteLength}`)
  }
}

function checkInt (field: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new InvalidMessageError(field, `expected an integer in 0..${max}, got ${value}`)
  }
}

function checkString (field: string, value: string, max: number): void {
  if (value.length > max) {
    throw new InvalidMessageError(field, `longer than ${max} characters`)
  }
}

export function validateProfile (field: string, profile: Profile | undefined): Profile {
  if (profile == null) {
    throw new InvalidMessageError(field, 'missing')
  }
  checkString(`${field}.name`, profile.name, MAX_NAME_LENGTH)
  checkInt(`${field}.capacity`, profile.capacity, MAX_PROFILE_CAPACITY)
  checkInt(`${field}.bandwidthKbps`, profile.bandwidthKbps, MAX_PROFILE_BANDWIDTH_KBPS)
  return profile
}

export function validateSupernodeInfo (field: string, info: SupernodeInfo): SupernodeInfo {
  checkBytes(`${field}.id`, info.id, 1, MAX_PEER_ID_BYTES)
  if (info.addrs.length > MAX_ADDRS) {
    throw new InvalidMessageError(`${field}.addrs`, `more than ${MAX_ADDRS} addresses`)
  }
  info.addrs.forEach((addr, i) => { checkBytes(`${field}.addrs[${i}]`, addr, 1, MAX_ADDR_BYTES) })
  checkInt(`${field}.capacity`, info.capacity, MAX_PROFILE_CAPACITY)
  checkInt(`${field}.load`, info.load, MAX_PROFILE_CAPACITY)
  return info
}

function validateInfos (field: string, infos: SupernodeInfo[]): void {
  infos.forEach((info, i) => validateSupernodeInfo(`${field}[${i}]`, info))
}

export function validateRefusal (field: string, refusal: Refusal): Refusal {
  checkInt(`${field}.retryAfterMs`, refusal.retryAfterMs, MAX_RETRY_AFTER_MS)
  checkString(`${field}.detail`, refusal.detail, MAX_DETAIL_LENGTH)
  validateInfos(`${field}.alternatives`, refusal.alternatives)
  return refusal
}

export function validateNetworkView (field: string, view: NetworkView): NetworkView {
  checkInt(`${field}.supernodes`, view.supernodes, MAX_COUNT)
  checkInt(`${field}.loggedIn`, view.loggedIn, MAX_COUNT)
  checkInt(`${field}.capacity`, view.capacity, MAX_COUNT * 100)
  return view
}

type Bytes = Uint8Array | Uint8ArrayList

const infoLimits = { addrs: MAX_ADDRS }
const refusalLimits = { alternatives: MAX_REFERRALS, alternatives$: infoLimits }

/**
 * Decoders that turn bytes from the network into checked messages. Each throws
 * `MalformedMessageError` for bytes that are not the message, and `InvalidMessageError`
 * naming the field for a value out of range, so no unchecked value reaches a decision.
 */
export const decode = {
  loginRequest (buf: Bytes): LoginRequest {
    const msg = decodeWith('LoginRequest', () => LoginRequest.decode(buf, { limits: { unreachable: MAX_UNREACHABLE } }))
    checkString('user', msg.user, MAX_USER_LENGTH)
    validateProfile('profile', msg.profile)
    checkInt('uptimeMs', msg.uptimeMs, MAX_DURATION_MS)
    checkBytes('token', msg.token, 0, MAX_TOKEN_BYTES)
    msg.unreachable.forEach((id, i) => { checkBytes(`unreachable[${i}]`, id, 1, MAX_PEER_ID_BYTES) })
    checkInt('waitMs', msg.waitMs, MAX_LOGIN_WAIT_MS)
    return msg
  },

  loginResponse (buf: Bytes): LoginResponse {
    const msg = decodeWith('LoginResponse', () => LoginResponse.decode(buf, {
      limits: { referrals: MAX_REFERRALS, referrals$: infoLimits, refusal: refusalLimits }
    }))
    checkBytes('token', msg.token, 0, MAX_TOKEN_BYTES)
    if (msg.refusal != null) validateRefusal('refusal', msg.refusal)
    else checkBytes('token', msg.token, 1, MAX_TOKEN_BYTES)
    validateInfos('referrals', msg.referrals)
    if (msg.view != null) validateNetworkView('view', msg.view)
    return msg
  },

  signedToken (buf: Bytes): SignedToken {
    const msg = decodeWith('SignedToken', () => SignedToken.decode(buf))
    checkBytes('body', msg.body, 1, MAX_TOKEN_BYTES)
    checkBytes('signature', msg.signature, 1, 256)
    return msg
  },

  tokenBody (buf: Bytes): TokenBody {
    const msg = decodeWith('TokenBody', () => TokenBody.decode(buf))
    checkBytes('peer', msg.peer, 1, MAX_PEER_ID_BYTES)
    checkBytes('issuer', msg.issuer, 1, MAX_PEER_ID_BYTES)
    checkString('user', msg.user, MAX_USER_LENGTH)
    checkInt('issuedAtMs', msg.issuedAtMs, MAX_TIMESTAMP_MS)
    checkInt('expiresAtMs', msg.expiresAtMs, MAX_TIMESTAMP_MS)
    return msg
  },

  clientFrame (buf: Bytes): ClientFrame {
    const msg = decodeWith('ClientFrame', () => ClientFrame.decode(buf))
    checkInt('seq', msg.seq, Number.MAX_SAFE_INTEGER)
    checkBytes('token', msg.token, 0, MAX_TOKEN_BYTES)
    if (msg.type === ClientFrame.Type.ATTACH) {
      checkBytes('token', msg.token, 1, MAX_TOKEN_BYTES)
      validateProfile('profile', msg.profile)
    } else if (msg.profile != null) {
      validateProfile('profile', msg.profile)
    }
    checkInt('uptimeMs', msg.uptimeMs, MAX_DURATION_MS)
    return msg
  },

  supernodeFrame (buf: Bytes): SupernodeFrame {
    const msg = decodeWith('SupernodeFrame', () => SupernodeFrame.decode(buf, {
      limits: { alternatives: MAX_REFERRALS, alternatives$: infoLimits, refusal: refusalLimits }
    }))
    checkInt('seq', msg.seq, Number.MAX_SAFE_INTEGER)
    checkInt('load', msg.load, MAX_PROFILE_CAPACITY)
    checkInt('capacity', msg.capacity, MAX_PROFILE_CAPACITY)
    if (msg.refusal != null) validateRefusal('refusal', msg.refusal)
    if (msg.type === SupernodeFrame.Type.REFUSED && msg.refusal == null) {
      throw new InvalidMessageError('refusal', 'missing from a REFUSED frame')
    }
    validateInfos('alternatives', msg.alternatives)
    if (msg.view != null) validateNetworkView('view', msg.view)
    return msg
  },

  supernodeReport (buf: Bytes): SupernodeReport {
    const msg = decodeWith('SupernodeReport', () => SupernodeReport.decode(buf, {
      limits: { addrs: MAX_ADDRS, candidates: MAX_CANDIDATES }
    }))
    checkBytes('token', msg.token, 1, MAX_TOKEN_BYTES)
    msg.addrs.forEach((addr, i) => { checkBytes(`addrs[${i}]`, addr, 1, MAX_ADDR_BYTES) })
    checkInt('load', msg.load, MAX_PROFILE_CAPACITY)
    checkInt('capacity', msg.capacity, MAX_PROFILE_CAPACITY)
    checkInt('uptimeMs', msg.uptimeMs, MAX_DURATION_MS)
    validateProfile('profile', msg.profile)
    msg.candidates.forEach((c, i) => {
      checkBytes(`candidates[${i}].id`, c.id, 1, MAX_PEER_ID_BYTES)
      validateProfile(`candidates[${i}].profile`, c.profile)
      checkInt(`candidates[${i}].uptimeMs`, c.uptimeMs, MAX_DURATION_MS)
    })
    return msg
  },

  reportAck (buf: Bytes): ReportAck {
    const msg = decodeWith('ReportAck', () => ReportAck.decode(buf, {
      limits: { supernodes: MAX_REFERRALS, supernodes$: infoLimits, promote: MAX_PROMOTE, refusal: refusalLimits }
    }))
    if (msg.refusal != null) validateRefusal('refusal', msg.refusal)
    validateInfos('supernodes', msg.supernodes)
    msg.promote.forEach((id, i) => { checkBytes(`promote[${i}]`, id, 1, MAX_PEER_ID_BYTES) })
    if (msg.view != null) validateNetworkView('view', msg.view)
    return msg
  },

  presenceLookup (buf: Bytes): PresenceLookup {
    const msg = decodeWith('PresenceLookup', () => PresenceLookup.decode(buf))
    checkBytes('user', msg.user, 1, MAX_PEER_ID_BYTES)
    return msg
  },

  presenceAnswer (buf: Bytes): PresenceAnswer {
    const msg = decodeWith('PresenceAnswer', () => PresenceAnswer.decode(buf, {
      limits: { supernode: infoLimits, refusal: refusalLimits }
    }))
    if (msg.supernode != null) validateSupernodeInfo('supernode', msg.supernode)
    if (msg.refusal != null) validateRefusal('refusal', msg.refusal)
    if (msg.found && msg.supernode == null) {
      throw new InvalidMessageError('supernode', 'missing from a found answer')
    }
    return msg
  },

  presenceRecord (buf: Bytes): PresenceRecord {
    const msg = decodeWith('PresenceRecord', () => PresenceRecord.decode(buf, { limits: { addrs: MAX_ADDRS } }))
    checkBytes('user', msg.user, 1, MAX_PEER_ID_BYTES)
    checkBytes('supernode', msg.supernode, 1, MAX_PEER_ID_BYTES)
    msg.addrs.forEach((addr, i) => { checkBytes(`addrs[${i}]`, addr, 1, MAX_ADDR_BYTES) })
    checkInt('updatedAtMs', msg.updatedAtMs, MAX_TIMESTAMP_MS)
    return msg
  }
}
