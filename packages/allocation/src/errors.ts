/**
 * A value given to a factory or constructor of this package is out of range: a negative
 * rate, a burst below one, a factor below one, a maximum below its base, and so on.
 * `field` names the offending init field.
 */
export class InvalidAllocationConfigError extends Error {
  override name = 'InvalidAllocationConfigError'
  readonly field: string

  constructor (field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/** Throws unless `value` is a finite number no smaller than `min`. */
export function checkFinite (field: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidAllocationConfigError(field, `expected a finite number >= ${min}, got ${String(value)}`)
  }
}

/** Throws unless `value` is an integer no smaller than `min`. */
export function checkInteger (field: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidAllocationConfigError(field, `expected an integer >= ${min}, got ${String(value)}`)
  }
}

/** True for a finite number that is zero or more: the only numbers a decision trusts. */
export function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}
