import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { isOwnUser } from './own-user.js';

export const UserRef = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.string({
      nullable: true,
      description: 'Only for the viewer themself; null for everyone else.',
      resolve: (user, _args, context) => (context.viewer?.id === user.id || isOwnUser(user) ? user.email : null),
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
