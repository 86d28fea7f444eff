import { isBrokenCircuitError } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIRCUIT_FAILURES, wahaBehindCircuit } from '../../src/clients/circuit-breakers.js';
import { createWahaClient } from '../../src/clients/waha-client.js';
import { startWahaStandIn, type WahaStandIn } from '../support/waha-standin.js';

let waha: WahaStandIn;
beforeAll(async () => {
  waha = await startWahaStandIn({ apiKey: 'k' });
});
afterAll(async () => waha?.close());

const sendCalls = () => waha.calls.filter((call) => call.path === '/api/sendText').length;
const send = (client: ReturnType<typeof wahaBehindCircuit>, text: string) =>
  client.sendText({ session: 'default', chatId: '5521900000009@c.us', text }).then(() => 'sent', (error: unknown) => (isBrokenCircuitError(error) ? 'circuit open' : 'failed'));

describe('a circuit per outside service', () => {
  it('stops calling WAHA after it failed several times in a row, so waiting chats do not hammer it', async () => {
    const states: string[] = [];
    const client = wahaBehindCircuit(createWahaClient({ baseUrl: waha.url, apiKey: 'k' }), { onChange: (service, open) => states.push(`${service} ${open ? 'open' : 'closed'}`) });
    const before = sendCalls();
    waha.failNext(503, CIRCUIT_FAILURES);
    const outcomes = [];
    for (let i = 0; i < CIRCUIT_FAILURES + 20; i++) outcomes.push(await send(client, `m${i}`));
    expect(outcomes.slice(0, CIRCUIT_FAILURES)).toEqual(Array(CIRCUIT_FAILURES).fill('failed'));
    expect(outcomes.slice(CIRCUIT_FAILURES)).toEqual(Array(20).fill('circuit open'));
    expect(sendCalls() - before).toBe(CIRCUIT_FAILURES);
    expect(states).toEqual(['waha closed', 'waha open']);
  });

  it('does not open on answers that say the request is wrong (4xx): WAHA itself is fine', async () => {
    const client = wahaBehindCircuit(createWahaClient({ baseUrl: waha.url, apiKey: 'k' }));
    waha.failNext(422, CIRCUIT_FAILURES * 2);
    const outcomes = [];
    for (let i = 0; i < CIRCUIT_FAILURES * 2; i++) outcomes.push(await send(client, `bad ${i}`));
    expect(outcomes).toEqual(Array(CIRCUIT_FAILURES * 2).fill('failed'));
    expect(await send(client, 'good')).toBe('sent');
  });
});
