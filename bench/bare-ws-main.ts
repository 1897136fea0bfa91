// Child-process entry of the bare ws server: prints {"ready":true,"port":N} on stdout, stops on SIGTERM.
import { createBareWsServer } from './bare-ws-server.js';

const bare = createBareWsServer();
const port = await bare.listen('127.0.0.1');
process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);

const stop = () => void bare.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
