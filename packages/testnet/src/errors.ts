/**
 * A command-line argument is missing, unknown or malformed. The CLI prints the message
 * and exits with status 2 (the conventional "usage" status).
 */
export class UsageError extends Error {
  override name = 'UsageError'
  /** The process exit status the CLI uses for this error. */
  readonly exitCode = 2
  /** The option or argument at fault, for example `--nodes` or `selector`, when known. */
  readonly option?: string

  constructor (message: string, option?: string) {
    super(message)
    if (option != null) {
      this.option = option
    }
  }
}

/** Where in a config file a problem was found. Lines and columns count from 1. */
export interface ConfigLocation {
  file?: string
  line?: number
  column?: number
}

/**
 * A testnet config is unreadable, not valid YAML, or has a value that is out of range.
 * The message reads `file:line:col: field: problem`; parts that are unknown are left out
 * (`field` is empty for problems with the file as a whole, such as a YAML syntax error).
 * When a file has several problems, the first (in file order) fills the fields and the
 * rest are listed in `others` and appended to the message, one per line.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly file?: string
  readonly line?: number
  readonly column?: number
  /** Dotted path of the offending field, for example `profiles[1].share`. */
  readonly field: string
  /** The problem alone, without location or field. */
  readonly problem: string
  readonly others: readonly ConfigError[]

  constructor (field: string, problem: string, location: ConfigLocation = {}, others: readonly ConfigError[] = []) {
    super([formatConfigProblem(field, problem, location), ...others.map(o => o.message)].join('\n'))
    this.field = field
    this.problem = problem
    this.others = others
    if (location.file != null) this.file = location.file
    if (location.line != null) this.line = location.line
    if (location.column != null) this.column = location.column
  }
}

function formatConfigProblem (field: string, problem: string, location: ConfigLocation): string {
  let where = location.file ?? ''
  if (location.line != null) {
    where += `${where === '' ? '' : ':'}${location.line}`
    if (location.column != null) where += `:${location.column}`
  }
  return [where, field, problem].filter(part => part !== '').join(': ')
}
