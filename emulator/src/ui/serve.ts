// Server side of the web pages: each is one self-contained HTML document
// (styles and script inlined at build time), so the images need no assets.
import type http from 'node:http';

export function sendPage(res: http.ServerResponse, page: string): void {
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(page);
}
