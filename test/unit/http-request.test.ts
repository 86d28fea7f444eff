import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, lightFetch } from '../../src/clients/http-request.js';
import { serve } from '../support/http.js';

/** What the server saw of each request: method, content type, body. */
const seen: { method: string; type: string | undefined; body: string }[] = [];
let server: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  server = await serve((request, body, response) => {
    seen.push({ method: request.method!, type: request.headers['content-type'], body });
    if (request.url === '/empty') return void response.writeHead(204).end();
    if (request.url === '/busy') return void response.writeHead(429, { 'retry-after': '7', 'set-cookie': ['a=1', 'b=2'] }).end('slow down');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: body }));
  });
});
afterAll(() => server?.close());

describe('the HTTP calls to the model and WAHA', () => {
  it('read an answer whole, with its status and headers', async () => {
    const busy = await httpRequest(`${server.url}/busy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect({ status: busy.status, retryAfter: busy.header('retry-after'), cookie: busy.header('set-cookie'), text: busy.text }).toEqual({ status: 429, retryAfter: '7', cookie: 'a=1', text: 'slow down' });
    expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/json', body: '{"a":1}' });
  });

  it("give the openai client a Response as fetch would, an empty one included", async () => {
    const answer = await lightFetch(`${server.url}/echo`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json' }), body: 'hi' });
    expect([answer.status, answer.headers.get('content-type'), await answer.json()]).toEqual([200, 'application/json', { echoed: 'hi' }]);
    const busy = await lightFetch(`${server.url}/busy`, { method: 'POST', body: '' });
    expect([busy.status, busy.headers.get('retry-after'), await busy.text()]).toEqual([429, '7', 'slow down']);
    const empty = await lightFetch(`${server.url}/empty`, { method: 'POST', body: '{}' });
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });

  it('send an upload form as fetch does', async () => {
    const form = new FormData();
    form.append('file', new Blob(['voice']), 'note.ogg');
    await lightFetch(`${server.url}/echo`, { method: 'POST', body: form });
    expect(seen.at(-1)!.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.at(-1)!.body).toContain('voice');
  });

  it('stop when the caller gives up', async () => {
    const gaveUp = new AbortController();
    gaveUp.abort(new Error('timed out'));
    await expect(httpRequest(`${server.url}/echo`, { method: 'GET', signal: gaveUp.signal })).rejects.toThrow('timed out');
  });
});
