// The PresenceStore contract (src/modules/presence/presence-store.ts), run against both engines with
// a clock the test moves.
import { beforeEach, describe, expect, it } from 'vitest';
import type { PresenceStore } from '../../src/modules/presence/presence-store.js';

export type PresenceUnderTest = { store: PresenceStore; clock: { now: number }; cleanup(): Promise<void> };

export function presenceContract(name: string, make: () => Promise<PresenceUnderTest>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let subject: PresenceUnderTest;
    let store: PresenceStore;
    beforeEach(async () => {
      subject = await make();
      store = subject.store;
      return () => subject.cleanup();
    });
    const state = async (userId: string) => (await store.states([userId])).get(userId);

    it('when a user connects on two instances, then they come online once, and go offline only when the last lets go', async () => {
      expect(await state('u')).toEqual({ online: false, lastSeenAt: null });
      expect(await store.connect('a', 'u', 30_000)).toBe(true);
      expect(await store.connect('b', 'u', 30_000)).toBe(false);
      expect(await store.disconnect('a', 'u')).toBeUndefined();
      expect(await state('u')).toEqual({ online: true, lastSeenAt: null });
      subject.clock.now += 1000;
      expect(await store.disconnect('b', 'u')).toEqual({ userId: 'u', lastSeenAt: subject.clock.now });
      expect(await state('u')).toEqual({ online: false, lastSeenAt: subject.clock.now });
      expect(await store.disconnect('b', 'u')).toBeUndefined(); // twice: nothing more
    });

    it('when an instance stops renewing, then its leases lapse: the user reads offline, and one sweep reports it once', async () => {
      await store.connect('dead', 'u', 1000);
      await store.connect('alive', 'v', 1000);
      subject.clock.now += 600;
      await store.renew('alive', ['v'], 1000);
      subject.clock.now += 600; // dead's lease ended 200 ms ago; alive's runs 400 ms more
      expect(await state('u')).toEqual({ online: false, lastSeenAt: null });
      expect(await state('v')).toMatchObject({ online: true });
      const expiredAt = subject.clock.now - 200;
      expect(await store.sweep(100)).toEqual([{ userId: 'u', lastSeenAt: expiredAt }]);
      expect(await store.sweep(100)).toEqual([]);
      expect(await state('u')).toEqual({ online: false, lastSeenAt: expiredAt });
    });

    it('when an instance stalled past its lease and a sweep let its users go, then its next heartbeat holds them again', async () => {
      await store.connect('stalled', 'u', 1000);
      subject.clock.now += 1500;
      expect(await store.sweep(100)).toEqual([{ userId: 'u', lastSeenAt: subject.clock.now - 500 }]);
      await store.renew('stalled', ['u'], 1000);
      expect(await state('u')).toMatchObject({ online: true });
      subject.clock.now += 500;
      expect(await store.sweep(100)).toEqual([]);
      expect(await store.disconnect('stalled', 'u')).toEqual({ userId: 'u', lastSeenAt: subject.clock.now });
    });

    it('when a lapsed lease is renewed before the sweep, then the sweep leaves it', async () => {
      await store.connect('slow', 'u', 1000);
      subject.clock.now += 1500;
      await store.renew('slow', ['u'], 1000);
      expect(await store.sweep(100)).toEqual([]);
      expect(await state('u')).toMatchObject({ online: true });
    });
  });
}
