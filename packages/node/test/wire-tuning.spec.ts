import assert from 'node:assert/strict'
import { describe, it, before, after } from 'node:test'
import { Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { coalesceWrites, coalescingTcp, tunedYamux } from '../src/wire-tuning.js'
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

describe('coalescingTcp + tunedYamux between two libp2p nodes', () => {
  let server: Libp2p
  let dialer: Libp2p

  async function node (): Promise<Libp2p> {
    return createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [coalescingTcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [tunedYamux()],
      connectionMonitor: { enabled: false }
    })
  }

  before(async () => {
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
})
