import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/infra/ids.js';

describe('ids', () => {
  it('when many ids are made in a row (across pool refills and within one millisecond), then each is a valid UUIDv7, unique and increasing', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(ids.every((id) => validate(id) && version(id) === 7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || ids[i - 1]! < id)).toBe(true);
    // The time prefix is now's.
    const msecs = parseInt(ids.at(-1)!.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(msecs - Date.now())).toBeLessThan(5000);
  });
});
