import type { IncomingMessage, Server, ServerResponse } from 'node:http';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

interface Parked {
  /** The listeners the gateway's server put in front of the app (socket.io's client files, then engine.io). */
  readonly front: RequestListener[];
  /** Where those listeners send the requests they do not serve. */
  fallThrough: RequestListener;
}

/**
 * Keeps the HTTP first layer out of engine.io's requests on the app's own HTTP server.
 *
 * socket.io attaches to a server by taking its `request` listeners (the app) behind its own, which serve
 * its path and pass everything else on. That happens in `app.init()` before the library installs its first
 * layer in front of the server's listeners, which would then run first for socket.io's requests too and
 * answer them with the global policy (a preflight of the polling transport, say). So socket.io's listeners
 * are taken off while the first layer is installed, and put back in front of it afterwards: socket.io →
 * the first layer → the app, socket.io's requests answered with the gateway's policy alone.
 */
export class ParkedRequestListeners {
  private readonly parked = new Map<Server, Parked[]>();
  private restored = false;

  /** Runs `create` (which may attach to `server`) and parks the listeners it added. */
  around<T>(server: Server, create: () => T): T {
    if (this.restored) return create();
    const before = server.listeners('request') as RequestListener[];
    const entry: Parked = {
      front: [],
      fallThrough: (request, response) => {
        for (const listener of before) listener.call(server, request, response);
      },
    };
    const trampoline: RequestListener = (request, response) => entry.fallThrough(request, response);
    server.removeAllListeners('request');
    server.on('request', trampoline);
    try {
      return create();
    } finally {
      const added = server.listeners('request') as RequestListener[];
      server.removeAllListeners('request');
      for (const listener of before) server.on('request', listener);
      if (added.length !== 1 || added[0] !== trampoline) {
        entry.front.push(...added);
        let list = this.parked.get(server);
        if (list === undefined) this.parked.set(server, (list = []));
        list.push(entry);
      }
    }
  }

  /**
   * Puts the parked listeners back in front of whatever the server has now, in the order they were
   * attached: the last attached serves first, as without parking.
   */
  restore(): void {
    this.restored = true;
    for (const [server, entries] of this.parked) {
      let inner = server.listeners('request') as RequestListener[];
      for (const entry of entries) {
        const behind = inner;
        entry.fallThrough = (request, response) => {
          for (const listener of behind) listener.call(server, request, response);
        };
        inner = entry.front;
      }
      server.removeAllListeners('request');
      for (const listener of inner) server.on('request', listener);
    }
    this.parked.clear();
  }
}
