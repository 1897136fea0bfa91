import { AppError } from '../../errors.js';
import type { Metrics } from '../../infra/metrics.js';
import type { LiveEvent } from '../events/live-event.js';
import { fellBehind } from '../realtime/fell-behind.js';
import { createPushIterator, type PushIterator } from '../realtime/push-iterator.js';
import type { FeedListener, UserFeeds } from '../realtime/user-feeds.js';
import type { CommittedMessage } from './message-event.js';

const FELL_BEHIND = 'Subscribe again, then fetch the messages after the last seq you have.';

type MessageDeps = { feeds: UserFeeds<LiveEvent>; metrics: Metrics; maxQueue?: number };

/**
 * Messages for `userId` (of one conversation, or all) stored from now on, as they reach this
 * instance's feed. Bounded: a subscriber more than `maxQueue` messages behind is stopped with an
 * error telling it how to catch up. With a conversation given, removal from it ends the
 * subscription with FORBIDDEN, as any later read would.
 */
export function subscribeToMessages(
  deps: MessageDeps,
  userId: string,
  conversationId: string | null,
): AsyncIterableIterator<CommittedMessage> {
  return new MessageListener(deps, userId, conversationId).queue;
}

/** One per subscription, for as long as it lives: a class, so that it is one small object rather than closures. */
class MessageListener implements FeedListener<LiveEvent> {
  readonly queue: PushIterator<CommittedMessage>;

  constructor(
    private readonly deps: MessageDeps,
    private readonly userId: string,
    private readonly conversationId: string | null,
  ) {
    this.queue = createPushIterator<CommittedMessage>({
      maxQueue: deps.maxQueue ?? 1000,
      overflowError: fellBehind(deps.metrics, FELL_BEHIND),
    });
    this.queue.whenEnded(this);
    deps.feeds.listen(userId, this);
  }

  onEvent(event: LiveEvent): void {
    const { conversationId } = this;
    if (event.kind === 'typing' || (conversationId !== null && event.conversationId !== conversationId)) return;
    if (event.kind === 'message') {
      if (this.queue.push(event.message)) this.deps.metrics.messagesDelivered.inc();
    } else if (conversationId !== null && event.kind === 'conversation' && event.removed.includes(this.userId)) {
      this.queue.fail(new AppError('FORBIDDEN', 'You are no longer a member of this conversation.'));
    }
  }

  /** The subscription ended: no more events for it. */
  stop(): void {
    this.deps.feeds.unlisten(this.userId, this);
  }
}
