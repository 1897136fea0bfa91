// Typing as it travels between instances: ephemeral (never stored), addressed to the members who
// should see it, carrying the typist's public fields so that delivery costs no query.
import type { MessageSender } from '../messages/message-event.js';

export type TypingLiveEvent = {
  kind: 'typing';
  conversationId: string;
  user: MessageSender;
  typing: boolean;
  /** Epoch ms when a `typing: true` lapses by itself; null with `typing: false`. */
  expiresAt: number | null;
  recipients: string[];
};

export const encodeTyping = (event: TypingLiveEvent): string => JSON.stringify(event);

export function decodeTyping(payload: string): TypingLiveEvent {
  const raw = JSON.parse(payload) as TypingLiveEvent;
  if (raw.kind !== 'typing' || !Array.isArray(raw.recipients)) throw new Error('not a typing event');
  raw.user.createdAt = new Date(raw.user.createdAt);
  return raw;
}
