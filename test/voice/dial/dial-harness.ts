/** The server, the application and the numbers the `<Dial>` suites share (registers its own before/after hooks). */
import { after, before } from 'node:test';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import { eventually } from '../e2e/helpers.js';
import type { SeenRequest } from '../helpers/app-server.js';

export interface DialHarness {
  readonly t: TestServer;
  readonly app: AppServer;
  /** A new number of the test account answered by `voice` on the application. */
  number(voice: string): Promise<string>;
  /** The first request to the Dial's `action` path. */
  actionOf(path: string): Promise<SeenRequest>;
}

/** Call inside a `describe`; `firstNumber` keeps the suites' numbers apart. */
export function dialHarness(firstNumber: number): DialHarness {
  let t: TestServer | undefined;
  let app: AppServer | undefined;
  let numbers = 0;
  before(async () => {
    t = await startTestServer({}, sqliteDatabase(), { webhookTimeoutMs: 3_000 });
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });
  const harness: DialHarness = {
    get t() {
      return t!;
    },
    get app() {
      return app!;
    },
    async number(voice) {
      const phoneNumber = `+1500555${String(firstNumber + numbers++).padStart(4, '0')}`;
      await harness.t.client().incomingPhoneNumbers.create({ phoneNumber, voiceUrl: harness.app.url(voice) });
      return phoneNumber;
    },
    actionOf: (path) => eventually(() => harness.app.seen(path)[0], `the Dial action ${path}`, 30_000),
  };
  return harness;
}
