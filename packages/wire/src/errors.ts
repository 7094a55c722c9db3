/** A frame could not be decoded: truncated, wrong wire type or an unknown enum value. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
}

/** A frame decoded but a value is missing, negative, absurd or out of range. */
export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError'
  readonly field: string

  constructor (field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}
