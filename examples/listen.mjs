// Prints every message a user receives live, as a device would.
//   node examples/listen.mjs <accessToken> [conversationId]
// CHAT_WS_URL overrides the endpoint (default ws://localhost:8080/graphql).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [token, conversationId] = process.argv.slice(2);
if (!token) {
  console.error('usage: node examples/listen.mjs <accessToken> [conversationId]');
  process.exit(2);
}

const client = createClient({
  url: process.env.CHAT_WS_URL ?? 'ws://localhost:8080/graphql',
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  on: {
    connected: () => console.error('connected; waiting for messages (Ctrl-C to stop)'),
    closed: (event) => console.error(`closed: ${event.code} ${event.reason}`),
  },
  retryAttempts: 0,
});

client.subscribe(
  {
    query: `subscription($c: ID) { messageReceived(conversationId: $c) { id conversationId seq content createdAt sender { username } } }`,
    variables: { c: conversationId ?? null },
  },
  {
    next: (result) => console.log(JSON.stringify(result.errors ?? result.data.messageReceived)),
    error: (error) => {
      console.error('subscription failed:', error);
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
