import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';

/**
 * A socket.io gateway on the API's port. Browsers apply no CORS to WebSockets, so the library checks the
 * handshake's Origin against the gateway's policy: here the global one (CORS_ORIGINS), as no @Cors() says
 * otherwise. A page on another origin cannot open the socket, on either transport.
 */
@WebSocketGateway()
export class NotificationsGateway {
  @SubscribeMessage('ping')
  ping(): string {
    return 'pong';
  }
}
