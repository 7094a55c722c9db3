import { UsageError } from './errors.js'

/** Which nodes a `kill`, `restart`, `pause` or `resume` command acts on. */
export type Selector =
  | { kind: 'all' }
  | { kind: 'names', names: string[] }
  | { kind: 'count', count: number }
  | { kind: 'share', share: number }

export interface SelectableNode {
  name: string
  role: string
  alive: boolean
}

export interface SelectOptions {
  /** Only nodes with this role. */
  role?: string
  /** Only nodes that are (true) or are not (false) alive. */
  alive?: boolean
  /** Uniform values in [0, 1); a seeded source makes the choice repeatable. */
  random: () => number
}

/** Longest list a name range such as `peer-1..peer-500` may expand to. */
export const MAX_RANGE_LENGTH = 10_000

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const COUNT = /^\d+$/
const SHARE = /^(\d+(?:\.\d+)?|\.\d+)%$/
const RANGE = /^(.*?)(\d+)\.\.(.*?)(\d+)$/

/**
 * Parses a selector:
 * - `all`: every node;
 * - `5`: that many nodes, picked at random;
 * - `50%`: that share of the nodes (more than 0, at most 100 %), picked at random;
 * - `peer-1,peer-3`: those nodes by name; `peer-1..peer-5` is a range of numbered names
 *   (same prefix, both ends included; `peer-1..5` for short) and may be mixed with plain
 *   names. A name made only of digits reads as a count.
 * Anything else throws a `UsageError`.
 */
export function parseSelector (text: string): Selector {
  const value = text.trim()
  if (value === '') {
    throw new UsageError('selector: empty selector (expected all, a count such as 5, a share such as 50%, or node names)', 'selector')
  }
  if (value === 'all') return { kind: 'all' }

  if (COUNT.test(value)) {
    const count = Number(value)
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new UsageError(`selector: count must be a whole number of at least 1, got '${value}'`, 'selector')
    }
    return { kind: 'count', count }
  }

  if (value.endsWith('%')) {
    const match = SHARE.exec(value)
    const percent = match != null ? Number(match[1]) : Number.NaN
    if (!(percent > 0 && percent <= 100)) {
      throw new UsageError(`selector: share must be more than 0% and at most 100%, got '${value}'`, 'selector')
    }
    return { kind: 'share', share: percent / 100 }
  }

  const names: string[] = []
  for (const part of value.split(',')) {
    const item = part.trim()
    if (item === '') {
      throw new UsageError(`selector: empty name in '${value}'`, 'selector')
    }
    if (item.includes('..')) {
      names.push(...expandRange(item))
    } else if (NODE_NAME.test(item)) {
      names.push(item)
    } else {
      throw new UsageError(`selector: '${item}' is not a node name (letters, digits, '.', '_' and '-')`, 'selector')
    }
  }
  return { kind: 'names', names: [...new Set(names)] }
}

function expandRange (item: string): string[] {
  const match = RANGE.exec(item)
  const [, prefix = '', fromText = '', endPrefix = '', toText = ''] = match ?? []
  if (match == null || (endPrefix !== '' && endPrefix !== prefix) || (prefix !== '' && !NODE_NAME.test(prefix))) {
    throw new UsageError(`selector: bad range '${item}' (expected e.g. peer-1..peer-5 or peer-1..5)`, 'selector')
  }
  const from = Number(fromText)
  const to = Number(toText)
  if (from > to) {
    throw new UsageError(`selector: range '${item}' runs backwards`, 'selector')
  }
  if (to - from + 1 > MAX_RANGE_LENGTH) {
    throw new UsageError(`selector: range '${item}' names more than ${MAX_RANGE_LENGTH} nodes`, 'selector')
  }
  // Zero-padded ends (peer-01..peer-12) keep their width.
  const width = fromText.length > 1 && fromText.startsWith('0') ? fromText.length : 0
  const names: string[] = []
  for (let i = from; i <= to; i++) names.push(`${prefix}${String(i).padStart(width, '0')}`)
  return names
}

/**
 * Names of the nodes a selector picks, in the order of `nodes`.
 * The pool is `nodes` filtered by `role` and `alive` when given. Names must all exist among
 * `nodes` (before filtering), else a `UsageError` lists the unknown ones; named nodes
 * outside the pool are dropped. A count picks min(count, pool size) nodes at random; a
 * share picks round(pool size * share), at least one when the pool is not empty.
 * Random picks use only `random`, so the same sequence gives the same nodes.
 */
export function selectNodes (selector: Selector, nodes: readonly SelectableNode[], opts: SelectOptions): string[] {
  if (selector.kind === 'names') {
    const known = new Set(nodes.map(n => n.name))
    const unknown = selector.names.filter(name => !known.has(name))
    if (unknown.length > 0) {
      throw new UsageError(`selector: unknown node${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, 'selector')
    }
  }

  const pool = nodes.filter(n => (opts.role == null || n.role === opts.role) && (opts.alive == null || n.alive === opts.alive))

  switch (selector.kind) {
    case 'all':
      return pool.map(n => n.name)
    case 'names': {
      const wanted = new Set(selector.names)
      return pool.filter(n => wanted.has(n.name)).map(n => n.name)
    }
    case 'count':
      return pickRandom(pool, Math.min(Math.max(0, Math.floor(selector.count)), pool.length), opts.random)
    case 'share': {
      if (pool.length === 0 || !(selector.share > 0)) return []
      const count = Math.min(pool.length, Math.max(1, Math.round(pool.length * selector.share)))
      return pickRandom(pool, count, opts.random)
    }
  }
}

/** `count` distinct nodes chosen uniformly (partial Fisher-Yates), kept in pool order. */
function pickRandom (pool: readonly SelectableNode[], count: number, random: () => number): string[] {
  const indexes = pool.map((_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + Math.min(indexes.length - i - 1, Math.floor(random() * (indexes.length - i)))
    const a = indexes[i]
    const b = indexes[j]
    if (a != null && b != null) {
      indexes[i] = b
      indexes[j] = a
    }
  }
  const chosen = new Set(indexes.slice(0, count))
  return pool.filter((_, i) => chosen.has(i)).map(n => n.name)
}
