import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { isOwnUser } from './own-user.js';
import { assertStorable } from '../../validation.js';

const MAX_SEARCH = 50;

export const UserRef = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.string({
      nullable: true,
      description: 'Only for the viewer themself; null for everyone else.',
      // Never read from the user object alone: a live event's sender carries no email (it is not
      // sent to every member's instance); the viewer's own comes with their token.
      resolve: (user, _args, context) => {
        if (isOwnUser(user)) return user.email;
        if (context.viewer?.id !== user.id) return null;
        return context.viewer.email ?? (user as { email?: string }).email ?? null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    description: 'The logged-in user.',
    authScopes: { authenticated: true },
    resolve: async (query, _root, _args, context) => {
      const user = await context.db.user.findUnique({ ...query, where: { id: context.viewer!.id } });
      if (!user) throw new AppError('UNAUTHENTICATED', 'This account no longer exists: log in again.');
      return user;
    },
  }),
);

builder.queryFields((t) => ({
  userByUsername: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The user with this username (any case), or null.',
    authScopes: { authenticated: true },
    args: { username: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => {
      assertStorable(args.username, 'username');
      return context.db.user.findUnique({ ...query, where: { usernameKey: args.username.trim().toLowerCase() } });
    },
  }),
  searchUsers: t.prismaField({
    type: ['User'],
    description: `Users whose username starts with the query, any case, in username order; at most ${MAX_SEARCH} (default 20).`,
    authScopes: { authenticated: true },
    args: { query: t.arg.string({ required: true }), first: t.arg.int() },
    resolve: (query, _root, args, context) => {
      assertStorable(args.query, 'query');
      const prefix = args.query.trim().toLowerCase();
      if (!prefix) throw new AppError('BAD_USER_INPUT', 'query must not be empty.', { field: 'query' });
      if (args.first != null && args.first < 0) throw new AppError('BAD_USER_INPUT', 'first must be 0 or more.', { field: 'first' });
      return context.db.user.findMany({
        ...query,
        where: { usernameKey: { startsWith: prefix } },
        orderBy: { usernameKey: 'asc' },
        take: Math.min(args.first ?? 20, MAX_SEARCH),
      });
    },
  }),
}));
