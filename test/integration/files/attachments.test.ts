// Done when: an image and a PDF are uploaded, attached to one message, and a second member receives
// the live event, follows both URLs and gets the exact bytes: on local disk, on S3, and over two
// instances with S3.
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createGroup, registerUsers } from '../../helpers/chat.js';
import { createTestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { ATTACHMENT_FIELDS, pdf, png, uploadFile } from '../../helpers/files.js';
import { collect, connectWs, gqlOk, type TestUser } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startTestS3, type TestS3 } from '../../helpers/s3.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      content
      attachments {
        ...AttachmentFields
      }
    }
  }
  ${ATTACHMENT_FIELDS}
`;
const LIVE = /* GraphQL */ `
  subscription {
    messageReceived {
      id
      content
      attachments {
        ...AttachmentFields
      }
    }
  }
  ${ATTACHMENT_FIELDS}
`;
const HISTORY = /* GraphQL */ `
  query History($c: ID!) {
    messages(conversationId: $c, last: 5) {
      edges {
        node {
          id
          attachments {
            ...AttachmentFields
          }
        }
      }
    }
  }
  ${ATTACHMENT_FIELDS}
`;

type Attachment = {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
};

/** One backend's setup: where alice sends from and bob receives on (the same server, or two). */
type Setup = { sender: TestApp; receiver: TestApp; cleanup(): Promise<void> };

function doneWhen(name: string, setup: () => Promise<Setup>) {
  describe(`files on ${name}`, () => {
    let s: Setup;
    let alice: TestUser, bob: TestUser;
    const sockets: Client[] = [];
    beforeAll(async () => {
      s = await setup();
      [alice, bob] = await registerUsers(s.sender.url, ['alice', 'bob'] as const);
    }, 60_000);
    afterEach(async () => {
      await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    });
    afterAll(async () => {
      await s?.cleanup();
    });

    it('when alice sends an image and a PDF, then bob’s device receives the event live, and both links give the exact bytes', async () => {
      const group = await createGroup(s.sender.url, alice, 'Files', [bob]);
      const image = png(3, 2);
      const document = pdf('the quarterly report');
      const bobDevice = await connectWs(s.receiver.wsUrl, bob.accessToken);
      sockets.push(bobDevice);
      const live = collect<{ messageReceived: { content: string; attachments: Attachment[] } }>(bobDevice, LIVE);
      await waitFor(() => s.receiver.app.services.feeds.listenerCount(bob.id) === 1);

      const uploads = [
        await uploadFile(s.sender.url, alice, group.id, { fileName: 'pixel art.png', contentType: 'image/png', bytes: image }),
        await uploadFile(s.sender.url, alice, group.id, { fileName: 'Q3 report.pdf', contentType: 'application/pdf', bytes: document }),
      ];
      expect(uploads.map((u) => u.status)).toEqual([200, 200]);
      const sent = await gqlOk(
        s.sender.url,
        SEND,
        { input: { conversationId: group.id, content: '', attachmentIds: uploads.map((u) => u.id) } },
        alice.accessToken,
      );
      expect(sent.sendMessage.attachments.map((a: Attachment) => a.fileName)).toEqual(['pixel art.png', 'Q3 report.pdf']);

      const [event] = await live.until(1);
      const received = event!.messageReceived.attachments;
      expect(received.map(({ url: _url, ...rest }) => rest)).toEqual([
        { id: uploads[0]!.id, fileName: 'pixel art.png', contentType: 'image/png', size: image.length, width: 3, height: 2 },
        { id: uploads[1]!.id, fileName: 'Q3 report.pdf', contentType: 'application/pdf', size: document.length, width: null, height: null },
      ]);
      for (const [attachment, bytes] of [
        [received[0]!, image],
        [received[1]!, document],
      ] as const) {
        const response = await fetch(attachment.url);
        expect(response.status).toBe(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
        expect(response.headers.get('content-type')).toBe(attachment.contentType);
        expect(response.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(attachment.fileName)}`);
      }
      // History carries the same attachments.
      const history = await gqlOk(s.receiver.url, HISTORY, { c: group.id }, bob.accessToken);
      const stored = history.messages.edges.at(-1).node.attachments as Attachment[];
      expect(stored.map(({ url: _url, ...rest }) => rest)).toEqual(received.map(({ url: _url, ...rest }) => rest));
    });
  });
}

doneWhen('local disk', async () => {
  const db = await createTestDatabase();
  const app = await startTestApp({ databaseUrl: db.url });
  return {
    sender: app,
    receiver: app,
    async cleanup() {
      await app.stop();
      await db.drop();
    },
  };
});

doneWhen('S3 (s3rver)', async () => {
  const [db, s3] = await Promise.all([createTestDatabase(), startTestS3()]);
  const app = await startTestApp({ databaseUrl: db.url, env: s3.env });
  return {
    sender: app,
    receiver: app,
    async cleanup() {
      await app.stop();
      await Promise.all([db.drop(), s3.stop()]);
    },
  };
});

describeRedis('over two instances', () => {
  doneWhen('S3 with two instances', async () => {
    const [db, s3] = await Promise.all([createTestDatabase(), startTestS3()]);
    const redis = { redisUrl: redisUrlForTests()!, redisPrefix: uniqueRedisPrefix() };
    const [a, b] = await Promise.all([
      startTestApp({ databaseUrl: db.url, ...redis, env: s3.env }),
      startTestApp({ databaseUrl: db.url, ...redis, env: s3.env }),
    ]);
    return {
      sender: a,
      receiver: b,
      async cleanup() {
        await Promise.all([a.stop(), b.stop()]);
        await Promise.all([db.drop(), (s3 as TestS3).stop()]);
      },
    };
  });
});
