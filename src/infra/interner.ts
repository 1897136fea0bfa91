import { LRUCache } from 'lru-cache';

/**
 * Equal strings kept by many long-lived objects (a query text per subscription, an address or an
 * origin per socket) share one copy: the first seen is handed back for the next ones. Bounded: an
 * LRU of `max` strings.
 */
export function createInterner(max: number): (text: string) => string {
  const known = new LRUCache<string, string>({ max });
  return (text) => {
    const first = known.get(text);
    if (first !== undefined) return first;
    known.set(text, text);
    return text;
  };
}
