import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from './atomic-file.js'
import {
  DEFAULT_HOST_CACHE_MAX_FAILURES, DEFAULT_HOST_CACHE_SAVE_DELAY_MS, DEFAULT_HOST_CACHE_SIZE
} from './constants.js'
import type { Clock } from '@stampede/allocation'

/** One supernode a client knows of. */
export interface HostCacheEntry {
  /** PeerId, base58 */
  id: string
  /** multiaddrs as strings */
  addrs: string[]
  /** last time this supernode was confirmed alive (referral, attach, heartbeat) */
  lastSeenMs: number
  /** consecutive failures to attach since it was last seen */
  failures: number
  lastFailureMs: number
}

export interface HostCacheInit {
  /** where the cache lives on disk; no persistence when omitted */
  path?: string
  /** @default 200 */
  maxEntries?: number
  /** consecutive failures after which an entry is forgotten; @default 3 */
  maxFailures?: number
  /** writes are coalesced to at most one per this many ms; @default 500 */
  saveDelayMs?: number
  clock: Clock
  /** told about a cache file that could not be read and was started afresh */
  onCorrupt?(reason: string): void
  onSaveError?(err: Error): void
}

const MAX_ADDRS_PER_ENTRY = 8
const MAX_ADDR_LENGTH = 256

function isEntry (value: unknown): value is HostCacheEntry {
  if (value == null || typeof value !== 'object') return false
  const e = value as Record<string, unknown>
  return typeof e.id === 'string' && e.id.length > 0 && e.id.length < 128 &&
    Array.isArray(e.addrs) && e.addrs.length <= MAX_ADDRS_PER_ENTRY &&
    e.addrs.every(a => typeof a === 'string' && a.length > 0 && a.length <= MAX_ADDR_LENGTH) &&
    Number.isFinite(e.lastSeenMs) && (e.lastSeenMs as number) >= 0 &&
    Number.isInteger(e.failures) && (e.failures as number) >= 0 &&
    Number.isFinite(e.lastFailureMs) && (e.lastFailureMs as number) >= 0
}

/**
 * The bounded list of supernodes a client knows, written to the node's data directory
 * so that it survives a restart (and so may hold supernodes that are gone by then).
 * Writes are atomic (never torn), coalesced and not fsynced; a cache file that cannot be
 * parsed is replaced.
 */
export class HostCache {
  private readonly entries = new Map<string, HostCacheEntry>()
  private readonly init: Required<Omit<HostCacheInit, 'path' | 'onCorrupt' | 'onSaveError'>> & Pick<HostCacheInit, 'path' | 'onCorrupt' | 'onSaveError'>
  private saveTimer: ReturnType<typeof setTimeout> | undefined
  private saving: Promise<void> = Promise.resolve()
  private dirty = false

  constructor (init: HostCacheInit) {
    this.init = {
      maxEntries: DEFAULT_HOST_CACHE_SIZE,
      maxFailures: DEFAULT_HOST_CACHE_MAX_FAILURES,
      saveDelayMs: DEFAULT_HOST_CACHE_SAVE_DELAY_MS,
      ...init
    }
  }

  get size (): number {
    return this.entries.size
  }

  /** Read the cache from disk; a missing file is an empty cache. */
  async load (): Promise<void> {
    if (this.init.path == null) return
    let text: string
    try {
      text = await readFile(this.init.path, 'utf8')
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      this.init.onCorrupt?.(`unreadable: ${(err as Error).message}`)
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err: unknown) {
      this.init.onCorrupt?.(`not JSON: ${(err as Error).message}`)
      return
    }
    const list = (parsed as { entries?: unknown })?.entries
    if (!Array.isArray(list)) {
      this.init.onCorrupt?.('no entries array')
      return
    }
    let rejected = 0
    for (const item of list.slice(0, this.init.maxEntries)) {
      if (isEntry(item)) {
        this.entries.set(item.id, { ...item, addrs: [...item.addrs] })
      } else {
        rejected++
      }
    }
    if (rejected > 0) this.init.onCorrupt?.(`${rejected} invalid entries dropped`)
  }

  /** A supernode was seen alive: add or refresh it, evicting the stalest entry if full. */
  seen (id: string, addrs: string[]): void {
    const now = this.init.clock.now()
    const kept = addrs.filter(a => a.length <= MAX_ADDR_LENGTH).slice(0, MAX_ADDRS_PER_ENTRY)
    const existing = this.entries.get(id)
    if (existing != null) {
      existing.lastSeenMs = now
      existing.failures = 0
      if (kept.length > 0) existing.addrs = kept
    } else {
      if (kept.length === 0) return
      if (this.entries.size >= this.init.maxEntries) this.evictStalest()
      this.entries.set(id, { id, addrs: kept, lastSeenMs: now, failures: 0, lastFailureMs: 0 })
    }
    this.scheduleSave()
  }

  /** An attempt to reach the supernode failed; forget it after `maxFailures` in a row. */
  failed (id: string): void {
    const entry = this.entries.get(id)
    if (entry == null) return
    entry.failures++
    entry.lastFailureMs = this.init.clock.now()
    if (entry.failures >= this.init.maxFailures) this.entries.delete(id)
    this.scheduleSave()
  }

  remove (id: string): void {
    if (this.entries.delete(id)) this.scheduleSave()
  }

  get (id: string): HostCacheEntry | undefined {
    const e = this.entries.get(id)
    return e == null ? undefined : { ...e, addrs: [...e.addrs] }
  }

  /** Entries in the order a client tries them: fewest recent failures, then most recently seen. */
  ordered (): HostCacheEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.failures - b.failures) || (b.lastSeenMs - a.lastSeenMs) || (a.id < b.id ? -1 : 1))
      .map(e => ({ ...e, addrs: [...e.addrs] }))
  }

  /** Write now if anything changed, and wait for it. */
  async flush (): Promise<void> {
    if (this.saveTimer != null) {
      clearTimeout(this.saveTimer)
      this.saveTimer = undefined
    }
    if (this.dirty) await this.save()
    await this.saving
  }

  /** Stop scheduled writes without writing. */
  close (): void {
    if (this.saveTimer != null) clearTimeout(this.saveTimer)
    this.saveTimer = undefined
  }

  private evictStalest (): void {
    let victim: HostCacheEntry | undefined
    for (const e of this.entries.values()) {
      if (victim == null || e.failures > victim.failures || (e.failures === victim.failures && e.lastSeenMs < victim.lastSeenMs)) {
        victim = e
      }
    }
    if (victim != null) this.entries.delete(victim.id)
  }

  private scheduleSave (): void {
    if (this.init.path == null) return
    this.dirty = true
    if (this.saveTimer != null) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      void this.save()
    }, this.init.saveDelayMs)
    this.saveTimer.unref?.()
  }

  private async save (): Promise<void> {
    const path = this.init.path
    if (path == null) return
    this.dirty = false
    const text = JSON.stringify({ version: 1, entries: [...this.entries.values()] })
    this.saving = this.saving.then(async () => {
      // a cache, written whole but not fsynced: the process crashes a testnet injects leave
      // it in the page cache; a machine crash may cost its latest entries, or the file
      // (read back as corrupt and started afresh). Two fsyncs were 0.4 ms of CPU a save, and
      // a storm saves every peer's cache once or twice
      await writeFileAtomic(path, text, 0o600, { durable: false })
    }).catch((err: unknown) => {
      this.init.onSaveError?.(err as Error)
    })
    await this.saving
  }
}
