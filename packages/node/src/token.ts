import { SignedToken, TokenBody, decode } from '@stampede/wire'
import { equals } from 'uint8arrays/equals'
import { TokenError } from './errors.js'
import { bytes } from './framing.js'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

export interface IssueTokenOptions {
  peer: PeerId
  user: string
  issuer: PeerId
  nowMs: number
  ttlMs: number
  /**
   * the operator's own (dedicated) supernode: the login server's allocation policy never
   * demotes it; only the operator mints these (`Testnet.addPeers({ operator: true })`)
   */
  operator?: boolean
}

/** The login server signs a token binding a user name to the peer that logged in. */
export async function issueToken (key: PrivateKey, opts: IssueTokenOptions): Promise<Uint8Array<ArrayBuffer>> {
  const body = TokenBody.encode({
    peer: bytes(opts.peer.toMultihash().bytes),
    user: opts.user,
    issuedAtMs: opts.nowMs,
    expiresAtMs: opts.nowMs + opts.ttlMs,
    issuer: bytes(opts.issuer.toMultihash().bytes),
    operator: opts.operator === true
  })
  const signature = await key.sign(body)
  return SignedToken.encode({ body, signature: bytes(signature) })
}

export interface VerifyTokenOptions {
  /** the login server's public key */
  issuerKey: PublicKey
  /** the peer presenting the token (the remote end of the connection) */
  peer: PeerId
  nowMs: number
}

/**
 * Check a token's signature, holder and expiry. Throws `TokenError` saying what is wrong.
 */
export async function verifyToken (bytes: Uint8Array, opts: VerifyTokenOptions): Promise<TokenBody> {
  let signed: SignedToken
  let body: TokenBody
  try {
    signed = decode.signedToken(bytes)
    body = decode.tokenBody(signed.body)
  } catch (err: unknown) {
    throw new TokenError(`malformed token: ${(err as Error).message}`)
  }
  let ok: boolean
  try {
    ok = await opts.issuerKey.verify(signed.body, signed.signature)
  } catch (err: unknown) {
    // e.g. a signature of the wrong length for the key type
    throw new TokenError(`bad signature: ${(err as Error).message}`)
  }
  if (!ok) throw new TokenError('bad signature')
  if (!equals(body.peer, opts.peer.toMultihash().bytes)) throw new TokenError('token belongs to another peer')
  if (body.expiresAtMs <= opts.nowMs) throw new TokenError('token expired')
  return body
}

/** Read a token's expiry without verifying it (a client checks its own token). */
export function tokenExpiry (bytes: Uint8Array): number {
  try {
    return decode.tokenBody(decode.signedToken(bytes).body).expiresAtMs
  } catch {
    return 0
  }
}
