// IBM's Key Protect Node.js SDK (@ibm-cloud/ibm-key-protect, pinned in package.json) against a Key Protect service:
// authenticates with IamAuthenticator, then create, list, get, wrap, unwrap, rotate, unwrap an old ciphertext, rewrap,
// disable (wrap must fail), enable, delete (wrap must fail). Prints one JSON line per step
// ({"step", "ok", ...}; a refused call carries "status" and Key Protect's reason "code"), then {"step":"done"}.
// Environment: IAM_URL, KP_URL, KP_INSTANCE_ID, IBMCLOUD_API_KEY (and NODE_EXTRA_CA_CERTS for a test CA).
'use strict';
const crypto = require('crypto');
const KeyProtectV2 = require('@ibm-cloud/ibm-key-protect/ibm-key-protect-api/v2');
const { IamAuthenticator } = require('@ibm-cloud/ibm-key-protect/auth');

function env(name) {
  const v = process.env[name];
  if (!v) { console.error(`${name} is not set`); process.exit(2); }
  return v;
}

const config = { bluemixInstance: env('KP_INSTANCE_ID') };
const client = new KeyProtectV2({
  authenticator: new IamAuthenticator({ apikey: env('IBMCLOUD_API_KEY'), url: env('IAM_URL') }),
  serviceUrl: env('KP_URL'),
});

function report(step, fields) { console.log(JSON.stringify(Object.assign({ step }, fields))); }

// A call that must succeed: its HTTP status and result.
async function must(step, call, describe) {
  try {
    const response = await call();
    report(step, Object.assign({ ok: true, status: response.status }, describe ? describe(response.result) : {}));
    return response.result;
  } catch (err) {
    report(step, Object.assign({ ok: false }, refusal(err)));
    throw new Error(`${step} failed: ${err.status} ${err.message}`);
  }
}

// A call that must be refused: its HTTP status and Key Protect's reason code.
async function mustFail(step, call) {
  try {
    const response = await call();
    report(step, { ok: false, status: response.status, note: 'the call succeeded, a refusal was expected' });
  } catch (err) {
    report(step, Object.assign({ ok: true }, refusal(err)));
  }
}

function refusal(err) {
  let code = null;
  try {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    code = body.resources[0].reasons[0].code;
  } catch (_) { /* not Key Protect's error shape */ }
  return { status: err.status || null, code, message: String(err.message || err) };
}

async function main() {
  const dek = crypto.randomBytes(32).toString('base64');
  const created = await must('create', () => client.createKey(Object.assign({}, config, {
    body: {
      metadata: { collectionType: 'application/vnd.ibm.kms.key+json', collectionTotal: 1 },
      resources: [{ type: 'application/vnd.ibm.kms.key+json', name: 'sdk-root-key', extractable: false }],
    },
  })), r => ({ id: r.resources[0].id, state: r.resources[0].state, extractable: r.resources[0].extractable }));
  const id = created.resources[0].id;
  const keyParams = Object.assign({}, config, { id });

  await must('list', () => client.getKeys(Object.assign({}, config)),
    r => ({ total: r.metadata.collectionTotal, ids: r.resources.map(k => k.id) }));
  await must('get', () => client.getKey(keyParams), r => ({ name: r.resources[0].name, state: r.resources[0].state }));

  const wrapped = await must('wrap', () => client.wrapKey(Object.assign({}, keyParams, { keyActionWrapBody: { plaintext: dek, aad: ['harness'] } })),
    r => ({ keyVersion: r.keyVersion && r.keyVersion.id }));
  await must('unwrap', () => client.unwrapKey(Object.assign({}, keyParams, { keyActionUnwrapBody: { ciphertext: wrapped.ciphertext, aad: ['harness'] } })),
    r => ({ roundTrip: r.plaintext === dek, keyVersion: r.keyVersion && r.keyVersion.id }));

  await must('rotate', () => client.rotateKey(keyParams));
  await must('versions', () => client.getKeyVersions(keyParams), r => ({ ids: r.resources.map(v => v.id) }));
  const unwrappedOld = await must('unwrap-old', () => client.unwrapKey(Object.assign({}, keyParams, { keyActionUnwrapBody: { ciphertext: wrapped.ciphertext, aad: ['harness'] } })),
    r => ({ roundTrip: r.plaintext === dek, keyVersion: r.keyVersion && r.keyVersion.id,
      rewrappedKeyVersion: r.rewrappedKeyVersion && r.rewrappedKeyVersion.id, rewrapped: typeof r.ciphertext === 'string' }));
  await must('unwrap-rewrapped', () => client.unwrapKey(Object.assign({}, keyParams, { keyActionUnwrapBody: { ciphertext: unwrappedOld.ciphertext, aad: ['harness'] } })),
    r => ({ roundTrip: r.plaintext === dek, keyVersion: r.keyVersion && r.keyVersion.id }));
  await must('rewrap', () => client.rewrapKey(Object.assign({}, keyParams, { keyActionRewrapBody: { ciphertext: wrapped.ciphertext, aad: ['harness'] } })),
    r => ({ keyVersion: r.keyVersion && r.keyVersion.id, rewrappedKeyVersion: r.rewrappedKeyVersion && r.rewrappedKeyVersion.id,
      rewrapped: typeof r.ciphertext === 'string', plaintextShown: r.plaintext !== undefined }));
  await must('wrap-new', () => client.wrapKey(Object.assign({}, keyParams, { keyActionWrapBody: {} })),
    r => ({ keyVersion: r.keyVersion && r.keyVersion.id, generated: typeof r.plaintext === 'string' && Buffer.from(r.plaintext, 'base64').length === 32 }));

  await must('disable', () => client.disableKey(keyParams));
  await mustFail('wrap-disabled', () => client.wrapKey(Object.assign({}, keyParams, { keyActionWrapBody: { plaintext: dek } })));
  await must('enable', () => client.enableKey(keyParams));
  await must('wrap-enabled', () => client.wrapKey(Object.assign({}, keyParams, { keyActionWrapBody: { plaintext: dek } })));

  await must('delete', () => client.deleteKey(keyParams));
  await mustFail('wrap-deleted', () => client.wrapKey(Object.assign({}, keyParams, { keyActionWrapBody: { plaintext: dek } })));
  await must('get-deleted', () => client.getKey(keyParams), r => ({ state: r.resources[0].state, deleted: r.resources[0].deleted }));
  report('done', { ok: true });
}

main().catch(err => { console.error(String(err && err.stack || err)); process.exit(1); });
