// Process lifecycle: config -> deps -> app.start(); SIGTERM/SIGINT -> drain -> exit 0.
import { ConfigError, loadConfig } from './config.js';
import { createDeps } from './deps.js';
import { buildApp } from './app.js';
import { createLogger } from './infra/logger.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const deps = await createDeps(config, logger);
  const app = buildApp(deps);
  await app.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await app.stop();
    await deps.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
