// Verifies the DKIM signatures of one message with npm mailauth, an independent verifier for
// outpost's interop tests. DNS answers come from a JSON file instead of the network:
//   {"selector._domainkey.example.com": "v=DKIM1; k=rsa; p=…", …}
// Usage: node verify_dkim.js MESSAGE_FILE RECORDS_JSON
// Prints {"results": [{"domain", "selector", "algorithm", "result", "comment"}]}: one per
// signature, in the order of the message's DKIM-Signature fields.
'use strict';
const fs = require('fs');
const { dkimVerify } = require('mailauth/lib/dkim/verify');

async function main() {
  const [messageFile, recordsFile] = process.argv.slice(2);
  const message = fs.readFileSync(messageFile);
  const records = JSON.parse(fs.readFileSync(recordsFile, 'utf8'));
  const resolver = async (name, type) => {
    if (type === 'TXT' && Object.prototype.hasOwnProperty.call(records, name.toLowerCase())) {
      const value = records[name.toLowerCase()];
      // mailauth expects TXT answers as arrays of strings, each split at 255 octets.
      const strings = [];
      for (let i = 0; i < value.length; i += 255) strings.push(value.slice(i, i + 255));
      return [strings];
    }
    const error = new Error(`no ${type} record for ${name}`);
    error.code = 'ENOTFOUND';
    throw error;
  };
  const outcome = await dkimVerify(message, { resolver });
  const results = outcome.results.map((entry) => ({
    domain: entry.signingDomain || '',
    selector: entry.selector || '',
    algorithm: entry.algo || '',
    result: (entry.status && entry.status.result) || '',
    comment: (entry.status && entry.status.comment) || '',
  }));
  process.stdout.write(JSON.stringify({ results }) + '\n');
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error.message || error) }) + '\n');
  process.exit(1);
});
