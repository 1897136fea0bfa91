import { AppError } from '../../errors.js';
import type { Metrics } from '../../infra/metrics.js';
import type { LiveEvent } from '../events/live-event.js';
import { fellBehind } from '../realtime/fell-behind.js';
import { createPushIterator } from '../realtime/push-iterator.js';
import type { UserFeeds } from '../realtime/user-feeds.js';
import type { CommittedMessage } from './message-event.js';

const FELL_BEHIND = 'Subscribe again, then fetch the messages after the last seq you have.';

/**
 * Messages for `userId` (of one conversation, or all) stored from now on, as they reach this
 * instance's feed. Bounded: a subscriber more than `maxQueue` messages behind is stopped with an
 * error telling it how to catch up. With a conversation given, removal from it ends the
 * subscription with FORBIDDEN, as any later read would.
 */
export function subscribeToMessages(
  { feeds, metrics, maxQueue = 1000 }: { feeds: UserFeeds<LiveEvent>; metrics: Metrics; maxQueue?: number },
  userId: string,
  conversationId: string | null,
): AsyncIterableIterator<CommittedMessage> {
  const queue = createPushIterator<CommittedMessage>({ maxQueue, overflowError: fellBehind(metrics, FELL_BEHIND) });
  queue.whenEnded(
    feeds.listen(userId, (event) => {
      if (event.kind === 'typing' || (conversationId !== null && event.conversationId !== conversationId)) return;
      if (event.kind === 'message') {
        if (queue.push(event.message)) metrics.messagesDelivered.inc();
      } else if (conversationId !== null && event.kind === 'conversation' && event.removed.includes(userId)) {
        queue.fail(new AppError('FORBIDDEN', 'You are no longer a member of this conversation.'));
      }
    }),
  );
  return queue;
}
