import { BoundedCache } from './bounded-cache.js';

describe(BoundedCache.name, () => {
  it('should drop the least recently used entries past the entry limit', () => {
    const cache = new BoundedCache<string, number>({ maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.peek('b')).toBeUndefined();
    expect([cache.peek('a'), cache.peek('c')]).toEqual([1, 3]);
    expect(cache.size).toBe(2);
  });

  it('should keep the bytes it holds under the budget, counting replacements once', () => {
    const cache = new BoundedCache<string, string>({ maxEntries: 100, maxBytes: 10, sizeOf: (value) => value.length });
    cache.set('a', 'xxxx');
    cache.set('b', 'yyyy');
    cache.set('a', 'zzzz'); // replaces a, which becomes the most recent
    expect(cache.bytes).toBe(8);
    cache.set('c', 'wwww');
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.bytes).toBe(8);
    expect([...cache.values()]).toEqual(['zzzz', 'wwww']);
  });

  it('should keep the newest entry even when it alone is over the budget', () => {
    const cache = new BoundedCache<string, string>({ maxEntries: 10, maxBytes: 3, sizeOf: (value) => value.length });
    cache.set('a', 'x');
    cache.set('big', 'yyyyyy');
    expect(cache.size).toBe(1);
    expect(cache.peek('big')).toBe('yyyyyy');
    cache.delete('big');
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });
});
