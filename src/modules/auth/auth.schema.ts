import { builder } from '../../graphql/builder.js';
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
    resolve: (_root, { input }, { services }) => register(services.auth, input),
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
    description: 'Signs out the login this refresh token belongs to. False if it was unknown or already signed out.',
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, args, { services }) => logout(services.auth, args.refreshToken),
  }),
}));
