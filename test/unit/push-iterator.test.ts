import { describe, expect, it } from 'vitest';
import { createPushIterator } from '../../src/modules/realtime/push-iterator.js';

describe('a subscription’s event queue', () => {
  const make = (maxQueue: number) => {
    let ended = 0;
    const queue = createPushIterator<number>({ maxQueue, overflowError: () => new Error('fell behind'), onEnd: () => (ended += 1) });
    return { iterator: queue.iterator, push: (value: number) => queue.push(value), ended: () => ended };
  };

  it('when the consumer keeps up, then it gets every value in order, including ones pushed while it waits', async () => {
    const { iterator, push } = make(3);
    push(1);
    push(2);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    const waiting = iterator.next();
    push(3);
    expect(await waiting).toEqual({ value: 3, done: false });
  });

  it('when the consumer falls more than maxQueue behind, then the queue is dropped and the next read fails once, then ends', async () => {
    const { iterator, push, ended } = make(3);
    expect([push(1), push(2), push(3)]).toEqual([true, true, true]);
    expect(push(4)).toBe(false); // over the bound: memory stays bounded
    expect(push(5)).toBe(false);
    await expect(iterator.next()).rejects.toThrow('fell behind');
    expect(ended()).toBe(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('when the subscription is returned, then pending reads finish, later pushes are refused and onEnd runs once', async () => {
    const { iterator, push, ended } = make(3);
    const waiting = iterator.next();
    await iterator.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(push(1)).toBe(false);
    await iterator.return!();
    expect(ended()).toBe(1);
  });

  it('when an ephemeral queue overflows, then the oldest values are dropped and the consumer gets the newest', async () => {
    const queue = createPushIterator<number>({
      maxQueue: 3,
      overflow: 'drop-oldest',
      overflowError: () => new Error('unused'),
      onEnd: () => undefined,
    });
    for (let i = 1; i <= 6; i++) expect(queue.push(i)).toBe(true);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await queue.next()).value);
    expect(got).toEqual([4, 5, 6]);
  });

  it('when a consumer takes values directly, then it is told of each push and of the failure, drained() follows its takes, and the iterator reports the failure once empty', async () => {
    const queue = createPushIterator<number>({ maxQueue: 3, overflowError: () => new Error('fell behind'), onEnd: () => undefined });
    let notified = 0;
    queue.attach({ notify: () => (notified += 1) });
    queue.push(1);
    queue.push(2);
    expect([notified, queue.size]).toEqual([2, 2]);
    let drained = false;
    void queue.drained().then(() => (drained = true));
    expect(queue.take()).toBe(1);
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(queue.take()).toBe(2);
    await Promise.resolve();
    expect(drained).toBe(true);
    queue.fail(new Error('removed'));
    expect([notified, queue.finished, queue.size]).toEqual([3, true, 0]);
    queue.detach();
    expect(queue.push(3)).toBe(false);
    await expect(queue.next()).rejects.toThrow('removed');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});
