import { UsageError } from './errors.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/

/**
 * Parses a duration such as `250ms`, `10s`, `1.5s`, `2m` or `1h` into whole milliseconds
 * (rounded). A bare number means milliseconds. Negative, empty or malformed text, and
 * values beyond `Number.MAX_SAFE_INTEGER` ms, throw a `UsageError` naming `field`.
 */
export function parseDuration (text: string, field: string): number {
  const match = DURATION.exec(text.trim())
  if (match == null) {
    throw new UsageError(`${field}: invalid duration '${text}' (expected a number of milliseconds or e.g. 250ms, 10s, 1.5s, 2m, 1h)`, field)
  }
  const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1))
  if (!Number.isSafeInteger(ms)) {
    throw new UsageError(`${field}: duration '${text}' is too long`, field)
  }
  return ms
}

/** Short human text for a duration: `250ms`, `1.5s`, `2m05s`, `1h02m`. */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 0) return `-${formatDuration(-ms)}`
  const whole = Math.round(ms)
  if (whole < 1000) return `${whole}ms`
  if (whole < 60_000) {
    const tenths = Math.round(whole / 100)
    return tenths % 10 === 0 ? `${tenths / 10}s` : `${(tenths / 10).toFixed(1)}s`
  }
  const seconds = Math.round(whole / 1000)
  if (seconds < 3600) {
    const s = seconds % 60
    return s === 0 ? `${seconds / 60}m` : `${Math.floor(seconds / 60)}m${pad2(s)}s`
  }
  const minutes = Math.round(seconds / 60)
  const m = minutes % 60
  return m === 0 ? `${minutes / 60}h` : `${Math.floor(minutes / 60)}h${pad2(m)}m`
}

function pad2 (n: number): string {
  return String(n).padStart(2, '0')
}
