import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outsideServiceWarnings } from '../../src/clients/outside-reachability.js';
import { loadConfig } from '../../src/config.js';
import { openDependencies } from '../../src/dependencies.js';
import { startOpenAiStandIn } from '../support/openai-standin.js';
import { freePort } from '../support/stack.js';
import { startWahaStandIn } from '../support/waha-standin.js';

let waha: Awaited<ReturnType<typeof startWahaStandIn>>;
let openai: Awaited<ReturnType<typeof startOpenAiStandIn>>;
beforeAll(async () => {
  waha = await startWahaStandIn({ apiKey: 'the-right-key' });
  openai = await startOpenAiStandIn();
});
afterAll(async () => {
  await waha?.close();
  await openai?.close();
});

describe('at start, the model endpoint and WAHA', () => {
  it('are named in a warning with the cause when nothing answers there', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const warnings = await outsideServiceWarnings(loadConfig({ OPENAI_BASE_URL: `${closed}/v1`, WAHA_URL: closed }));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^warning: WAHA at ${closed} does not answer \\(.*ECONNREFUSED.*\\); replies wait`));
    expect(warnings[1]).toMatch(new RegExp(`^warning: the model at ${closed}/v1 does not answer \\(.*ECONNREFUSED.*\\); replies wait and are retried until it answers, for up to REPLY_DEADLINE \\(60 min\\)`));
  });

  it('say when a key is refused, and nothing when both answer', async () => {
    const wrongKey = await outsideServiceWarnings(loadConfig({ OPENAI_BASE_URL: openai.baseUrl, WAHA_URL: waha.url, WAHA_API_KEY: 'a-wrong-key' }));
    expect(wrongKey).toEqual([`warning: WAHA at ${waha.url} refuses WAHA_API_KEY (HTTP 401); no reply can be sent until it is right`]);
    expect(await outsideServiceWarnings(loadConfig({ OPENAI_BASE_URL: openai.baseUrl, WAHA_URL: waha.url, WAHA_API_KEY: 'the-right-key' }))).toEqual([]);
  });

  it('leave the offline model out: it runs inside chatmem', async () => {
    const warnings = await outsideServiceWarnings(loadConfig({ WAHA_URL: waha.url, WAHA_API_KEY: 'the-right-key' }));
    expect(warnings).toEqual([]);
  });
});

describe('at start, a database that does not answer', () => {
  it('is named by its setting, with the password hidden, and the cause', async () => {
    const port = await freePort();
    const config = loadConfig({ DATABASE_URL: `postgres://chatmem:s3cret-pass@127.0.0.1:${port}/chatmem`, WAHA_URL: waha.url });
    const failed = await openDependencies(config).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failed).toMatch(new RegExp(`^the database does not answer: DATABASE_URL postgres://chatmem:\\*\\*\\*@127\\.0\\.0\\.1:${port}/chatmem \\(.*ECONNREFUSED`));
    expect(failed).not.toContain('s3cret-pass');
  });
});
