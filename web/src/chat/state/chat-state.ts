// What the chat knows, and the pure functions that change it. Every event may arrive twice (a
// history page and a live event overlap; an inbox replay after a reconnect), so every update here
// is idempotent: messages merge by seq, read states only move forward, conversations are replaced
// by their newest snapshot.
import type { ConnectionState } from '../api/connection-state';
import type { ChatConversationFieldsFragment, ChatMessageFieldsFragment, ChatUserFieldsFragment } from '../../gql/graphql';

export type ChatMessage = ChatMessageFieldsFragment;
export type ChatUser = ChatUserFieldsFragment;
export type ChatMember = { userId: string; role: string; lastReadSeq: number };

export type ChatConversation = {
  id: string;
  type: 'DIRECT' | 'GROUP';
  title: string | null;
  lastSeq: number;
  lastActivityAt: string;
  memberCount: number;
  lastMessage: ChatMessage | null;
  members: ChatMember[];
};

/** A conversation's loaded history: a contiguous run of seqs ending at the newest, oldest first. */
export type MessageBucket = {
  messages: ChatMessage[];
  /** Cursor of the oldest loaded message, for `messages(before:)`; null before the first page. */
  olderCursor: string | null;
  hasOlder: boolean;
  /** The newest page has been fetched (until then `messages` holds only live arrivals). */
  loaded: boolean;
};

/** A message typed here and not yet confirmed by the server. */
export type OutgoingMessage = {
  clientMessageId: string;
  conversationId: string;
  content: string;
  attachmentIds: string[];
  status: 'pending' | 'failed';
  error?: string;
  createdAt: string;
};

export type ChatState = {
  me: { id: string; username: string };
  users: Record<string, ChatUser>;
  conversations: Record<string, ChatConversation>;
  buckets: Record<string, MessageBucket>;
  outgoing: Record<string, OutgoingMessage[]>;
  /** conversationId -> userId -> when that typing lapses (ms since epoch). */
  typing: Record<string, Record<string, number>>;
  /** The conversation list has been loaded once. */
  ready: boolean;
  /** Why the conversation list could not be loaded (shown until a retry succeeds). */
  syncError: string | null;
  connection: ConnectionState;
};

export function initialChatState(me: { id: string; username: string }): ChatState {
  return {
    me,
    users: {},
    conversations: {},
    buckets: {},
    outgoing: {},
    typing: {},
    ready: false,
    syncError: null,
    connection: 'connecting',
  };
}

const EMPTY_BUCKET: MessageBucket = { messages: [], olderCursor: null, hasOlder: false, loaded: false };

export function mergeUsers(state: ChatState, users: ChatUser[]): ChatState {
  let changed = false;
  const next = { ...state.users };
  for (const user of users) {
    const old = next[user.id];
    if (old && old.username === user.username && old.online === user.online && old.lastSeenAt === user.lastSeenAt) continue;
    next[user.id] = user;
    changed = true;
  }
  return changed ? { ...state, users: next } : state;
}

/** Inserts messages by seq, ignoring seqs already held (a message never changes once stored). */
export function mergeMessages(existing: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const fresh = incoming.filter((message) => !existing.some((held) => held.seq === message.seq));
  if (!fresh.length) return existing;
  const seen = new Set<number>();
  return [...existing, ...fresh].filter((message) => !seen.has(message.seq) && seen.add(message.seq)).sort((a, b) => a.seq - b.seq);
}

/** A conversation as the server sent it (query, mutation, or ConversationUpdated): the newest snapshot wins. */
export function upsertConversation(state: ChatState, conversation: ChatConversationFieldsFragment): ChatState {
  const withUsers = mergeUsers(
    state,
    conversation.members.map((member) => member.user),
  );
  const old = state.conversations[conversation.id];
  const members = conversation.members.map((member) => {
    const held = old?.members.find((m) => m.userId === member.user.id);
    return { userId: member.user.id, role: member.role, lastReadSeq: Math.max(member.lastReadSeq, held?.lastReadSeq ?? 0) };
  });
  // A snapshot older than what live events already told us must not move lastSeq back.
  const newer = !old || conversation.lastSeq >= old.lastSeq;
  const next: ChatConversation = {
    id: conversation.id,
    type: conversation.type,
    title: conversation.title,
    memberCount: conversation.memberCount,
    members,
    lastSeq: newer ? conversation.lastSeq : old.lastSeq,
    lastMessage: newer ? (conversation.lastMessage ?? null) : old.lastMessage,
    lastActivityAt: old && old.lastActivityAt > conversation.lastActivityAt ? old.lastActivityAt : conversation.lastActivityAt,
  };
  let result: ChatState = { ...withUsers, conversations: { ...withUsers.conversations, [conversation.id]: next } };
  if (conversation.lastMessage) result = addMessages(result, conversation.id, [conversation.lastMessage], { live: false });
  return result;
}

export function removeConversation(state: ChatState, conversationId: string): ChatState {
  if (!state.conversations[conversationId]) return state;
  const { [conversationId]: _conversation, ...conversations } = state.conversations;
  const { [conversationId]: _bucket, ...buckets } = state.buckets;
  const { [conversationId]: _outgoing, ...outgoing } = state.outgoing;
  return { ...state, conversations, buckets, outgoing };
}

/**
 * Messages of a conversation, from anywhere. Moves the conversation's lastSeq, last message and
 * activity forward, marks the sender as having read up to each message (the server does), and
 * retires the outgoing copy a message of ours was sent as.
 *
 * Live messages go into the bucket even before its history is loaded; a history page merges with
 * them later. A lastMessage snapshot (live: false) joins a bucket only if it extends what is held
 * without a gap, so a bucket stays a contiguous run.
 */
export function addMessages(state: ChatState, conversationId: string, messages: ChatMessage[], options: { live: boolean }): ChatState {
  if (!messages.length) return state;
  const conversation = state.conversations[conversationId];
  let next = state;
  if (conversation) {
    const newest = messages.reduce((a, b) => (b.seq > a.seq ? b : a));
    const members = conversation.members.map((member) => {
      const own = messages.filter((message) => message.sender.id === member.userId).map((message) => message.seq);
      const read = own.length ? Math.max(...own) : 0;
      return read > member.lastReadSeq ? { ...member, lastReadSeq: read } : member;
    });
    const moved = newest.seq > conversation.lastSeq;
    next = {
      ...next,
      conversations: {
        ...next.conversations,
        [conversationId]: {
          ...conversation,
          members,
          lastSeq: moved ? newest.seq : conversation.lastSeq,
          lastMessage: moved ? newest : conversation.lastMessage,
          lastActivityAt: moved && newest.createdAt > conversation.lastActivityAt ? newest.createdAt : conversation.lastActivityAt,
        },
      },
    };
  }
  const bucket = next.buckets[conversationId] ?? EMPTY_BUCKET;
  const held = bucket.messages;
  const contiguous = options.live || !held.length || messages.every((m) => m.seq <= held[held.length - 1]!.seq + 1);
  if (contiguous) {
    const merged = mergeMessages(held, messages);
    if (merged !== held) next = { ...next, buckets: { ...next.buckets, [conversationId]: { ...bucket, messages: merged } } };
  }
  const mine = new Set(messages.filter((m) => m.sender.id === state.me.id && m.clientMessageId).map((m) => m.clientMessageId));
  const pending = next.outgoing[conversationId];
  if (mine.size && pending?.some((o) => mine.has(o.clientMessageId))) {
    next = { ...next, outgoing: { ...next.outgoing, [conversationId]: pending.filter((o) => !mine.has(o.clientMessageId)) } };
  }
  return next;
}

/** A history page (older or newest): merged by seq; the page's own cursor says what is older. */
export function addHistoryPage(
  state: ChatState,
  conversationId: string,
  page: { messages: ChatMessage[]; startCursor: string | null; hasPreviousPage: boolean },
  which: 'newest' | 'older',
): ChatState {
  const next = addMessages(state, conversationId, page.messages, { live: true });
  const bucket = next.buckets[conversationId] ?? EMPTY_BUCKET;
  const older =
    which === 'older' || !bucket.loaded
      ? { olderCursor: page.startCursor ?? bucket.olderCursor, hasOlder: page.hasPreviousPage }
      : { olderCursor: bucket.olderCursor, hasOlder: bucket.hasOlder };
  return { ...next, buckets: { ...next.buckets, [conversationId]: { ...bucket, ...older, loaded: true } } };
}

export function setReadState(state: ChatState, conversationId: string, userId: string, lastReadSeq: number): ChatState {
  const conversation = state.conversations[conversationId];
  const member = conversation?.members.find((m) => m.userId === userId);
  if (!conversation || !member || member.lastReadSeq >= lastReadSeq) return state;
  const members = conversation.members.map((m) => (m.userId === userId ? { ...m, lastReadSeq } : m));
  return { ...state, conversations: { ...state.conversations, [conversationId]: { ...conversation, members } } };
}

export function setOutgoing(state: ChatState, message: OutgoingMessage): ChatState {
  const list = state.outgoing[message.conversationId] ?? [];
  const held = list.some((o) => o.clientMessageId === message.clientMessageId);
  // Already confirmed (the live event beat the mutation's answer): nothing to show as pending.
  const confirmed = state.buckets[message.conversationId]?.messages.some((m) => m.clientMessageId === message.clientMessageId);
  if (confirmed && !held) return state;
  const next = held ? list.map((o) => (o.clientMessageId === message.clientMessageId ? message : o)) : [...list, message];
  return { ...state, outgoing: { ...state.outgoing, [message.conversationId]: next } };
}

export function setTyping(state: ChatState, conversationId: string, userId: string, until: number | null): ChatState {
  const current = state.typing[conversationId] ?? {};
  if (until === null && !(userId in current)) return state;
  const { [userId]: _old, ...rest } = current;
  const next = until === null ? rest : { ...rest, [userId]: until };
  return { ...state, typing: { ...state.typing, [conversationId]: next } };
}
