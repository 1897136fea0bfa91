// Prisma CLI settings. The app never reads this file: it builds its own client from config.ts and
// applies migrations with src/infra/db/migrate.ts (Prisma's migration engine needs a download).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/chat' },
});
