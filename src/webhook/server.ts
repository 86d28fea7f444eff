import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** How long an idle keep-alive connection stays open. */
const KEEP_ALIVE_MS = 65_000;

/** Listens on `port` (0 picks a free one) and resolves with the running server and its URL. */
export async function listen(app: Koa, port: number, host = '0.0.0.0'): Promise<{ server: Server; url: string }> {
  const server = app.listen(port, host);
  // An idle keep-alive connection is closed by its client first: with Node's 5 s, a client that
  // also waits 5 s (Node's own agent does) can send its next delivery on a connection the
  // server is closing, and WAHA retries a failed delivery only 2 s later. Proxies commonly
  // hold theirs up to 60 s, hence a little more here; the headers' limit must exceed it.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return { server, url: `http://${shownHost}:${address.port}` };
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
