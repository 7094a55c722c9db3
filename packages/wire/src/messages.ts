import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Profile {
  name: string
  reachable: boolean
  capacity: number
  bandwidthKbps: number
}

export namespace Profile {
  let _codec: Codec<Profile>

  export const codec = (): Codec<Profile> => {
    if (_codec == null) {
      _codec = message<Profile>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.reachable != null && obj.reachable !== false)) {
          w.uint32(16)
          w.bool(obj.reachable)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(24)
          w.uint32(obj.capacity)
        }

        if ((obj.bandwidthKbps != null && obj.bandwidthKbps !== 0)) {
          w.uint32(32)
          w.uint32(obj.bandwidthKbps)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          reachable: false,
          capacity: 0,
          bandwidthKbps: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.reachable = reader.bool()
              break
            }
            case 3: {
              obj.capacity = reader.uint32()
              break
            }
            case 4: {
              obj.bandwidthKbps = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reachable`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.bandwidthKbps`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProfileNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ProfileReachableFieldEvent {
    field: '$.reachable'
    value: boolean
  }

  export interface ProfileCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface ProfileBandwidthKbpsFieldEvent {
    field: '$.bandwidthKbps'
    value: number
  }

  export function encode (obj: Partial<Profile>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Profile.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Profile>): Profile {
    return decodeMessage(buf, Profile.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Profile>): Generator<ProfileNameFieldEvent | ProfileReachableFieldEvent | ProfileCapacityFieldEvent | ProfileBandwidthKbpsFieldEvent> {
    return streamMessage(buf, Profile.codec(), opts)
  }
}

export interface SupernodeInfo {
  id: Uint8Array<ArrayBuffer>
  addrs: Uint8Array<ArrayBuffer>[]
  load: number
  capacity: number
}

export namespace SupernodeInfo {
  let _codec: Codec<SupernodeInfo>

  export const codec = (): Codec<SupernodeInfo> => {
    if (_codec == null) {
      _codec = message<SupernodeInfo>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(24)
          w.uint32(obj.load)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(32)
          w.uint32(obj.capacity)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          addrs: [],
          load: 0,
          capacity: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.load = reader.uint32()
              break
            }
            case 4: {
              obj.capacity = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SupernodeInfoIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeInfoAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeInfoLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface SupernodeInfoCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export function encode (obj: Partial<SupernodeInfo>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SupernodeInfo.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeInfo>): SupernodeInfo {
    return decodeMessage(buf, SupernodeInfo.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeInfo>): Generator<SupernodeInfoIdFieldEvent | SupernodeInfoAddrsFieldEvent | SupernodeInfoLoadFieldEvent | SupernodeInfoCapacityFieldEvent> {
    return streamMessage(buf, SupernodeInfo.codec(), opts)
  }
}

export enum RefusalReason {
  REFUSAL_UNSPECIFIED = 'REFUSAL_UNSPECIFIED',
  RATE_LIMITED = 'RATE_LIMITED',
  BUSY = 'BUSY',
  NO_SUPERNODE = 'NO_SUPERNODE',
  BAD_TOKEN = 'BAD_TOKEN',
  NOT_SUPERNODE = 'NOT_SUPERNODE',
  BAD_REQUEST = 'BAD_REQUEST',
  SHUTTING_DOWN = 'SHUTTING_DOWN'
}

enum __RefusalReasonValues {
  REFUSAL_UNSPECIFIED = 0,
  RATE_LIMITED = 1,
  BUSY = 2,
  NO_SUPERNODE = 3,
  BAD_TOKEN = 4,
  NOT_SUPERNODE = 5,
  BAD_REQUEST = 6,
  SHUTTING_DOWN = 7
}

export namespace RefusalReason {
  export const codec = (): Codec<RefusalReason> => {
    return enumeration<RefusalReason>(__RefusalReasonValues)
  }
}

export interface Refusal {
  reason: RefusalReason
  retryAfterMs: number
  alternatives: SupernodeInfo[]
  detail: string
}

export namespace Refusal {
  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.reason != null && __RefusalReasonValues[obj.reason] !== 0) {
          w.uint32(8)
          RefusalReason.codec().encode(obj.reason, w)
        }

        if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
          w.uint32(16)
          w.uint32(obj.retryAfterMs)
        }

        if (obj.alternatives != null && obj.alternatives.length > 0) {
          for (const value of obj.alternatives) {
            w.uint32(26)
            SupernodeInfo.codec().encode(value, w)
          }
        }

        if ((obj.detail != null && obj.detail !== '')) {
          w.uint32(34)
          w.string(obj.detail)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: RefusalReason.REFUSAL_UNSPECIFIED,
          retryAfterMs: 0,
          alternatives: [],
          detail: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.reason = RefusalReason.codec().decode(reader)
              break
            }
            case 2: {
              obj.retryAfterMs = reader.uint32()
              break
            }
            case 3: {
              if (opts.limits?.alternatives != null && obj.alternatives.length === opts.limits.alternatives) {
                throw new MaxLengthError('Decode error - repeated field "alternatives" had too many elements')
              }

              obj.alternatives.push(SupernodeInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.alternatives$
              }))
              break
            }
            case 4: {
              obj.detail = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          alternatives: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.reason`,
                value: RefusalReason.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.retryAfterMs`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              if (opts.limits?.alternatives != null && obj.alternatives === opts.limits.alternatives) {
                throw new MaxLengthError('Streaming decode error - repeated field "alternatives" had too many elements')
              }

              for (const evt of SupernodeInfo.codec().stream(reader, reader.uint32(), `${prefix}.alternatives[]`, {
                limits: opts.limits?.alternatives$
              })) {
                yield {
                  ...evt,
                  index: obj.alternatives
                }
              }

              obj.alternatives++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.detail`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RefusalReasonFieldEvent {
    field: '$.reason'
    value: RefusalReason
  }

  export interface RefusalRetryAfterMsFieldEvent {
    field: '$.retryAfterMs'
    value: number
  }

  export interface RefusalAlternativesIdFieldEvent {
    field: '$.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RefusalAlternativesAddrsFieldEvent {
    field: '$.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RefusalAlternativesLoadFieldEvent {
    field: '$.alternatives[].load'
    value: number
    index: number
  }

  export interface RefusalAlternativesCapacityFieldEvent {
    field: '$.alternatives[].capacity'
    value: number
    index: number
  }

  export interface RefusalDetailFieldEvent {
    field: '$.detail'
    value: string
  }

  export function encode (obj: Partial<Refusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalReasonFieldEvent | RefusalRetryAfterMsFieldEvent | RefusalAlternativesIdFieldEvent | RefusalAlternativesAddrsFieldEvent | RefusalAlternativesLoadFieldEvent | RefusalAlternativesCapacityFieldEvent | RefusalDetailFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface NetworkView {
  supernodes: number
  loggedIn: number
  capacity: number
}

export namespace NetworkView {
  let _codec: Codec<NetworkView>

  export const codec = (): Codec<NetworkView> => {
    if (_codec == null) {
      _codec = message<NetworkView>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.supernodes != null && obj.supernodes !== 0)) {
          w.uint32(8)
          w.uint32(obj.supernodes)
        }

        if ((obj.loggedIn != null && obj.loggedIn !== 0)) {
          w.uint32(16)
          w.uint32(obj.loggedIn)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(24)
          w.uint32(obj.capacity)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          supernodes: 0,
          loggedIn: 0,
          capacity: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.supernodes = reader.uint32()
              break
            }
            case 2: {
              obj.loggedIn = reader.uint32()
              break
            }
            case 3: {
              obj.capacity = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.supernodes`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.loggedIn`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface NetworkViewSupernodesFieldEvent {
    field: '$.supernodes'
    value: number
  }

  export interface NetworkViewLoggedInFieldEvent {
    field: '$.loggedIn'
    value: number
  }

  export interface NetworkViewCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export function encode (obj: Partial<NetworkView>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NetworkView.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NetworkView>): NetworkView {
    return decodeMessage(buf, NetworkView.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NetworkView>): Generator<NetworkViewSupernodesFieldEvent | NetworkViewLoggedInFieldEvent | NetworkViewCapacityFieldEvent> {
    return streamMessage(buf, NetworkView.codec(), opts)
  }
}

export interface LoginRequest {
  user: string
  profile?: Profile
  uptimeMs: number
  token: Uint8Array<ArrayBuffer>
  unreachable: Uint8Array<ArrayBuffer>[]
  waitMs: number
}

export namespace LoginRequest {
  let _codec: Codec<LoginRequest>

  export const codec = (): Codec<LoginRequest> => {
    if (_codec == null) {
      _codec = message<LoginRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.user != null && obj.user !== '')) {
          w.uint32(10)
          w.string(obj.user)
        }

        if (obj.profile != null) {
          w.uint32(18)
          Profile.codec().encode(obj.profile, w)
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.uptimeMs)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.token)
        }

        if (obj.unreachable != null && obj.unreachable.length > 0) {
          for (const value of obj.unreachable) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.waitMs != null && obj.waitMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.waitMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          user: '',
          uptimeMs: 0,
          token: uint8ArrayAlloc(0),
          unreachable: [],
          waitMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.user = reader.string()
              break
            }
            case 2: {
              obj.profile = Profile.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.profile
              })
              break
            }
            case 3: {
              obj.uptimeMs = reader.uint64Number()
              break
            }
            case 4: {
              obj.token = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.unreachable != null && obj.unreachable.length === opts.limits.unreachable) {
                throw new MaxLengthError('Decode error - repeated field "unreachable" had too many elements')
              }

              obj.unreachable.push(reader.bytes())
              break
            }
            case 6: {
              obj.waitMs = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          unreachable: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.user`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * Profile.codec().stream(reader, reader.uint32(), `${prefix}.profile`, {
                limits: opts.limits?.profile
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.uptimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.unreachable != null && obj.unreachable === opts.limits.unreachable) {
                throw new MaxLengthError('Streaming decode error - repeated field "unreachable" had too many elements')
              }

              yield {
                field: `${prefix}.unreachable[]`,
                index: obj.unreachable,
                value: reader.bytes()
              }

              obj.unreachable++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.waitMs`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LoginRequestUserFieldEvent {
    field: '$.user'
    value: string
  }

  export interface LoginRequestProfileNameFieldEvent {
    field: '$.profile.name'
    value: string
  }

  export interface LoginRequestProfileReachableFieldEvent {
    field: '$.profile.reachable'
    value: boolean
  }

  export interface LoginRequestProfileCapacityFieldEvent {
    field: '$.profile.capacity'
    value: number
  }

  export interface LoginRequestProfileBandwidthKbpsFieldEvent {
    field: '$.profile.bandwidthKbps'
    value: number
  }

  export interface LoginRequestUptimeMsFieldEvent {
    field: '$.uptimeMs'
    value: number
  }

  export interface LoginRequestTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginRequestUnreachableFieldEvent {
    field: '$.unreachable[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginRequestWaitMsFieldEvent {
    field: '$.waitMs'
    value: number
  }

  export function encode (obj: Partial<LoginRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LoginRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginRequest>): LoginRequest {
    return decodeMessage(buf, LoginRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginRequest>): Generator<LoginRequestUserFieldEvent | LoginRequestProfileNameFieldEvent | LoginRequestProfileReachableFieldEvent | LoginRequestProfileCapacityFieldEvent | LoginRequestProfileBandwidthKbpsFieldEvent | LoginRequestUptimeMsFieldEvent | LoginRequestTokenFieldEvent | LoginRequestUnreachableFieldEvent | LoginRequestWaitMsFieldEvent> {
    return streamMessage(buf, LoginRequest.codec(), opts)
  }
}

export interface LoginResponse {
  refusal?: Refusal
  token: Uint8Array<ArrayBuffer>
  referrals: SupernodeInfo[]
  promote: boolean
  view?: NetworkView
}

export namespace LoginResponse {
  let _codec: Codec<LoginResponse>

  export const codec = (): Codec<LoginResponse> => {
    if (_codec == null) {
      _codec = message<LoginResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.refusal != null) {
          w.uint32(10)
          Refusal.codec().encode(obj.refusal, w)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.token)
        }

        if (obj.referrals != null && obj.referrals.length > 0) {
          for (const value of obj.referrals) {
            w.uint32(26)
            SupernodeInfo.codec().encode(value, w)
          }
        }

        if ((obj.promote != null && obj.promote !== false)) {
          w.uint32(32)
          w.bool(obj.promote)
        }

        if (obj.view != null) {
          w.uint32(42)
          NetworkView.codec().encode(obj.view, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: uint8ArrayAlloc(0),
          referrals: [],
          promote: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 2: {
              obj.token = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.referrals != null && obj.referrals.length === opts.limits.referrals) {
                throw new MaxLengthError('Decode error - repeated field "referrals" had too many elements')
              }

              obj.referrals.push(SupernodeInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.referrals$
              }))
              break
            }
            case 4: {
              obj.promote = reader.bool()
              break
            }
            case 5: {
              obj.view = NetworkView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.view
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          referrals: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.referrals != null && obj.referrals === opts.limits.referrals) {
                throw new MaxLengthError('Streaming decode error - repeated field "referrals" had too many elements')
              }

              for (const evt of SupernodeInfo.codec().stream(reader, reader.uint32(), `${prefix}.referrals[]`, {
                limits: opts.limits?.referrals$
              })) {
                yield {
                  ...evt,
                  index: obj.referrals
                }
              }

              obj.referrals++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.promote`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield * NetworkView.codec().stream(reader, reader.uint32(), `${prefix}.view`, {
                limits: opts.limits?.view
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LoginResponseRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: RefusalReason
  }

  export interface LoginResponseRefusalRetryAfterMsFieldEvent {
    field: '$.refusal.retryAfterMs'
    value: number
  }

  export interface LoginResponseRefusalAlternativesIdFieldEvent {
    field: '$.refusal.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LoginResponseRefusalAlternativesAddrsFieldEvent {
    field: '$.refusal.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginResponseRefusalAlternativesLoadFieldEvent {
    field: '$.refusal.alternatives[].load'
    value: number
    index: number
  }

  export interface LoginResponseRefusalAlternativesCapacityFieldEvent {
    field: '$.refusal.alternatives[].capacity'
    value: number
    index: number
  }

  export interface LoginResponseRefusalDetailFieldEvent {
    field: '$.refusal.detail'
    value: string
  }

  export interface LoginResponseTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginResponseReferralsIdFieldEvent {
    field: '$.referrals[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LoginResponseReferralsAddrsFieldEvent {
    field: '$.referrals[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface LoginResponseReferralsLoadFieldEvent {
    field: '$.referrals[].load'
    value: number
    index: number
  }

  export interface LoginResponseReferralsCapacityFieldEvent {
    field: '$.referrals[].capacity'
    value: number
    index: number
  }

  export interface LoginResponsePromoteFieldEvent {
    field: '$.promote'
    value: boolean
  }

  export interface LoginResponseViewSupernodesFieldEvent {
    field: '$.view.supernodes'
    value: number
  }

  export interface LoginResponseViewLoggedInFieldEvent {
    field: '$.view.loggedIn'
    value: number
  }

  export interface LoginResponseViewCapacityFieldEvent {
    field: '$.view.capacity'
    value: number
  }

  export function encode (obj: Partial<LoginResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LoginResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginResponse>): LoginResponse {
    return decodeMessage(buf, LoginResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LoginResponse>): Generator<LoginResponseRefusalReasonFieldEvent | LoginResponseRefusalRetryAfterMsFieldEvent | LoginResponseRefusalAlternativesIdFieldEvent | LoginResponseRefusalAlternativesAddrsFieldEvent | LoginResponseRefusalAlternativesLoadFieldEvent | LoginResponseRefusalAlternativesCapacityFieldEvent | LoginResponseRefusalDetailFieldEvent | LoginResponseTokenFieldEvent | LoginResponseReferralsIdFieldEvent | LoginResponseReferralsAddrsFieldEvent | LoginResponseReferralsLoadFieldEvent | LoginResponseReferralsCapacityFieldEvent | LoginResponsePromoteFieldEvent | LoginResponseViewSupernodesFieldEvent | LoginResponseViewLoggedInFieldEvent | LoginResponseViewCapacityFieldEvent> {
    return streamMessage(buf, LoginResponse.codec(), opts)
  }
}

export interface TokenBody {
  peer: Uint8Array<ArrayBuffer>
  user: string
  issuedAtMs: number
  expiresAtMs: number
  issuer: Uint8Array<ArrayBuffer>
  operator: boolean
}

export namespace TokenBody {
  let _codec: Codec<TokenBody>

  export const codec = (): Codec<TokenBody> => {
    if (_codec == null) {
      _codec = message<TokenBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peer)
        }

        if ((obj.user != null && obj.user !== '')) {
          w.uint32(18)
          w.string(obj.user)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.issuedAtMs)
        }

        if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.expiresAtMs)
        }

        if ((obj.issuer != null && obj.issuer.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.issuer)
        }

        if ((obj.operator != null && obj.operator !== false)) {
          w.uint32(48)
          w.bool(obj.operator)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: uint8ArrayAlloc(0),
          user: '',
          issuedAtMs: 0,
          expiresAtMs: 0,
          issuer: uint8ArrayAlloc(0),
          operator: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.bytes()
              break
            }
            case 2: {
              obj.user = reader.string()
              break
            }
            case 3: {
              obj.issuedAtMs = reader.uint64Number()
              break
            }
            case 4: {
              obj.expiresAtMs = reader.uint64Number()
              break
            }
            case 5: {
              obj.issuer = reader.bytes()
              break
            }
            case 6: {
              obj.operator = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peer`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.user`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.expiresAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.issuer`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.operator`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface TokenBodyPeerFieldEvent {
    field: '$.peer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TokenBodyUserFieldEvent {
    field: '$.user'
    value: string
  }

  export interface TokenBodyIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: number
  }

  export interface TokenBodyExpiresAtMsFieldEvent {
    field: '$.expiresAtMs'
    value: number
  }

  export interface TokenBodyIssuerFieldEvent {
    field: '$.issuer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface TokenBodyOperatorFieldEvent {
    field: '$.operator'
    value: boolean
  }

  export function encode (obj: Partial<TokenBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TokenBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TokenBody>): TokenBody {
    return decodeMessage(buf, TokenBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TokenBody>): Generator<TokenBodyPeerFieldEvent | TokenBodyUserFieldEvent | TokenBodyIssuedAtMsFieldEvent | TokenBodyExpiresAtMsFieldEvent | TokenBodyIssuerFieldEvent | TokenBodyOperatorFieldEvent> {
    return streamMessage(buf, TokenBody.codec(), opts)
  }
}

export interface SignedToken {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedToken {
  let _codec: Codec<SignedToken>

  export const codec = (): Codec<SignedToken> => {
    if (_codec == null) {
      _codec = message<SignedToken>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedTokenBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedTokenSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedToken>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedToken.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedToken>): SignedToken {
    return decodeMessage(buf, SignedToken.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedToken>): Generator<SignedTokenBodyFieldEvent | SignedTokenSignatureFieldEvent> {
    return streamMessage(buf, SignedToken.codec(), opts)
  }
}

export interface ClientFrame {
  type: ClientFrame.Type
  seq: number
  token: Uint8Array<ArrayBuffer>
  profile?: Profile
  uptimeMs: number
}

export namespace ClientFrame {
  export enum Type {
    ATTACH = 'ATTACH',
    HEARTBEAT = 'HEARTBEAT',
    DETACH = 'DETACH'
  }

  enum __TypeValues {
    ATTACH = 0,
    HEARTBEAT = 1,
    DETACH = 2
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<ClientFrame>

  export const codec = (): Codec<ClientFrame> => {
    if (_codec == null) {
      _codec = message<ClientFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          ClientFrame.Type.codec().encode(obj.type, w)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.token)
        }

        if (obj.profile != null) {
          w.uint32(34)
          Profile.codec().encode(obj.profile, w)
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.uptimeMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.ATTACH,
          seq: 0,
          token: uint8ArrayAlloc(0),
          uptimeMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ClientFrame.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.token = reader.bytes()
              break
            }
            case 4: {
              obj.profile = Profile.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.profile
              })
              break
            }
            case 5: {
              obj.uptimeMs = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: ClientFrame.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield * Profile.codec().stream(reader, reader.uint32(), `${prefix}.profile`, {
                limits: opts.limits?.profile
              })

              break
            }
            case 5: {
              yield {
                field: `${prefix}.uptimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClientFrameTypeFieldEvent {
    field: '$.type'
    value: ClientFrame.Type
  }

  export interface ClientFrameSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface ClientFrameTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClientFrameProfileNameFieldEvent {
    field: '$.profile.name'
    value: string
  }

  export interface ClientFrameProfileReachableFieldEvent {
    field: '$.profile.reachable'
    value: boolean
  }

  export interface ClientFrameProfileCapacityFieldEvent {
    field: '$.profile.capacity'
    value: number
  }

  export interface ClientFrameProfileBandwidthKbpsFieldEvent {
    field: '$.profile.bandwidthKbps'
    value: number
  }

  export interface ClientFrameUptimeMsFieldEvent {
    field: '$.uptimeMs'
    value: number
  }

  export function encode (obj: Partial<ClientFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClientFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientFrame>): ClientFrame {
    return decodeMessage(buf, ClientFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClientFrame>): Generator<ClientFrameTypeFieldEvent | ClientFrameSeqFieldEvent | ClientFrameTokenFieldEvent | ClientFrameProfileNameFieldEvent | ClientFrameProfileReachableFieldEvent | ClientFrameProfileCapacityFieldEvent | ClientFrameProfileBandwidthKbpsFieldEvent | ClientFrameUptimeMsFieldEvent> {
    return streamMessage(buf, ClientFrame.codec(), opts)
  }
}

export interface SupernodeFrame {
  type: SupernodeFrame.Type
  seq: number
  refusal?: Refusal
  load: number
  capacity: number
  promote: boolean
  alternatives: SupernodeInfo[]
  view?: NetworkView
}

export namespace SupernodeFrame {
  export enum Type {
    ATTACHED = 'ATTACHED',
    REFUSED = 'REFUSED',
    HEARTBEAT_ACK = 'HEARTBEAT_ACK',
    MOVE = 'MOVE'
  }

  enum __TypeValues {
    ATTACHED = 0,
    REFUSED = 1,
    HEARTBEAT_ACK = 2,
    MOVE = 3
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<SupernodeFrame>

  export const codec = (): Codec<SupernodeFrame> => {
    if (_codec == null) {
      _codec = message<SupernodeFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          SupernodeFrame.Type.codec().encode(obj.type, w)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if (obj.refusal != null) {
          w.uint32(26)
          Refusal.codec().encode(obj.refusal, w)
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(32)
          w.uint32(obj.load)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(40)
          w.uint32(obj.capacity)
        }

        if ((obj.promote != null && obj.promote !== false)) {
          w.uint32(48)
          w.bool(obj.promote)
        }

        if (obj.alternatives != null && obj.alternatives.length > 0) {
          for (const value of obj.alternatives) {
            w.uint32(58)
            SupernodeInfo.codec().encode(value, w)
          }
        }

        if (obj.view != null) {
          w.uint32(66)
          NetworkView.codec().encode(obj.view, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.ATTACHED,
          seq: 0,
          load: 0,
          capacity: 0,
          promote: false,
          alternatives: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = SupernodeFrame.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 4: {
              obj.load = reader.uint32()
              break
            }
            case 5: {
              obj.capacity = reader.uint32()
              break
            }
            case 6: {
              obj.promote = reader.bool()
              break
            }
            case 7: {
              if (opts.limits?.alternatives != null && obj.alternatives.length === opts.limits.alternatives) {
                throw new MaxLengthError('Decode error - repeated field "alternatives" had too many elements')
              }

              obj.alternatives.push(SupernodeInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.alternatives$
              }))
              break
            }
            case 8: {
              obj.view = NetworkView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.view
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          alternatives: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: SupernodeFrame.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.promote`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              if (opts.limits?.alternatives != null && obj.alternatives === opts.limits.alternatives) {
                throw new MaxLengthError('Streaming decode error - repeated field "alternatives" had too many elements')
              }

              for (const evt of SupernodeInfo.codec().stream(reader, reader.uint32(), `${prefix}.alternatives[]`, {
                limits: opts.limits?.alternatives$
              })) {
                yield {
                  ...evt,
                  index: obj.alternatives
                }
              }

              obj.alternatives++

              break
            }
            case 8: {
              yield * NetworkView.codec().stream(reader, reader.uint32(), `${prefix}.view`, {
                limits: opts.limits?.view
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SupernodeFrameTypeFieldEvent {
    field: '$.type'
    value: SupernodeFrame.Type
  }

  export interface SupernodeFrameSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface SupernodeFrameRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: RefusalReason
  }

  export interface SupernodeFrameRefusalRetryAfterMsFieldEvent {
    field: '$.refusal.retryAfterMs'
    value: number
  }

  export interface SupernodeFrameRefusalAlternativesIdFieldEvent {
    field: '$.refusal.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SupernodeFrameRefusalAlternativesAddrsFieldEvent {
    field: '$.refusal.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeFrameRefusalAlternativesLoadFieldEvent {
    field: '$.refusal.alternatives[].load'
    value: number
    index: number
  }

  export interface SupernodeFrameRefusalAlternativesCapacityFieldEvent {
    field: '$.refusal.alternatives[].capacity'
    value: number
    index: number
  }

  export interface SupernodeFrameRefusalDetailFieldEvent {
    field: '$.refusal.detail'
    value: string
  }

  export interface SupernodeFrameLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface SupernodeFrameCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface SupernodeFramePromoteFieldEvent {
    field: '$.promote'
    value: boolean
  }

  export interface SupernodeFrameAlternativesIdFieldEvent {
    field: '$.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SupernodeFrameAlternativesAddrsFieldEvent {
    field: '$.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeFrameAlternativesLoadFieldEvent {
    field: '$.alternatives[].load'
    value: number
    index: number
  }

  export interface SupernodeFrameAlternativesCapacityFieldEvent {
    field: '$.alternatives[].capacity'
    value: number
    index: number
  }

  export interface SupernodeFrameViewSupernodesFieldEvent {
    field: '$.view.supernodes'
    value: number
  }

  export interface SupernodeFrameViewLoggedInFieldEvent {
    field: '$.view.loggedIn'
    value: number
  }

  export interface SupernodeFrameViewCapacityFieldEvent {
    field: '$.view.capacity'
    value: number
  }

  export function encode (obj: Partial<SupernodeFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SupernodeFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeFrame>): SupernodeFrame {
    return decodeMessage(buf, SupernodeFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeFrame>): Generator<SupernodeFrameTypeFieldEvent | SupernodeFrameSeqFieldEvent | SupernodeFrameRefusalReasonFieldEvent | SupernodeFrameRefusalRetryAfterMsFieldEvent | SupernodeFrameRefusalAlternativesIdFieldEvent | SupernodeFrameRefusalAlternativesAddrsFieldEvent | SupernodeFrameRefusalAlternativesLoadFieldEvent | SupernodeFrameRefusalAlternativesCapacityFieldEvent | SupernodeFrameRefusalDetailFieldEvent | SupernodeFrameLoadFieldEvent | SupernodeFrameCapacityFieldEvent | SupernodeFramePromoteFieldEvent | SupernodeFrameAlternativesIdFieldEvent | SupernodeFrameAlternativesAddrsFieldEvent | SupernodeFrameAlternativesLoadFieldEvent | SupernodeFrameAlternativesCapacityFieldEvent | SupernodeFrameViewSupernodesFieldEvent | SupernodeFrameViewLoggedInFieldEvent | SupernodeFrameViewCapacityFieldEvent> {
    return streamMessage(buf, SupernodeFrame.codec(), opts)
  }
}

export interface Candidate {
  id: Uint8Array<ArrayBuffer>
  profile?: Profile
  uptimeMs: number
}

export namespace Candidate {
  let _codec: Codec<Candidate>

  export const codec = (): Codec<Candidate> => {
    if (_codec == null) {
      _codec = message<Candidate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.profile != null) {
          w.uint32(18)
          Profile.codec().encode(obj.profile, w)
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.uptimeMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          uptimeMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.profile = Profile.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.profile
              })
              break
            }
            case 3: {
              obj.uptimeMs = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * Profile.codec().stream(reader, reader.uint32(), `${prefix}.profile`, {
                limits: opts.limits?.profile
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.uptimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CandidateIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CandidateProfileNameFieldEvent {
    field: '$.profile.name'
    value: string
  }

  export interface CandidateProfileReachableFieldEvent {
    field: '$.profile.reachable'
    value: boolean
  }

  export interface CandidateProfileCapacityFieldEvent {
    field: '$.profile.capacity'
    value: number
  }

  export interface CandidateProfileBandwidthKbpsFieldEvent {
    field: '$.profile.bandwidthKbps'
    value: number
  }

  export interface CandidateUptimeMsFieldEvent {
    field: '$.uptimeMs'
    value: number
  }

  export function encode (obj: Partial<Candidate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Candidate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Candidate>): Candidate {
    return decodeMessage(buf, Candidate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Candidate>): Generator<CandidateIdFieldEvent | CandidateProfileNameFieldEvent | CandidateProfileReachableFieldEvent | CandidateProfileCapacityFieldEvent | CandidateProfileBandwidthKbpsFieldEvent | CandidateUptimeMsFieldEvent> {
    return streamMessage(buf, Candidate.codec(), opts)
  }
}

export interface SupernodeReport {
  token: Uint8Array<ArrayBuffer>
  addrs: Uint8Array<ArrayBuffer>[]
  load: number
  capacity: number
  candidates: Candidate[]
  uptimeMs: number
  profile?: Profile
}

export namespace SupernodeReport {
  let _codec: Codec<SupernodeReport>

  export const codec = (): Codec<SupernodeReport> => {
    if (_codec == null) {
      _codec = message<SupernodeReport>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.token)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(24)
          w.uint32(obj.load)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(32)
          w.uint32(obj.capacity)
        }

        if (obj.candidates != null && obj.candidates.length > 0) {
          for (const value of obj.candidates) {
            w.uint32(42)
            Candidate.codec().encode(value, w)
          }
        }

        if ((obj.uptimeMs != null && obj.uptimeMs !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.uptimeMs)
        }

        if (obj.profile != null) {
          w.uint32(58)
          Profile.codec().encode(obj.profile, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: uint8ArrayAlloc(0),
          addrs: [],
          load: 0,
          capacity: 0,
          candidates: [],
          uptimeMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.token = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.load = reader.uint32()
              break
            }
            case 4: {
              obj.capacity = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.candidates != null && obj.candidates.length === opts.limits.candidates) {
                throw new MaxLengthError('Decode error - repeated field "candidates" had too many elements')
              }

              obj.candidates.push(Candidate.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.candidates$
              }))
              break
            }
            case 6: {
              obj.uptimeMs = reader.uint64Number()
              break
            }
            case 7: {
              obj.profile = Profile.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.profile
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0,
          candidates: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.candidates != null && obj.candidates === opts.limits.candidates) {
                throw new MaxLengthError('Streaming decode error - repeated field "candidates" had too many elements')
              }

              for (const evt of Candidate.codec().stream(reader, reader.uint32(), `${prefix}.candidates[]`, {
                limits: opts.limits?.candidates$
              })) {
                yield {
                  ...evt,
                  index: obj.candidates
                }
              }

              obj.candidates++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.uptimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield * Profile.codec().stream(reader, reader.uint32(), `${prefix}.profile`, {
                limits: opts.limits?.profile
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SupernodeReportTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeReportAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SupernodeReportLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface SupernodeReportCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface SupernodeReportCandidatesIdFieldEvent {
    field: '$.candidates[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SupernodeReportCandidatesProfileNameFieldEvent {
    field: '$.candidates[].profile.name'
    value: string
    index: number
  }

  export interface SupernodeReportCandidatesProfileReachableFieldEvent {
    field: '$.candidates[].profile.reachable'
    value: boolean
    index: number
  }

  export interface SupernodeReportCandidatesProfileCapacityFieldEvent {
    field: '$.candidates[].profile.capacity'
    value: number
    index: number
  }

  export interface SupernodeReportCandidatesProfileBandwidthKbpsFieldEvent {
    field: '$.candidates[].profile.bandwidthKbps'
    value: number
    index: number
  }

  export interface SupernodeReportCandidatesUptimeMsFieldEvent {
    field: '$.candidates[].uptimeMs'
    value: number
    index: number
  }

  export interface SupernodeReportUptimeMsFieldEvent {
    field: '$.uptimeMs'
    value: number
  }

  export interface SupernodeReportProfileNameFieldEvent {
    field: '$.profile.name'
    value: string
  }

  export interface SupernodeReportProfileReachableFieldEvent {
    field: '$.profile.reachable'
    value: boolean
  }

  export interface SupernodeReportProfileCapacityFieldEvent {
    field: '$.profile.capacity'
    value: number
  }

  export interface SupernodeReportProfileBandwidthKbpsFieldEvent {
    field: '$.profile.bandwidthKbps'
    value: number
  }

  export function encode (obj: Partial<SupernodeReport>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SupernodeReport.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeReport>): SupernodeReport {
    return decodeMessage(buf, SupernodeReport.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SupernodeReport>): Generator<SupernodeReportTokenFieldEvent | SupernodeReportAddrsFieldEvent | SupernodeReportLoadFieldEvent | SupernodeReportCapacityFieldEvent | SupernodeReportCandidatesIdFieldEvent | SupernodeReportCandidatesProfileNameFieldEvent | SupernodeReportCandidatesProfileReachableFieldEvent | SupernodeReportCandidatesProfileCapacityFieldEvent | SupernodeReportCandidatesProfileBandwidthKbpsFieldEvent | SupernodeReportCandidatesUptimeMsFieldEvent | SupernodeReportUptimeMsFieldEvent | SupernodeReportProfileNameFieldEvent | SupernodeReportProfileReachableFieldEvent | SupernodeReportProfileCapacityFieldEvent | SupernodeReportProfileBandwidthKbpsFieldEvent> {
    return streamMessage(buf, SupernodeReport.codec(), opts)
  }
}

export interface ReportAck {
  refusal?: Refusal
  supernodes: SupernodeInfo[]
  promote: Uint8Array<ArrayBuffer>[]
  demote: boolean
  view?: NetworkView
}

export namespace ReportAck {
  let _codec: Codec<ReportAck>

  export const codec = (): Codec<ReportAck> => {
    if (_codec == null) {
      _codec = message<ReportAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.refusal != null) {
          w.uint32(10)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (obj.supernodes != null && obj.supernodes.length > 0) {
          for (const value of obj.supernodes) {
            w.uint32(18)
            SupernodeInfo.codec().encode(value, w)
          }
        }

        if (obj.promote != null && obj.promote.length > 0) {
          for (const value of obj.promote) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.demote != null && obj.demote !== false)) {
          w.uint32(32)
          w.bool(obj.demote)
        }

        if (obj.view != null) {
          w.uint32(42)
          NetworkView.codec().encode(obj.view, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          supernodes: [],
          promote: [],
          demote: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            case 2: {
              if (opts.limits?.supernodes != null && obj.supernodes.length === opts.limits.supernodes) {
                throw new MaxLengthError('Decode error - repeated field "supernodes" had too many elements')
              }

              obj.supernodes.push(SupernodeInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.supernodes$
              }))
              break
            }
            case 3: {
              if (opts.limits?.promote != null && obj.promote.length === opts.limits.promote) {
                throw new MaxLengthError('Decode error - repeated field "promote" had too many elements')
              }

              obj.promote.push(reader.bytes())
              break
            }
            case 4: {
              obj.demote = reader.bool()
              break
            }
            case 5: {
              obj.view = NetworkView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.view
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          supernodes: 0,
          promote: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            case 2: {
              if (opts.limits?.supernodes != null && obj.supernodes === opts.limits.supernodes) {
                throw new MaxLengthError('Streaming decode error - repeated field "supernodes" had too many elements')
              }

              for (const evt of SupernodeInfo.codec().stream(reader, reader.uint32(), `${prefix}.supernodes[]`, {
                limits: opts.limits?.supernodes$
              })) {
                yield {
                  ...evt,
                  index: obj.supernodes
                }
              }

              obj.supernodes++

              break
            }
            case 3: {
              if (opts.limits?.promote != null && obj.promote === opts.limits.promote) {
                throw new MaxLengthError('Streaming decode error - repeated field "promote" had too many elements')
              }

              yield {
                field: `${prefix}.promote[]`,
                index: obj.promote,
                value: reader.bytes()
              }

              obj.promote++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.demote`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield * NetworkView.codec().stream(reader, reader.uint32(), `${prefix}.view`, {
                limits: opts.limits?.view
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReportAckRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: RefusalReason
  }

  export interface ReportAckRefusalRetryAfterMsFieldEvent {
    field: '$.refusal.retryAfterMs'
    value: number
  }

  export interface ReportAckRefusalAlternativesIdFieldEvent {
    field: '$.refusal.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ReportAckRefusalAlternativesAddrsFieldEvent {
    field: '$.refusal.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReportAckRefusalAlternativesLoadFieldEvent {
    field: '$.refusal.alternatives[].load'
    value: number
    index: number
  }

  export interface ReportAckRefusalAlternativesCapacityFieldEvent {
    field: '$.refusal.alternatives[].capacity'
    value: number
    index: number
  }

  export interface ReportAckRefusalDetailFieldEvent {
    field: '$.refusal.detail'
    value: string
  }

  export interface ReportAckSupernodesIdFieldEvent {
    field: '$.supernodes[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ReportAckSupernodesAddrsFieldEvent {
    field: '$.supernodes[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReportAckSupernodesLoadFieldEvent {
    field: '$.supernodes[].load'
    value: number
    index: number
  }

  export interface ReportAckSupernodesCapacityFieldEvent {
    field: '$.supernodes[].capacity'
    value: number
    index: number
  }

  export interface ReportAckPromoteFieldEvent {
    field: '$.promote[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReportAckDemoteFieldEvent {
    field: '$.demote'
    value: boolean
  }

  export interface ReportAckViewSupernodesFieldEvent {
    field: '$.view.supernodes'
    value: number
  }

  export interface ReportAckViewLoggedInFieldEvent {
    field: '$.view.loggedIn'
    value: number
  }

  export interface ReportAckViewCapacityFieldEvent {
    field: '$.view.capacity'
    value: number
  }

  export function encode (obj: Partial<ReportAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReportAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportAck>): ReportAck {
    return decodeMessage(buf, ReportAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportAck>): Generator<ReportAckRefusalReasonFieldEvent | ReportAckRefusalRetryAfterMsFieldEvent | ReportAckRefusalAlternativesIdFieldEvent | ReportAckRefusalAlternativesAddrsFieldEvent | ReportAckRefusalAlternativesLoadFieldEvent | ReportAckRefusalAlternativesCapacityFieldEvent | ReportAckRefusalDetailFieldEvent | ReportAckSupernodesIdFieldEvent | ReportAckSupernodesAddrsFieldEvent | ReportAckSupernodesLoadFieldEvent | ReportAckSupernodesCapacityFieldEvent | ReportAckPromoteFieldEvent | ReportAckDemoteFieldEvent | ReportAckViewSupernodesFieldEvent | ReportAckViewLoggedInFieldEvent | ReportAckViewCapacityFieldEvent> {
    return streamMessage(buf, ReportAck.codec(), opts)
  }
}

export interface PresenceLookup {
  user: Uint8Array<ArrayBuffer>
}

export namespace PresenceLookup {
  let _codec: Codec<PresenceLookup>

  export const codec = (): Codec<PresenceLookup> => {
    if (_codec == null) {
      _codec = message<PresenceLookup>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.user != null && obj.user.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.user)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          user: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.user = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.user`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceLookupUserFieldEvent {
    field: '$.user'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PresenceLookup>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceLookup.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceLookup>): PresenceLookup {
    return decodeMessage(buf, PresenceLookup.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceLookup>): Generator<PresenceLookupUserFieldEvent> {
    return streamMessage(buf, PresenceLookup.codec(), opts)
  }
}

export interface PresenceAnswer {
  found: boolean
  supernode?: SupernodeInfo
  refusal?: Refusal
}

export namespace PresenceAnswer {
  let _codec: Codec<PresenceAnswer>

  export const codec = (): Codec<PresenceAnswer> => {
    if (_codec == null) {
      _codec = message<PresenceAnswer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.found != null && obj.found !== false)) {
          w.uint32(8)
          w.bool(obj.found)
        }

        if (obj.supernode != null) {
          w.uint32(18)
          SupernodeInfo.codec().encode(obj.supernode, w)
        }

        if (obj.refusal != null) {
          w.uint32(26)
          Refusal.codec().encode(obj.refusal, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          found: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.found = reader.bool()
              break
            }
            case 2: {
              obj.supernode = SupernodeInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.supernode
              })
              break
            }
            case 3: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.found`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield * SupernodeInfo.codec().stream(reader, reader.uint32(), `${prefix}.supernode`, {
                limits: opts.limits?.supernode
              })

              break
            }
            case 3: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceAnswerFoundFieldEvent {
    field: '$.found'
    value: boolean
  }

  export interface PresenceAnswerSupernodeIdFieldEvent {
    field: '$.supernode.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceAnswerSupernodeAddrsFieldEvent {
    field: '$.supernode.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceAnswerSupernodeLoadFieldEvent {
    field: '$.supernode.load'
    value: number
  }

  export interface PresenceAnswerSupernodeCapacityFieldEvent {
    field: '$.supernode.capacity'
    value: number
  }

  export interface PresenceAnswerRefusalReasonFieldEvent {
    field: '$.refusal.reason'
    value: RefusalReason
  }

  export interface PresenceAnswerRefusalRetryAfterMsFieldEvent {
    field: '$.refusal.retryAfterMs'
    value: number
  }

  export interface PresenceAnswerRefusalAlternativesIdFieldEvent {
    field: '$.refusal.alternatives[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PresenceAnswerRefusalAlternativesAddrsFieldEvent {
    field: '$.refusal.alternatives[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceAnswerRefusalAlternativesLoadFieldEvent {
    field: '$.refusal.alternatives[].load'
    value: number
    index: number
  }

  export interface PresenceAnswerRefusalAlternativesCapacityFieldEvent {
    field: '$.refusal.alternatives[].capacity'
    value: number
    index: number
  }

  export interface PresenceAnswerRefusalDetailFieldEvent {
    field: '$.refusal.detail'
    value: string
  }

  export function encode (obj: Partial<PresenceAnswer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceAnswer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnswer>): PresenceAnswer {
    return decodeMessage(buf, PresenceAnswer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnswer>): Generator<PresenceAnswerFoundFieldEvent | PresenceAnswerSupernodeIdFieldEvent | PresenceAnswerSupernodeAddrsFieldEvent | PresenceAnswerSupernodeLoadFieldEvent | PresenceAnswerSupernodeCapacityFieldEvent | PresenceAnswerRefusalReasonFieldEvent | PresenceAnswerRefusalRetryAfterMsFieldEvent | PresenceAnswerRefusalAlternativesIdFieldEvent | PresenceAnswerRefusalAlternativesAddrsFieldEvent | PresenceAnswerRefusalAlternativesLoadFieldEvent | PresenceAnswerRefusalAlternativesCapacityFieldEvent | PresenceAnswerRefusalDetailFieldEvent> {
    return streamMessage(buf, PresenceAnswer.codec(), opts)
  }
}

export interface PresenceRecord {
  user: Uint8Array<ArrayBuffer>
  supernode: Uint8Array<ArrayBuffer>
  addrs: Uint8Array<ArrayBuffer>[]
  updatedAtMs: number
}

export namespace PresenceRecord {
  let _codec: Codec<PresenceRecord>

  export const codec = (): Codec<PresenceRecord> => {
    if (_codec == null) {
      _codec = message<PresenceRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.user != null && obj.user.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.user)
        }

        if ((obj.supernode != null && obj.supernode.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.supernode)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.updatedAtMs != null && obj.updatedAtMs !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.updatedAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          user: uint8ArrayAlloc(0),
          supernode: uint8ArrayAlloc(0),
          addrs: [],
          updatedAtMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.user = reader.bytes()
              break
            }
            case 2: {
              obj.supernode = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 4: {
              obj.updatedAtMs = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.user`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.supernode`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.updatedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceRecordUserFieldEvent {
    field: '$.user'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceRecordSupernodeFieldEvent {
    field: '$.supernode'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceRecordAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceRecordUpdatedAtMsFieldEvent {
    field: '$.updatedAtMs'
    value: number
  }

  export function encode (obj: Partial<PresenceRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceRecord>): PresenceRecord {
    return decodeMessage(buf, PresenceRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceRecord>): Generator<PresenceRecordUserFieldEvent | PresenceRecordSupernodeFieldEvent | PresenceRecordAddrsFieldEvent | PresenceRecordUpdatedAtMsFieldEvent> {
    return streamMessage(buf, PresenceRecord.codec(), opts)
  }
}
