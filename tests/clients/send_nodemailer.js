// Sends one message through outpost's submission server with nodemailer, the way a Node.js
// application would, and prints nodemailer's result as JSON (the server's 250 reply included).
// Usage: node send_nodemailer.js HOST PORT implicit|starttls USER PASSWORD FROM TO
'use strict';
const nodemailer = require('nodemailer');

async function main() {
  const [host, port, mode, user, pass, from, to] = process.argv.slice(2);
  const transport = nodemailer.createTransport({
    host,
    port: Number(port),
    secure: mode === 'implicit',
    requireTLS: mode !== 'implicit',
    auth: { user, pass },
    // The test server's certificate is self-signed (made by outpost on first start).
    tls: { rejectUnauthorized: false },
  });
  const info = await transport.sendMail({
    from,
    to,
    subject: 'Hello from nodemailer',
    text: 'Sent by nodemailer over SMTP submission.',
    html: '<p>Sent by <b>nodemailer</b> over SMTP submission.</p>',
  });
  process.stdout.write(JSON.stringify({ response: info.response, messageId: info.messageId }) + '\n');
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error.message || error), code: error.responseCode || 0 }) + '\n');
  process.exit(1);
});
