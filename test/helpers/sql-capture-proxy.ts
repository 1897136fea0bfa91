// A TCP proxy in front of PostgreSQL that reads the client side of the wire protocol and records
// every statement the server is asked to run, with its parameters: what Prisma, the worker's raw SQL
// and anything added later really send, without a hook in the product's code.
import net from 'node:net';

/** One execution of a statement: the SQL, the parameter types the client declared, its values. */
export type CapturedStatement = {
  sql: string;
  /** Parameter type OIDs from Parse (0: left to the server to infer). */
  paramTypes: number[];
  /** Text-format values; null for SQL NULL. */
  params: (string | null)[];
};

export type SqlCaptureProxy = {
  /** Rewrites a connection URL to go through the proxy. */
  url(target: string): string;
  /** Starts recording (clearing what was recorded before). */
  start(): void;
  /** Stops recording and returns what was recorded since start(). */
  stop(): CapturedStatement[];
  close(): Promise<void>;
};

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startSqlCaptureProxy(targetHost: string, targetPort: number): Promise<SqlCaptureProxy> {
  const sockets = new Set<net.Socket>();
  let recording: CapturedStatement[] | undefined;
  const record = (statement: CapturedStatement) => recording?.push(statement);

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const reader = createFrontendReader(record);
    client.on('data', (chunk: Buffer) => {
      reader(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    url(target) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    start() {
      recording = [];
    },
    stop() {
      const out = recording ?? [];
      recording = undefined;
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Frames the client-to-server byte stream into protocol messages. The first message (startup, or an
 * SSL/GSS request before it) has no type byte; every later one is type, int32 length, body.
 */
function createFrontendReader(record: (statement: CapturedStatement) => void) {
  let buffer: Buffer = Buffer.alloc(0);
  let startupDone = false;
  const prepared = new Map<string, { sql: string; paramTypes: number[] }>();

  return (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!startupDone) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        // An SSL or GSS request is answered with one byte and followed by the real startup message.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startupDone = true;
        buffer = buffer.subarray(length);
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const type = String.fromCharCode(buffer[0]!);
      const body = buffer.subarray(5, 1 + length);
      buffer = buffer.subarray(1 + length);
      if (type === 'Q') record({ sql: cString(body, 0).value, paramTypes: [], params: [] });
      else if (type === 'P') {
        const name = cString(body, 0);
        const sql = cString(body, name.next);
        const count = body.readInt16BE(sql.next);
        const paramTypes = Array.from({ length: count }, (_, i) => body.readInt32BE(sql.next + 2 + i * 4));
        prepared.set(name.value, { sql: sql.value, paramTypes });
      } else if (type === 'B') {
        const portal = cString(body, 0);
        const name = cString(body, portal.next);
        const statement = prepared.get(name.value);
        if (statement) record({ ...statement, params: bindValues(body, name.next) });
      }
    }
  };
}

function bindValues(body: Buffer, at: number): (string | null)[] {
  const formatCount = body.readInt16BE(at);
  const formats = Array.from({ length: formatCount }, (_, i) => body.readInt16BE(at + 2 + i * 2));
  let offset = at + 2 + formatCount * 2;
  const count = body.readInt16BE(offset);
  offset += 2;
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
    if (format !== 0) throw new Error('sql-capture-proxy: binary parameters are not supported (node-postgres sends text)');
    values.push(body.toString('utf8', offset, offset + length));
    offset += length;
  }
  return values;
}

function cString(body: Buffer, at: number): { value: string; next: number } {
  const end = body.indexOf(0, at);
  return { value: body.toString('utf8', at, end), next: end + 1 };
}
