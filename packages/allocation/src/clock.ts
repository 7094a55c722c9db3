/** A source of time in milliseconds. Policies read time only through a `Clock`. */
export interface Clock {
  now(): number
}

/** A clock a test moves by hand. */
export type ManualClock = Clock & {
  /** Moves the clock forward by `ms` (zero or more). */
  advance(ms: number): void
  /** Sets the clock to `ms`, forward or backward, to simulate a clock that jumps. */
  set(ms: number): void
}

/** Wall-clock time, `Date.now()`. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now()
})

function checkTime (name: string, ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new RangeError(`${name} must be a finite number of milliseconds, got ${String(ms)}`)
  }
}

/** A clock that stands still until it is moved: fake time for tests, no sleeps. */
export function manualClock (startMs = 0): ManualClock {
  checkTime('startMs', startMs)
  let nowMs = startMs

  return {
    now: () => nowMs,
    advance: (ms: number) => {
      checkTime('ms', ms)
      if (ms < 0) {
        throw new RangeError(`advance() cannot move the clock backward (${ms} ms), use set()`)
      }
      nowMs += ms
    },
    set: (ms: number) => {
      checkTime('ms', ms)
      nowMs = ms
    }
  }
}
