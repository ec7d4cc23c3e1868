/** The ceilings of a BoundedCache: entries, and approximate bytes as `sizeOf` counts them. */
export interface CacheBounds<V> {
  maxEntries: number;
  maxBytes?: number;
  sizeOf?: (value: V) => number;
}

/**
 * A map with a fixed memory ceiling: past its entry or byte budget, the least recently used entries go first. The
 * most recent entry always stays, even alone over the budget (whoever asked for it is using it).
 */
export class BoundedCache<K, V> {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private totalBytes = 0;

  constructor(private readonly bounds: CacheBounds<V>) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value without counting it as a use. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.bounds.sizeOf?.(value) ?? 0;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    const maxBytes = this.bounds.maxBytes ?? Number.POSITIVE_INFINITY;
    while (this.entries.size > 1 && (this.entries.size > this.bounds.maxEntries || this.totalBytes > maxBytes)) {
      this.delete(this.entries.keys().next().value as K);
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  *values(): IterableIterator<V> {
    for (const entry of this.entries.values()) yield entry.value;
  }
}
