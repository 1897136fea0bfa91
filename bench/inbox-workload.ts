// The inbox at scale: one user in many conversations (groups made with createConversation), their
// stream filled by the API (messages sent through the worker), then, measured one call at a time:
// a first page of the conversation list, markRead, and a replay of the whole stream from a cursor.
import { mapLimit } from './async-utils.js';
import { percentile } from './stats.js';
import type { Target } from './target.js';

export type InboxFigures = {
  conversations: number;
  events: number;
  listMs: { p50: number; p99: number };
  markReadMs: { p50: number; p99: number };
  replayPageMs: { p50: number; p99: number };
  replayEventsPerSecond: number;
  serverCpuMicrosPerEvent: number;
};

const CREATE_GROUP = `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { id } }`;
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }`;
const NOW = `query { inbox { endCursor } }`;
const LIST = `query ($first: Int) { conversations(first: $first) { edges { cursor node { id title unreadCount lastActivityAt lastMessage { content sender { username } } } } pageInfo { hasNextPage endCursor } } }`;
const MARK_READ = `mutation ($conversationId: ID!, $seq: Int!) { markRead(conversationId: $conversationId, seq: $seq) { lastReadSeq } }`;
const REPLAY = `query ($after: String) { inbox(after: $after, first: 500) { events { __typename cursor conversationId ... on MessageAdded { message { seq content sender { id } } } ... on ReadStateChanged { userId lastReadSeq } } endCursor hasMore } }`;

export async function measureInbox(
  target: Target,
  { conversations, messagesPerConversation, samples }: { conversations: number; messagesPerConversation: number; samples: number },
  progress: (line: string) => void,
): Promise<InboxFigures> {
  const call = target.graphql;
  if (!call) throw new Error(`${target.name} has no GraphQL endpoint`);
  const [reader, writer] = await target.createUsers(2);
  progress(`inbox: ${conversations} groups of the reader and one writer…`);
  const groups = await mapLimit(
    Array.from({ length: conversations }, (_, i) => i),
    8,
    async (i) =>
      (
        await call<{ createConversation: { id: string } }>(
          CREATE_GROUP,
          { input: { title: `g${i}`, memberIds: [reader!.id] } },
          writer!.token,
        )
      ).createConversation.id,
  );
  const start = (await call<{ inbox: { endCursor: string } }>(NOW, {}, reader!.token)).inbox.endCursor;
  progress(`inbox: ${conversations * messagesPerConversation} messages through the API…`);
  await mapLimit(
    Array.from({ length: conversations * messagesPerConversation }, (_, i) => i),
    50,
    (i) => call(SEND, { input: { conversationId: groups[i % conversations], content: `inbox bench ${i}` } }, writer!.token),
  );

  const timed = async (fn: () => Promise<unknown>) => {
    const at = performance.now();
    await fn();
    return performance.now() - at;
  };
  const summary = (values: number[]) => {
    const sorted = Float64Array.from(values).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };

  progress(`inbox: ${samples} conversation pages, ${samples} markRead calls, then the replay…`);
  const list: number[] = [];
  for (let i = 0; i < samples; i++) list.push(await timed(() => call(LIST, { first: 20 }, reader!.token)));
  const marks: number[] = [];
  for (let i = 0; i < samples; i++) {
    const seq = 1 + Math.floor(i / conversations);
    marks.push(await timed(() => call(MARK_READ, { conversationId: groups[i % conversations], seq }, reader!.token)));
  }

  const pages: number[] = [];
  let events = 0;
  let after = start;
  const cpuAtStart = target.cpuSeconds();
  const replayStarted = performance.now();
  for (;;) {
    let page!: { events: unknown[]; endCursor: string; hasMore: boolean };
    pages.push(await timed(async () => (page = (await call<{ inbox: typeof page }>(REPLAY, { after }, reader!.token)).inbox)));
    events += page.events.length;
    after = page.endCursor;
    if (!page.hasMore) break;
  }
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  return {
    conversations,
    events,
    listMs: summary(list),
    markReadMs: summary(marks),
    replayPageMs: summary(pages),
    replayEventsPerSecond: events / replaySeconds,
    serverCpuMicrosPerEvent: ((target.cpuSeconds() - cpuAtStart) * 1e6) / events,
  };
}

export function inboxTable(levels: readonly { stored: number; figures: InboxFigures }[]): string {
  const header = [
    'stored messages',
    'conversations p50/p99 ms',
    'markRead p50/p99 ms',
    'replay page p50/p99 ms',
    'replay events/s',
    'server CPU/event µs',
    'events',
  ];
  const pair = (p: { p50: number; p99: number }) => `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)}`;
  const rows = levels.map(({ stored, figures: f }) => [
    stored.toLocaleString('en'),
    pair(f.listMs),
    pair(f.markReadMs),
    pair(f.replayPageMs),
    Math.round(f.replayEventsPerSecond).toLocaleString('en'),
    f.serverCpuMicrosPerEvent.toFixed(1),
    f.events.toLocaleString('en'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  const conversations = levels[0]?.figures.conversations ?? 0;
  return [
    `\n== inbox: one user in ${conversations.toLocaleString('en')} groups; conversations(first: 20), markRead, and a replay of the stream (pages of 500) ==`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '  one call at a time over HTTP, after the stream was filled through the API (createConversation, sendMessage)',
  ].join('\n');
}
