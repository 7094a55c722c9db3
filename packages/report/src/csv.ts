/**
 * Splits CSV text into rows of cells (RFC 4180: quoted cells may hold commas, quotes
 * doubled, and line breaks; CRLF or LF line ends). Blank lines are dropped. Returns
 * `undefined` when a quoted cell is never closed.
 */
export function parseCsv (text: string): string[][] | undefined {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  let i = 0

  const endRow = (): void => {
    row.push(cell)
    cell = ''
    if (row.length > 1 || (row[0] ?? '') !== '') {
      rows.push(row)
    }
    row = []
  }

  while (i < text.length) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i += 2
          continue
        }
        quoted = false
      } else {
        cell += ch
      }
      i++
      continue
    }
    if (ch === '"' && cell === '') {
      quoted = true
    } else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n') {
      endRow()
    } else if (ch === '\r') {
      if (text[i + 1] !== '\n') {
        endRow()
      }
    } else {
      cell += ch
    }
    i++
  }
  if (quoted) {
    return undefined
  }
  if (cell !== '' || row.length > 0) {
    endRow()
  }
  return rows
}

/** A numeric cell: a finite number, or null for an empty, non-numeric or non-finite cell. */
export function parseNumericCell (cell: string | undefined): number | null {
  if (cell == null) {
    return null
  }
  const trimmed = cell.trim()
  if (trimmed === '') {
    return null
  }
  const value = Number(trimmed)
  return Number.isFinite(value) ? value : null
}
