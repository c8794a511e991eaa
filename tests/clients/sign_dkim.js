// Signs one message with npm mailauth, the independent signer of outpost's interop tests (outpost
// must verify what others sign). Usage: node sign_dkim.js MESSAGE_FILE SIGNATURES_JSON
// SIGNATURES_JSON: [{"domain", "selector", "private_key_pem", "algorithm": "rsa-sha256" |
// "ed25519-sha256", "canonicalization": "relaxed/relaxed"}]. Prints the signed message.
'use strict';
const fs = require('fs');
const { dkimSign } = require('mailauth/lib/dkim/sign');

async function main() {
  const [messageFile, signaturesFile] = process.argv.slice(2);
  const message = fs.readFileSync(messageFile);
  const signatures = JSON.parse(fs.readFileSync(signaturesFile, 'utf8'));
  const outcome = await dkimSign(message, {
    signatureData: signatures.map((entry) => ({
      signingDomain: entry.domain,
      selector: entry.selector,
      privateKey: entry.private_key_pem,
      algorithm: entry.algorithm,
      canonicalization: entry.canonicalization || 'relaxed/relaxed',
    })),
  });
  if (outcome.errors && outcome.errors.length) {
    throw new Error(outcome.errors.map((error) => error.message || String(error)).join('; '));
  }
  process.stdout.write(Buffer.concat([Buffer.from(outcome.signatures), message]));
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
