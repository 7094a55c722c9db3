import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:net'

/** Where listen ports are taken from: below the kernel's ephemeral range. */
export const PORT_FLOOR = 10_000

/**
 * The kernel's ephemeral port range, from which outgoing connections take their source
 * ports. Listen ports are chosen below it: a port picked from it could be taken by one of
 * the testnet's own dials between the reservation and the node binding it.
 */
export function ephemeralRange (): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (lo != null && hi != null && Number.isInteger(lo) && Number.isInteger(hi)) return [lo, hi]
  } catch {
    // not Linux: use the IANA dynamic range
  }
  return [49_152, 65_535]
}

async function tryListen (host: string, port: number): Promise<Server | undefined> {
  const server = createServer()
  return new Promise(resolve => {
    server.once('error', () => { resolve(undefined) })
    server.listen({ port, host, exclusive: true }, () => { resolve(server) })
  })
}

/**
 * Find `count` free TCP ports on `host` below the ephemeral range, starting at a random
 * place (so two testnets rarely probe the same ports), by binding each one. They are
 * released for the nodes to bind; each keeps its port across restarts.
 */
export async function findFreePorts (host: string, count: number): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange()
  const top = Math.max(PORT_FLOOR + count * 4, ephemeralLow) - 1
  const span = top - PORT_FLOOR + 1
  let port = PORT_FLOOR + Math.floor(Math.random() * span)
  const held: Server[] = []
  const ports: number[] = []
  try {
    for (let probed = 0; ports.length < count && probed < span; probed++) {
      const server = await tryListen(host, port)
      if (server != null) {
        held.push(server)
        ports.push(port)
      }
      port = port >= top ? PORT_FLOOR : port + 1
    }
    if (ports.length < count) throw new Error(`only ${ports.length} of ${count} free ports between ${PORT_FLOOR} and ${top}`)
    return ports
  } finally {
    await Promise.all(held.map(async s => { await new Promise<void>(resolve => s.close(() => { resolve() })) }))
  }
}
