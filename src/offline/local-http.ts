import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `body` is the request decoded as UTF-8; `raw` its bytes (uploads). */
export type Handler = (request: IncomingMessage, body: string, response: ServerResponse, raw: Buffer) => void | Promise<void>;

/**
 * A plain HTTP server on loopback (a free port unless `port` is given): the offline model,
 * the fake WAHA (simulator, tests, benches), and the tests' OpenAI stand-in.
 */
export async function serve(handler: Handler, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      Promise.resolve(handler(request, raw.toString('utf8'), response, raw)).catch((error) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: String(error) }));
      });
    });
  });
  // A port already taken must be an error the caller can say in one line, not an unhandled event.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

