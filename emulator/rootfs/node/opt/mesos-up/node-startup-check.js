// Run once at image build, from the fresh snapshot: an HTTP server and client,
// crypto, zlib, child processes and steady garbage for two seconds, as the
// emulators use them. A snapshot that Node 18 restores badly crashes here
// (a module that did so is why node-startup.js leaves zlib out), not in a cluster.
const http = require('http');
const crypto = require('crypto');
const zlib = require('zlib');
const childProcess = require('child_process');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.end(JSON.stringify({ id: crypto.randomUUID(), gz: zlib.gzipSync(body).length, hash: crypto.createHash('sha256').update(body).digest('hex') }));
  });
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const until = Date.now() + 2000;
  const garbage = [];
  let n = 0;
  while (Date.now() < until) {
    await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => (JSON.parse(text).id ? resolve() : reject(new Error('bad answer'))));
      });
      req.on('error', reject);
      req.end('x'.repeat(2000));
    });
    garbage.push(Array.from({ length: 500 }, (_, i) => ({ i, n })));
    if (garbage.length > 100) garbage.length = 0;
    if (++n % 100 === 0) childProcess.execFileSync('true');
  }
  server.close();
  console.log(`node-startup snapshot: ${n} requests in 2 s, no crash`);
});
