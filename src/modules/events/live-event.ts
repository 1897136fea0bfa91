import type { TypingLiveEvent } from '../typing/typing-event.js';
import type { CommittedEvent } from './committed-events.js';

/** Everything that reaches a user's feed: durable events (with a position) and ephemeral ones. */
export type LiveEvent = CommittedEvent | TypingLiveEvent;

export const isCommitted = (event: LiveEvent): event is CommittedEvent => 'pos' in event;
