import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { bearerToken } from './tokens.js';
import { asOwnUser } from '../users/own-user.js';
import { UserRef } from '../users/user.schema.js';
import { register } from './register.js';
import { logout, refresh } from './refresh.js';
import type { AuthPayload, TokenPair } from './sessions.js';

const TokenPairRef = builder.objectRef<TokenPair>('TokenPair').implement({
  fields: (t) => ({
    accessToken: t.exposeString('accessToken', {
      description: 'A JWT for "Authorization: Bearer <accessToken>" and graphql-ws connection_init.',
    }),
    refreshToken: t.exposeString('refreshToken', { description: 'Opaque; exchange it with refresh. Single use: each refresh rotates it.' }),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
  }),
});

const AuthPayloadRef = builder.objectRef<AuthPayload>('AuthPayload').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (payload) => asOwnUser(payload.user) }),
    tokens: t.field({ type: TokenPairRef, resolve: (payload) => payload.tokens }),
  }),
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    username: t.string({ required: true, description: '3 to 32 characters of letters, digits, _ . -' }),
    password: t.string({ required: true, description: 'At least 8 characters, at most 72 bytes.' }),
  }),
});

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayloadRef,
    description: 'Creates an account and logs it in.',
    args: { input: t.arg({ type: RegisterInput, required: true }) },
    resolve: async (_root, { input }, { services, clientAddress }) => {
      await services.limits.register.take(clientAddress, 'registrations from your address');
      return register(services.auth, input);
    },
  }),
  login: t.field({
    type: AuthPayloadRef,
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_root, { input }, { services }) => services.auth.login(input),
  }),
  refresh: t.field({
    type: AuthPayloadRef,
    description: 'Exchanges a refresh token for a new pair. Presenting an already used refresh token signs out its whole login.',
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, args, { services }) => refresh(services.auth, args.refreshToken),
  }),
  logout: t.boolean({
    description:
      'Signs out the login this refresh token belongs to, and closes its sockets on every instance (code 4403). With everywhere: true, every login of its user. False if it was unknown or already signed out.',
    args: { refreshToken: t.arg.string({ required: true }), everywhere: t.arg.boolean() },
    resolve: (_root, args, { services }) => logout(services.auth, args.refreshToken, args.everywhere ?? false),
  }),
  renewSocket: t.field({
    type: 'DateTime',
    description:
      'Sent over a graphql-ws socket: extends it with a fresh access token of the same user, so it is not closed when its first token expires. Answers the new expiry.',
    authScopes: { authenticated: true },
    args: { accessToken: t.arg.string({ required: true }) },
    resolve: async (_root, args, { services, socket }) => {
      if (!socket) {
        throw new AppError(
          'BAD_USER_INPUT',
          'renewSocket extends a graphql-ws socket: send it over the socket to keep. Over HTTP, send the new token with each request.',
        );
      }
      await services.limits.renewSocket.take(socket.viewer.id, 'socket renewals');
      return services.sockets.renew(socket, bearerToken(args.accessToken) ?? '');
    },
  }),
}));
