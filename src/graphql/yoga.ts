import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { IncomingMessage } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { clientAddress, requestOrigin } from '../http/client-address.js';
import { AppError } from '../errors.js';
import { SIGNED_OUT_REASON } from '../modules/auth/socket-sessions.js';
import type { Db } from '../infra/db/prisma.js';
import { bearerToken } from '../modules/auth/tokens.js';
import type { GraphQLContext, Services } from './context.js';
import { maskError } from './errors.js';
import { GRAPHIQL_DEFAULT_QUERY } from './graphiql-default-query.js';
import { introspectionPlugin } from './introspection-rules.js';
import { schema } from './schema.js';
import type { SocketExtra } from './ws-server.js';

export const GRAPHQL_PATH = '/graphql';

/** Yoga for HTTP (and, through its envelop, for graphql-ws): schema, limits, masking, GraphiQL, context. */
export function createGraphQLServer(services: Services, db: Db) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    logging: services.logger.child({ component: 'yoga' }),
    maskedErrors: { maskError },
    // SSE in GraphiQL: it sends the Headers tab (Authorization) with subscriptions too; apps use graphql-ws.
    // GraphiQL needs introspection: both are off by default in production (GRAPHQL_INTROSPECTION).
    graphiql: services.config.introspection
      ? { title: 'Chat API', subscriptionsProtocol: 'SSE', defaultQuery: GRAPHIQL_DEFAULT_QUERY }
      : false,
    renderGraphiQL,
    landingPage: false,
    plugins: [
      introspectionPlugin({ enabled: services.config.introspection }),
      EnvelopArmorPlugin({
        blockFieldSuggestion: { enabled: services.config.env === 'production' },
        // Fragments count for what they select, not as a level of their own: a conversation list with
        // its last message's sender (conversations.edges.node.lastMessage.sender.username) is 6 deep.
        maxDepth: { n: 8, flattenFragments: true },
        // Armor's cost grows 1.5× per level: the conversation list an inbox screen asks for (last
        // message, its sender, members) costs ~30,000 by it. Pages are clamped (100, 500) and depth
        // bounded, which is what bounds the work; this only stops the absurd.
        costLimit: { maxCost: 100_000 },
      }),
    ],
    context: (initial): GraphQLContext => {
      // Over graphql-ws the socket's viewer was verified at connection_init; over HTTP, per request.
      const socket = (initial as { session?: SocketExtra['session'] }).session;
      // Every operation over a socket comes here: one object literal, no spread.
      if (socket) {
        return { services, db, clientAddress: socket.clientAddress, origin: socket.origin, viewer: socket.viewer, authError: null, socket };
      }
      // Node's request, from yoga's HTTP handler.
      const req = (initial as { req?: IncomingMessage }).req;
      const base = {
        services,
        db,
        clientAddress: clientAddress(req, services.config.trustProxy),
        origin: requestOrigin(req, services.config),
      };
      const token = bearerToken(initial.request?.headers.get('authorization'));
      if (!token) return { ...base, viewer: null, authError: null };
      try {
        const access = services.tokens.verifyAccess(token);
        if (services.revocations.isRevoked(access)) throw new AppError('UNAUTHENTICATED', SIGNED_OUT_REASON, { reason: 'SIGNED_OUT' });
        const viewer = { id: access.userId, email: access.email, sessionId: access.sessionId, tokenExpiresAt: access.expiresAt };
        return { ...base, viewer, authError: null };
      } catch (error) {
        return { ...base, viewer: null, authError: error as AppError };
      }
    },
  });
}
