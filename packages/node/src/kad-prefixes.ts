/**
 * kad-dht's table of key prefixes, kept out of the bundle's source.
 *
 * `@libp2p/kad-dht` refreshes its routing table by looking up random keys in each bucket,
 * and finds a key for a bucket in a table of 65,536 numbers
 * (`routing-table/generated-prefix-list.js`, an array literal of 594 KB). Bundled as it is,
 * the table was a quarter of stampede-node's source and of its V8 code cache: every node
 * process read it, deserialised it and built the array at start, and kept all three in
 * memory, for the one or two entries a refresh asks for. The bundler (scripts/bundle.mjs)
 * writes the table beside the bundle as a binary file (`kad-prefixes.bin`, 4 bytes per
 * entry, big-endian) and replaces the module with one that reads the file on first use;
 * its entries are the same numbers.
 */

/** Entries in kad-dht's table (one per 16-bit key prefix). */
export const PREFIX_TABLE_ENTRIES = 65_536
/** The file the bundler writes beside each bundle. */
export const PREFIX_TABLE_FILE = 'kad-prefixes.bin'

export class PrefixTableError extends Error {
  static readonly code = 'ERR_PREFIX_TABLE'
  readonly code = PrefixTableError.code
  constructor (message: string) {
    super(message)
    this.name = 'PrefixTableError'
  }
}

/** The table as the bundler writes it: each entry as a big-endian unsigned 32-bit number. */
export function encodePrefixTable (entries: ArrayLike<number>): Uint8Array {
  if (entries.length !== PREFIX_TABLE_ENTRIES) throw new PrefixTableError(`a prefix table has ${PREFIX_TABLE_ENTRIES} entries, got ${entries.length}`)
  const out = new Uint8Array(entries.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < entries.length; i++) {
    const v = entries[i] as number
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new PrefixTableError(`prefix table entry ${i} is not an unsigned 32-bit number: ${v}`)
    view.setUint32(i * 4, v, false)
  }
  return out
}

/**
 * A stand-in for kad-dht's table that calls `load` (the encoded table) on first use and
 * reads each entry from it when asked: index reads and `length` answer as the array would,
 * and kad-dht only indexes it. The file (256 KB) is read when the DHT first makes a key for
 * a bucket; a client's empty table makes none (a started client never opened the file,
 * by strace), and nothing is decoded but the entries asked for.
 */
export function lazyPrefixTable (load: () => Uint8Array): readonly number[] {
  let view: DataView | undefined
  const table = (): DataView => {
    if (view == null) {
      const data = load()
      if (data.byteLength !== PREFIX_TABLE_ENTRIES * 4) throw new PrefixTableError(`a prefix table is ${PREFIX_TABLE_ENTRIES * 4} bytes, got ${data.byteLength}`)
      view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    }
    return view
  }
  return new Proxy<number[]>([], {
    get (target, key, receiver) {
      if (typeof key === 'string') {
        if (key === 'length') return table().byteLength / 4
        const i = Number(key)
        if (Number.isInteger(i) && String(i) === key) return i >= 0 && i < PREFIX_TABLE_ENTRIES ? table().getUint32(i * 4, false) : undefined
      }
      return Reflect.get(target, key, receiver)
    }
  })
}
