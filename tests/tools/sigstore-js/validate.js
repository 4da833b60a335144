// Validates bundles with @sigstore/bundle (the Sigstore JavaScript library's own parser and
// validator): every DIR/*.json must load with bundleFromJSON, pass assertBundleLatest (the
// v0.3 rules) and carry the v0.3 media type; a DIR/NAME.pub beside a DSSE bundle is the
// signer's public key (SPKI DER, base64), and the envelope's signature must verify over the
// DSSE PAE with node's own crypto. Controls: a bundle without content and a tampered
// signature must be refused, or this script could not fail.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const sb = require('@sigstore/bundle');

function pae(type, payload) {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

function check(json) {
  const b = sb.bundleFromJSON(json);
  sb.assertBundleLatest(b);
  if (json.mediaType !== sb.BUNDLE_V03_MEDIA_TYPE) throw new Error(`mediaType ${json.mediaType}`);
  return b;
}

function verifyDsse(json, pubB64) {
  const env = json.dsseEnvelope;
  const key = crypto.createPublicKey({ key: Buffer.from(pubB64.trim(), 'base64'), format: 'der', type: 'spki' });
  const data = pae(env.payloadType, Buffer.from(env.payload, 'base64'));
  return crypto.verify('sha256', data, key, Buffer.from(env.signatures[0].sig, 'base64'));
}

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) { console.error('no bundles to validate'); process.exit(1); }
let bad = 0;
for (const f of files) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  try {
    check(json);
    const pub = path.join(dir, f.replace(/\.json$/, '.pub'));
    if (fs.existsSync(pub)) {
      const key = fs.readFileSync(pub, 'utf8');
      if (!verifyDsse(json, key)) throw new Error('the DSSE signature does not verify');
      const tampered = JSON.parse(JSON.stringify(json));
      const p = Buffer.from(tampered.dsseEnvelope.payload, 'base64');
      p[p.length - 2] ^= 1;
      tampered.dsseEnvelope.payload = p.toString('base64');
      if (verifyDsse(tampered, key)) throw new Error('control: a changed payload still verifies');
      console.log(`ok: ${f}: valid v0.3 bundle, DSSE signature verified by node crypto`);
    } else {
      console.log(`ok: ${f}: valid v0.3 bundle`);
    }
    const empty = JSON.parse(JSON.stringify(json));
    delete empty.dsseEnvelope;
    delete empty.messageSignature;
    let refused = false;
    try { check(empty); } catch (e) { refused = true; }
    if (!refused) throw new Error('control: a bundle without content was accepted');
  } catch (e) {
    bad++;
    console.error(`FAIL: ${f}: ${e.message}${e.fields ? ' ' + JSON.stringify(e.fields) : ''}`);
  }
}
process.exit(bad ? 1 : 0);
