/** Small statistics and number formatting for the benchmark table. */

export function median (xs) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Nearest-rank percentile, p in (0, 100]. */
export function percentile (xs, p) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const sum = (xs) => xs.reduce((a, b) => a + b, 0)
export const mean = (xs) => xs.length === 0 ? NaN : sum(xs) / xs.length

/** Seconds with adaptive precision: 0.412 s, 3.41 s, 27.3 s. */
export function secs (ms) {
  if (!Number.isFinite(ms)) return 'n/a'
  const s = ms / 1000
  return `${s < 1 ? s.toFixed(3) : s < 10 ? s.toFixed(2) : s.toFixed(1)} s`
}

export function mb (kb) {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : 'n/a'
}

export function pct (x, digits = 2) {
  return Number.isFinite(x) ? `${x.toFixed(digits)} %` : 'n/a'
}

/** min-max range of millisecond samples, e.g. "0.40-0.52 s". */
export function range (msList) {
  if (msList.length === 0) return 'n/a'
  const lo = Math.min(...msList)
  const hi = Math.max(...msList)
  return `${(lo / 1000).toFixed(2)}-${(hi / 1000).toFixed(2)} s`
}
