import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { coalesceWrites, coalescingTcp, nodeHkdf, tuneLengthPrefixedDecoder, tunedNoise, tunedYamux } from '../src/wire-tuning.js'
import type { Libp2p, MultiaddrConnection, Stream } from '@libp2p/interface'

const PROTOCOL = '/stampede-test/echo/1.0.0'

describe('coalesceWrites', () => {
  function fakeConnection (): { conn: MultiaddrConnection, writes: Uint8Array[] } {
    const writes: Uint8Array[] = []
    const socket = { write: (buf: Uint8Array) => { writes.push(buf); return true } }
    const conn = { socket, sendData: () => { throw new Error('the original sendData was called') } }
    return { conn: conn as unknown as MultiaddrConnection, writes }
  }

  it('writes the buffers of one send with one socket write, in order', () => {
    const { conn, writes } = fakeConnection()
    assert.equal(coalesceWrites(conn), true)
    const sendData = (conn as unknown as { sendData(d: Uint8ArrayList): { sentBytes: number, canSendMore: boolean } }).sendData
    const result = sendData(new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(7, 8, 9)))
    assert.deepEqual(result, { sentBytes: 5, canSendMore: true })
    assert.equal(writes.length, 1)
    assert.deepEqual([...(writes[0] as Uint8Array)], [0, 3, 7, 8, 9])
  })

  it('writes a single buffer as it is, without a copy', () => {
    const { conn, writes } = fakeConnection()
    coalesceWrites(conn)
    const buf = Uint8Array.of(1, 2, 3)
    ;(conn as unknown as { sendData(d: Uint8ArrayList): unknown }).sendData(new Uint8ArrayList(buf))
    assert.equal(writes[0], buf)
  })

  it('reports backpressure from the socket', () => {
    const conn = { socket: { write: () => false }, sendData: (_data: Uint8ArrayList) => ({ sentBytes: 0, canSendMore: true }) }
    coalesceWrites(conn as unknown as MultiaddrConnection)
    assert.deepEqual(conn.sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2))), { sentBytes: 2, canSendMore: false })
  })

  it('leaves a connection that is not a TCP one alone', () => {
    const sendData = (): void => {}
    const conn = { sendData }
    assert.equal(coalesceWrites(conn as unknown as MultiaddrConnection), false)
    assert.equal(conn.sendData, sendData)
  })
})

describe('tuneLengthPrefixedDecoder', () => {
  // noise's framing: a 2-byte big-endian length, then the message
  const calls: number[] = []
  // the decoder's own Uint8ArrayList may be another copy of the package than this test's
  function uint16 (data: Uint8Array | { byteLength: number, getUint16(offset: number): number }): number {
    calls.push(data.byteLength)
    if (data.byteLength < 2) throw new RangeError('Could not decode int16BE')
    return data instanceof Uint8Array ? (data[0] as number) << 8 | (data[1] as number) : data.getUint16(0)
  }
  const frame = (...bytes: number[]): Uint8Array => Uint8Array.of(bytes.length >> 8, bytes.length & 0xff, ...bytes)
  const decoder = (init: { maxDataLength?: number, maxBufferSize?: number } = {}): LengthPrefixedDecoder =>
    new LengthPrefixedDecoder({ lengthDecoder: uint16, encodingLength: () => 2, ...init })
  const decodeAll = (d: LengthPrefixedDecoder, chunk: Uint8Array): number[][] => [...d.decode(chunk)].map(m => [...m.subarray()])

  before(() => { assert.equal(tuneLengthPrefixedDecoder(), true) })

  it('decodes every message of a chunk and never asks for a length from an empty buffer', () => {
    calls.length = 0
    const chunk = Uint8Array.from([...frame(1, 2, 3), ...frame(4), ...frame(5, 6)])
    assert.deepEqual(decodeAll(decoder(), chunk), [[1, 2, 3], [4], [5, 6]])
    assert.equal(calls.includes(0), false, `length decoder called with ${calls.join(', ')} bytes`)
    assert.equal(calls.length, 3)
  })

  it('keeps a message split across chunks, the length prefix too, until it is whole', () => {
    const d = decoder()
    const whole = Uint8Array.from([...frame(7, 8, 9, 10), ...frame(11)])
    assert.deepEqual(decodeAll(d, whole.subarray(0, 1)), []) // half a length prefix
    assert.deepEqual(decodeAll(d, whole.subarray(1, 4)), []) // the prefix and part of the body
    assert.deepEqual(decodeAll(d, whole.subarray(4, 7)), [[7, 8, 9, 10]])
    assert.deepEqual(decodeAll(d, whole.subarray(7)), [[11]])
    assert.deepEqual(decodeAll(d, new Uint8Array(0)), [])
  })

  it('skips empty messages, as the library does', () => {
    assert.deepEqual(decodeAll(decoder(), Uint8Array.from([...frame(), ...frame(1)])), [[1]])
  })

  it('still refuses a message over maxDataLength and a buffer over maxBufferSize', () => {
    assert.throws(() => decodeAll(decoder({ maxDataLength: 2 }), frame(1, 2, 3)), { name: 'InvalidMessageLengthError' })
    assert.throws(() => decodeAll(decoder({ maxBufferSize: 4 }), frame(1, 2, 3)), { name: 'InvalidParametersError' })
  })

  it('passes on an error from the length decoder that is not a RangeError', () => {
    const d = new LengthPrefixedDecoder({ lengthDecoder: () => { throw new TypeError('broken') }, encodingLength: () => 2 })
    assert.throws(() => [...d.decode(Uint8Array.of(0, 1, 2))], { name: 'TypeError' })
  })

  it('is idempotent', () => {
    const decode = LengthPrefixedDecoder.prototype.decode
    assert.equal(tuneLengthPrefixedDecoder(), true)
    assert.equal(LengthPrefixedDecoder.prototype.decode, decode)
  })
})

describe('nodeHkdf', () => {
  it('derives the same three keys as noise\'s own HKDF', () => {
    // mixKey derives from a 32-byte DH output, split from nothing
    for (const ikmLength of [32, 0, 1, 64]) {
      for (let i = 0; i < 20; i++) {
        const ck = randomBytes(32)
        const ikm = randomBytes(ikmLength)
        const ours = nodeHkdf(ck, ikm).map(k => Buffer.from(k).toString('hex'))
        const theirs = pureJsCrypto.getHKDF(ck, ikm).map(k => Buffer.from(k).toString('hex'))
        assert.deepEqual(ours, theirs)
        assert.deepEqual(ours.map(k => k.length), [64, 64, 64])
      }
    }
  })
})

describe('coalescingTcp + tunedNoise + tunedYamux (+ tuneLengthPrefixedDecoder) between two libp2p nodes', () => {
  let server: Libp2p
  let dialer: Libp2p

  async function node (encrypter = tunedNoise()): Promise<Libp2p> {
    return createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [coalescingTcp()],
      connectionEncrypters: [encrypter],
      streamMuxers: [tunedYamux()],
      connectionMonitor: { enabled: false }
    })
  }

  before(async () => {
    tuneLengthPrefixedDecoder()
    server = await node()
    dialer = await node()
    // echo every chunk back as it comes
    await server.handle(PROTOCOL, async (stream: Stream) => {
      for await (const chunk of stream) {
        if (!stream.send(chunk)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
      }
      await stream.close()
    })
  })

  after(async () => {
    await dialer?.stop()
    await server?.stop()
  })

  interface Echo { stream: Stream, next(n: number): Promise<Uint8Array> }

  async function openEcho (): Promise<Echo> {
    const stream = await dialer.dialProtocol(server.getMultiaddrs(), PROTOCOL, { negotiateFully: false })
    const iterator = stream[Symbol.asyncIterator]()
    const pending = new Uint8ArrayList()
    return {
      stream,
      // the next n bytes the server echoed
      next: async (n: number): Promise<Uint8Array> => {
        while (pending.byteLength < n) {
          const { value, done } = await iterator.next()
          if (done === true) throw new Error('stream ended early')
          pending.append(value instanceof Uint8Array ? value : value.subarray())
        }
        // a plain Uint8Array (not a Buffer), to compare with what was sent
        const out = new Uint8Array(pending.subarray(0, n))
        pending.consume(n)
        return out
      }
    }
  }

  it('a request and its answer cost one socket write each: no separate length write, no window update', async () => {
    const { stream, next } = await openEcho()
    // settle the stream's opening (multistream-select, yamux SYN/ACK) before counting
    stream.send(Uint8Array.of(0))
    await next(1)

    const original = Socket.prototype.write
    let writes = 0
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      writes++
      return (original as (...a: unknown[]) => boolean).apply(this, args)
    } as typeof original
    const rounds = 50
    try {
      for (let i = 0; i < rounds; i++) {
        const msg = new Uint8Array(100).fill(i)
        stream.send(msg)
        assert.deepEqual(await next(100), msg)
      }
    } finally {
      Socket.prototype.write = original
    }
    // one write on each side per round; stock libp2p wrote four per side (length, ciphertext,
    // and the same again for the window update that followed every data frame)
    assert.ok(writes <= 2 * rounds + 4, `${writes} socket writes for ${rounds} request/answer rounds`)
    await stream.close()
  })

  it('moves many windows of data: updates still flow once half the window is used', async () => {
    const { stream, next } = await openEcho()
    const total = 2 * 1024 * 1024
    const block = new Uint8Array(16 * 1024)
    for (let i = 0; i < block.length; i++) block[i] = i % 251
    const reading = (async () => {
      for (let got = 0; got < total; got += block.length) {
        assert.deepEqual(await next(block.length), block)
      }
    })()
    for (let sent = 0; sent < total; sent += block.length) {
      if (!stream.send(block)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
    }
    await reading
    await stream.close()
  })
  it('interoperates with stock noise: a handshake and an echo either way', async () => {
    const stock = await node(noise())
    try {
      // a stock dialer to the tuned server
      const stream = await stock.dialProtocol(server.getMultiaddrs(), PROTOCOL, { negotiateFully: false })
      const iterator = stream[Symbol.asyncIterator]()
      stream.send(new TextEncoder().encode('hello'))
      const { value } = await iterator.next()
      assert.equal(new TextDecoder().decode(value instanceof Uint8Array ? value : value?.subarray()), 'hello')
      await stream.close()
      // the tuned dialer to a stock listener
      const conn = await dialer.dial(stock.getMultiaddrs())
      assert.equal(conn.encryption, '/noise')
      assert.equal(conn.status, 'open')
    } finally {
      await stock.stop()
    }
  })
})
