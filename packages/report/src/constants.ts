/** File names inside a run directory, as the testnet recorder writes them. */
export const RUN_FILE = 'run.json'
export const TIMESERIES_FILE = 'timeseries.csv'
export const EVENTS_FILE = 'events.jsonl'
export const SUMMARY_FILE = 'summary.json'

/** What `writeReport` and `writeComparison` write. */
export const REPORT_FILE = 'report.html'
export const COMPARISON_FILE = 'comparison.html'
export const FIGURE_FILE = 'figure.svg'

/** The non-numeric column of `timeseries.csv`: the label of the scenario step. */
export const PHASE_COLUMN = 'phase'
/** The time column of `timeseries.csv`, in seconds since the run started. */
export const TIME_COLUMN = 't'

/** Event types with a meaning for the charts. */
export const TRIGGER_EVENT = 'trigger'
export const RESTART_END_EVENT = 'restart-end'

/**
 * How many seconds before the trigger count as "steady state" when the pre-trigger
 * logged-in share is taken from the timeseries (the mean over that window).
 */
export const DEFAULT_PRE_TRIGGER_WINDOW_SECONDS = 30

/** The recovery goal drawn on the logged-in figure: this share of the pre-trigger level. */
export const RECOVERY_GOAL_FRACTION = 0.95

/** Default size of the standalone SVG figure, in CSS pixels. */
export const DEFAULT_FIGURE_WIDTH = 800
export const DEFAULT_FIGURE_HEIGHT = 420

/** Line colours by policy; runs of any other policy take the palette in order. */
export const POLICY_COLOURS: Readonly<Record<string, string>> = {
  legacy: '#d62728',
  adaptive: '#1f77b4'
}
export const RUN_PALETTE: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
/** Dash patterns telling runs apart where colour already tells metrics apart. */
export const RUN_DASHES: ReadonlyArray<readonly number[]> = [[], [8, 4], [2, 3], [10, 3, 2, 3]]

export const TRIGGER_COLOUR = '#444444'
