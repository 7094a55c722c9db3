import { createServer } from 'node:net'
import type { Server } from 'node:net'

/**
 * Reserve `count` free TCP ports on `host` by binding them all at once (so none repeats),
 * then release them for the nodes to bind. Another program could take one in between;
 * a node that then fails to listen says so clearly.
 */
export async function findFreePorts (host: string, count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, host, () => { resolve() })
      })
    }
    return servers.map(s => {
      const a = s.address()
      if (a == null || typeof a === 'string') throw new Error('no port')
      return a.port
    })
  } finally {
    await Promise.all(servers.map(async s => { await new Promise<void>(resolve => s.close(() => { resolve() })) }))
  }
}
