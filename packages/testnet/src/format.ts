import { formatDuration } from './duration.js'

export type StatusRole = 'login' | 'supernode' | 'client' | 'offline'

/** One node in `stampede status`. */
export interface StatusRow {
  name: string
  pid: number | null
  role: StatusRole
  alive: boolean
  loggedIn: boolean
  /** The supernode this node is attached to: its node name or a short peer id. */
  supernode: string | null
  /** Clients attached now (supernodes). */
  load?: number
  /** Clients it could serve as a supernode. */
  capacity?: number
  profile?: string
}

export interface StatusSummary {
  total: number
  alive: number
  loggedIn: number
  supernodes: number
}

export interface StatusTableOptions {
  /** Use ANSI colours (default false; the CLI turns them on for a terminal). */
  color?: boolean
}

export interface ProgressSnapshot {
  alive: number
  loggedIn: number
  total: number
  supernodes: number
  elapsedMs: number
}

const COLUMNS = ['NAME', 'PID', 'ROLE', 'ALIVE', 'LOGGED-IN', 'SUPERNODE', 'LOAD', 'PROFILE'] as const
/** Columns aligned to the right (numbers). */
const RIGHT = new Set<string>(['PID', 'LOAD'])
const GAP = '  '

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m'
}
type Colour = keyof typeof ANSI

/**
 * A fixed-width table, one line per node, then a footer line with the totals and the
 * logged-in share of alive nodes. Columns are sized to their widest cell, so the table stays
 * aligned for any number of rows; colour codes are added after padding and only when
 * `color` is true.
 */
export function formatStatusTable (rows: readonly StatusRow[], summary: StatusSummary, opts: StatusTableOptions = {}): string {
  const color = opts.color === true
  const cells = rows.map(row => [
    row.name,
    row.pid == null ? '-' : String(row.pid),
    row.role,
    row.alive ? 'yes' : 'no',
    row.loggedIn ? 'yes' : 'no',
    row.supernode ?? '-',
    formatLoad(row),
    row.profile ?? '-'
  ])
  const widths = COLUMNS.map((title, c) => Math.max(title.length, ...cells.map(line => (line[c] ?? '').length)))
  const pad = (text: string, c: number): string => {
    const width = widths[c] ?? text.length
    const title = COLUMNS[c] ?? ''
    return RIGHT.has(title) ? text.padStart(width) : text.padEnd(width)
  }
  const paint = (text: string, colour: Colour | undefined): string => color && colour != null ? `${ANSI[colour]}${text}${ANSI.reset}` : text
  const join = (parts: string[]): string => parts.join(GAP).trimEnd()

  const lines = [paint(join(COLUMNS.map((title, c) => pad(title, c))), 'bold')]
  rows.forEach((row, r) => {
    const line = cells[r] ?? []
    lines.push(join(line.map((text, c) => paint(pad(text, c), cellColour(row, COLUMNS[c])))))
  })
  if (rows.length === 0) lines.push('(no nodes)')
  lines.push(formatSummary(summary))
  return lines.join('\n')
}

/** `20 nodes, 18 alive, 15 logged in (83.3% of alive), 3 supernodes` */
export function formatSummary (summary: StatusSummary): string {
  return `${summary.total} nodes, ${summary.alive} alive, ${summary.loggedIn} logged in ` +
    `(${percent(summary.loggedIn, summary.alive)} of alive), ${summary.supernodes} supernode${summary.supernodes === 1 ? '' : 's'}`
}

/** One line for `stampede up`: `[12.5s] alive 20/20  logged in 18/20 (90.0%)  supernodes 3`. */
export function formatProgress (p: ProgressSnapshot): string {
  return `[${formatDuration(p.elapsedMs)}] alive ${p.alive}/${p.total}  ` +
    `logged in ${p.loggedIn}/${p.total} (${percent(p.loggedIn, p.total)})  supernodes ${p.supernodes}`
}

function formatLoad (row: StatusRow): string {
  if (row.load == null) return row.capacity == null ? '-' : `-/${row.capacity}`
  return row.capacity == null ? String(row.load) : `${row.load}/${row.capacity}`
}

function cellColour (row: StatusRow, column: string | undefined): Colour | undefined {
  switch (column) {
    case 'ROLE':
      return row.role === 'supernode' ? 'cyan' : row.role === 'login' ? 'yellow' : row.role === 'offline' ? 'dim' : undefined
    case 'ALIVE':
      return row.alive ? 'green' : 'red'
    case 'LOGGED-IN':
      return row.loggedIn ? 'green' : row.alive ? 'yellow' : 'dim'
    case 'LOAD':
      return row.load != null && row.capacity != null && row.load > row.capacity ? 'red' : undefined
    default:
      return undefined
  }
}

function percent (part: number, whole: number): string {
  return `${whole > 0 ? ((100 * part) / whole).toFixed(1) : '0.0'}%`
}
