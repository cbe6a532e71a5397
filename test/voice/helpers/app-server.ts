/**
 * A customer's voice application on 127.0.0.1: routes answer with TwiML built by the official `twilio` helper, and
 * every request's `X-Twilio-Signature` is checked with the official `twilio.validateRequest` (the independent peer).
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export const AUTH_TOKEN = '12345678901234567890123456789012';

export interface SeenRequest {
  method: string;
  path: string;
  /** Path + query, as requested. */
  url: string;
  /** POST body parameters, or the query parameters of a GET. */
  params: Record<string, string>;
  cookie: string | undefined;
  signatureValid: boolean;
}

export interface Reply {
  status?: number;
  type?: string | null;
  body?: string;
  headers?: Record<string, string | string[]>;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export type Route = (req: SeenRequest) => Reply | string;

export interface AppServer {
  base: string;
  url(path: string): string;
  requests: SeenRequest[];
  route(path: string, handler: Route | Reply | string): void;
  seen(path: string): SeenRequest[];
  close(): Promise<void>;
}

export async function startAppServer(authToken = AUTH_TOKEN): Promise<AppServer> {
  const routes = new Map<string, Route>();
  const requests: SeenRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf-8');
      const url = req.url ?? '/';
      const full = base + url;
      const [path, query = ''] = url.split('?');
      const bodyParams = Object.fromEntries(new URLSearchParams(raw));
      const params = req.method === 'POST' ? bodyParams : Object.fromEntries(new URLSearchParams(query));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const seen: SeenRequest = {
        method: req.method ?? '',
        path,
        url,
        params,
        cookie: req.headers.cookie,
        // reference §5: POST signs URL + body params; GET signs the URL alone.
        signatureValid: twilio.validateRequest(authToken, signature, full, req.method === 'POST' ? bodyParams : {}),
      };
      requests.push(seen);
      const handler = routes.get(path);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no route');
        return;
      }
      const out = handler(seen);
      const reply: Reply = typeof out === 'string' ? { body: out } : out;
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      const headers: Record<string, string | string[]> = { ...(reply.headers ?? {}) };
      if (reply.type !== null) headers['content-type'] = reply.type ?? 'text/xml';
      res.writeHead(reply.status ?? 200, headers).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: (p) => base + p,
    requests,
    route(path, handler) {
      routes.set(path, typeof handler === 'function' ? handler : () => handler);
    },
    seen: (path) => requests.filter((r) => r.path === path),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens. */
export async function closedPortUrl(path = '/'): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

export const twiml = () => new twilio.twiml.VoiceResponse();
