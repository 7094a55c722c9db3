/**
 * A file of a run directory is missing, unreadable or not in the expected shape. `file`
 * is the path of the offending file, and the message names it too.
 */
export class RunDataError extends Error {
  override name = 'RunDataError'
  readonly file: string

  constructor (file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options)
    this.file = file
  }
}
