import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The load generator of cpu.ts: keep-alive connections on loopback, one request in flight on each, the
 * request's bytes built once. It reads only what it needs of a response (status, Content-Length), so it
 * spends a fraction of what node:http's client does per request (see README.md), and the server, not the
 * client, stays the slower side even when other work shares the client's core.
 */
export interface Load {
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Every response must have this status; any other stops the run. */
  status: number;
}

export interface Batch {
  wallMs: number;
  /** Milliseconds from each request's write to its response's last byte. */
  latencies: Float64Array;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export class Connections {
  private constructor(
    private readonly sockets: Socket[],
    private readonly load: Load,
    private readonly bytes: Buffer,
  ) {}

  /** Opens `count` connections for one load. */
  static async open(load: Load, count: number): Promise<Connections> {
    const head = [`${load.method} ${load.path} HTTP/1.1`, `Host: 127.0.0.1:${load.port}`, ...Object.entries(load.headers).map(([name, value]) => `${name}: ${value}`)];
    const bytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
    const sockets = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(load.port, '127.0.0.1', () => resolve(socket));
            socket.setNoDelay(true);
            socket.once('error', reject);
            socket.on('error', () => {}); // a broken connection shows as 'close', handled in fire()
          }),
      ),
    );
    return new Connections(sockets, load, bytes);
  }

  /** Exactly `count` requests, spread over the connections, each sending its next request when answered. */
  fire(count: number): Promise<Batch> {
    const latencies = new Float64Array(count);
    let sent = 0;
    let answered = 0;
    const began = performance.now();
    return new Promise((resolve, reject) => {
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const fail = (error: Error) => {
        clearTimeout(watchdog);
        for (const socket of this.sockets) socket.removeAllListeners('data').removeAllListeners('close');
        reject(error);
      };
      if (this.sockets.some((socket) => socket.destroyed)) return fail(new Error('the server closed a connection between two batches'));
      watchdog = setTimeout(() => fail(new Error(`${count - answered} of ${count} requests unanswered after 60 s`)), 60_000);
      for (const socket of this.sockets) {
        let pending: Buffer | undefined;
        let index = -1;
        let sentAt = 0;
        const send = () => {
          if (sent >= count) return;
          index = sent++;
          sentAt = performance.now();
          socket.write(this.bytes);
        };
        socket.on('data', (chunk: Buffer) => {
          const data = pending ? Buffer.concat([pending, chunk]) : chunk;
          const headerEnd = data.indexOf(HEADER_END);
          if (headerEnd < 0) {
            pending = data;
            return;
          }
          const head = data.toString('latin1', 0, headerEnd);
          const status = Number(head.slice(9, 12));
          const length = /\r\ncontent-length: *(\d+)/i.exec(head);
          if (!length && status !== 204 && status !== 304) return fail(new Error(`a response without Content-Length: ${head.split('\r\n')[0]}`));
          const end = headerEnd + 4 + (length ? Number(length[1]) : 0);
          if (data.length < end) {
            pending = data;
            return;
          }
          if (data.length > end) return fail(new Error('more bytes than one response: the server answered twice'));
          pending = undefined;
          if (status !== this.load.status) return fail(new Error(`status ${status} during timing, expected ${this.load.status}`));
          latencies[index] = performance.now() - sentAt;
          if (++answered === count) {
            const wallMs = performance.now() - began;
            clearTimeout(watchdog);
            for (const s of this.sockets) s.removeAllListeners('data').removeAllListeners('close');
            resolve({ wallMs, latencies });
          } else send();
        });
        socket.once('close', () => answered < count && fail(new Error('the server closed a connection')));
        send();
      }
    });
  }

  close(): void {
    for (const socket of this.sockets) {
      socket.removeAllListeners('close');
      socket.destroy();
    }
  }
}
