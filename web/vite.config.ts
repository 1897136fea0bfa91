// Builds the web client (index.html) and the dashboard (dashboard.html) into dist/web, which the
// server serves at / and /dashboard. `npm run web:dev` serves them with hot reload and passes API
// calls and sockets through to a server on :8080 (CHAT_API overrides it).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.CHAT_API ?? 'http://localhost:8080';

export default defineConfig({
  root,
  base: '/',
  publicDir: path.join(root, 'public'),
  build: {
    outDir: path.join(root, '..', 'dist', 'web'),
    emptyOutDir: true,
    // Small enough to read in the browser's tools without maps; keeps dist/web small.
    sourcemap: false,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { chat: path.join(root, 'index.html'), dashboard: path.join(root, 'dashboard.html') },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true },
      '/files': api,
      '/dashboard/metrics': api,
      '/ready': api,
    },
  },
});
