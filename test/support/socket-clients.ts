import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

/** What a client saw: the connection opened (and a message went both ways), or why not. */
export type ConnectionOutcome = { opened: true; reply: unknown } | { opened: false; status: number | undefined; error: string };

export type SocketIoTransport = 'polling' | 'websocket';

/**
 * Opens a socket.io connection with one transport only, as a browser page on `origin` would (`Origin`
 * sent on every request of the connection); `undefined` sends none, as a client that is no browser.
 */
export function connectSocketIo(
  url: string,
  options: { path?: string; namespace?: string; origin?: string; transport: SocketIoTransport; headers?: Record<string, string> },
): Promise<ConnectionOutcome> {
  const socket: Socket = io(`${url}${options.namespace ?? ''}`, {
    path: options.path ?? '/socket.io',
    transports: [options.transport],
    upgrade: false,
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    extraHeaders: { ...options.headers, ...(options.origin === undefined ? {} : { Origin: options.origin }) },
  });
  return new Promise((resolve) => {
    socket.on('connect', () => {
      socket.timeout(5000).emit('ping', 'hello', (error: Error | null, reply: unknown) => {
        socket.close();
        resolve(error ? { opened: false, status: undefined, error: `no reply: ${error.message}` } : { opened: true, reply });
      });
    });
    socket.on('connect_error', (error: Error & { context?: { status?: number }; description?: unknown }) => {
      socket.close();
      const context = (error as { context?: { status?: number } }).context;
      const description = (error as { description?: unknown }).description;
      resolve({ opened: false, status: context?.status ?? (typeof description === 'number' ? description : undefined), error: error.message });
    });
  });
}

/** Opens a plain WebSocket (the `ws` client) as a page on `origin` would; `undefined` sends no `Origin`. */
export function connectWebSocket(url: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<ConnectionOutcome> {
  const headers = { ...options.headers, ...(options.origin === undefined ? {} : { Origin: options.origin }) };
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    socket.on('open', () => {
      socket.send(JSON.stringify({ event: 'ping', data: 'hello' }));
      socket.once('message', (data) => {
        socket.close();
        resolve({ opened: true, reply: JSON.parse(String(data)) });
      });
    });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => {
        socket.terminate();
        resolve({ opened: false, status: response.statusCode, error: body });
      });
    });
    socket.on('error', (error) => resolve({ opened: false, status: undefined, error: error.message }));
  });
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
