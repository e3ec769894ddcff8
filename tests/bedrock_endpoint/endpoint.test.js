// The test endpoint's own tests: it accepts the tokens AWS's generators make (the golden vectors,
// and @aws/bedrock-token-generator at test time) and refuses tampered, expired, wrong-region and
// unknown ones, over HTTPS with HTTP/2 and HTTP/1.1 and over plain HTTP.
//   node --test tests/bedrock_endpoint/   (needs bindings/node's dev dependencies: npm ci there)
'use strict'

const assert = require('node:assert/strict')
const fs = require('node:fs')
const http2 = require('node:http2')
const https = require('node:https')
const path = require('node:path')
const { after, before, describe, test } = require('node:test')
const { verifyBearer } = require('./verify')
const { startEndpoint } = require('./start')

const root = path.resolve(__dirname, '../..')
const { getToken } = require(path.join(root, 'bindings/node/node_modules/@aws/bedrock-token-generator'))
const vectors = path.join(root, 'crates/bedrock-token/tests/fixtures')
const jsonl = (name) => fs.readFileSync(path.join(vectors, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line))

const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const SESSION = { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLE+/=' }

// The token with one character of its decoded URL changed by `edit`.
function tamper(token, edit) {
  const url = Buffer.from(token.slice('bedrock-api-key-'.length), 'base64').toString('utf8')
  return `bedrock-api-key-${Buffer.from(edit(url), 'utf8').toString('base64')}`
}

describe('verifyBearer, against tokens nobody here made', () => {
  const cases = jsonl('cases.jsonl')
  for (const file of ['python-reference.jsonl', 'js-reference.jsonl']) {
    test(`accepts every golden vector of ${file} inside its window, and refuses it after`, () => {
      jsonl(file).forEach(({ token }, i) => {
        const c = cases[i]
        const credentials = [{ accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, sessionToken: c.session_token }]
        const signed = Date.parse(c.time)
        const expires = (c.expires_in ?? 43200) * 1000
        const at = (now) => verifyBearer(`Bearer ${token}`, { region: c.region, credentials, now })
        assert.deepEqual(at(signed + expires), { ok: true, accessKeyId: c.access_key_id, signedAt: new Date(signed).toISOString() }, c.id)
        assert.equal(at(signed + expires + 1).reason, 'bearer token has expired', c.id)
        assert.equal(at(signed - 6 * 60 * 1000).reason, 'bearer token is signed in the future', c.id)
      })
    })
  }

  test('refuses a changed signature, expiry, action, host, or a parameter added or dropped', async () => {
    const token = await getToken({ credentials: KEY, region: 'us-east-1', expiresInSeconds: 900 })
    const check = (t) => verifyBearer(`Bearer ${t}`, { region: 'us-east-1', credentials: [KEY], now: Date.now() })
    assert.equal(check(token).ok, true)
    const edits = {
      'the bearer token signature does not match': [
        (u) => u.replace(/X-Amz-Signature=(.)/, (_, c) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`),
        (u) => u.replace('X-Amz-Expires=900', 'X-Amz-Expires=901'),
        (u) => u.replace('&Version=1', '&Extra=1&Version=1'),
      ],
      'bearer token is not for Action=CallWithBearerToken': [(u) => u.replace('CallWithBearerToken', 'CallWithBearerTokens')],
      'bearer token is signed for host bedrock-runtime.amazonaws.com, not bedrock.amazonaws.com': [(u) => u.replace(/^bedrock/, 'bedrock-runtime')],
      'bearer token does not end with Version=1': [(u) => u.replace('&Version=1', ''), (u) => u.replace('Version=1', 'Version=2')],
    }
    for (const [reason, list] of Object.entries(edits)) {
      for (const edit of list) assert.equal(check(tamper(token, edit)).reason, reason)
    }
  })

  test('refuses a token for another region, an unknown key, a wrong session token, and no bearer at all', async () => {
    const now = Date.now()
    const west = await getToken({ credentials: KEY, region: 'us-west-2' })
    assert.equal(verifyBearer(`Bearer ${west}`, { region: 'us-east-1', credentials: [KEY], now }).reason,
      'bearer token is signed for region us-west-2, this endpoint is us-east-1')
    const session = await getToken({ credentials: SESSION, region: 'us-east-1' })
    assert.equal(verifyBearer(`Bearer ${session}`, { region: 'us-east-1', credentials: [KEY], now }).reason,
      'the access key ASIAIOSFODNN7EXAMPLE in the bearer token is not known')
    assert.equal(verifyBearer(`Bearer ${session}`, { region: 'us-east-1', credentials: [{ ...SESSION, sessionToken: 'other' }], now }).reason,
      'the security token in the bearer token is not the one issued with its access key')
    assert.equal(verifyBearer(`Bearer ${session}`, { region: 'us-east-1', credentials: [SESSION], now }).ok, true)
    assert.equal(verifyBearer(undefined, { region: 'us-east-1', credentials: [KEY], now }).reason,
      'missing Authorization header: a bearer token is required')
    assert.equal(verifyBearer('AWS4-HMAC-SHA256 Credential=x', { region: 'us-east-1', credentials: [KEY], now }).reason,
      'Authorization is not a bearer token')
  })
})

describe('the endpoint over the network', () => {
  let endpoint
  before(async () => {
    endpoint = await startEndpoint({ credentials: [KEY] })
  })
  after(() => endpoint.stop())

  function h2(pathname, { method = 'GET', token, body } = {}) {
    return new Promise((resolve, reject) => {
      const session = http2.connect(endpoint.https, { ca: endpoint.ca })
      session.on('error', reject)
      const headers = { ':method': method, ':path': pathname, 'content-type': 'application/json' }
      if (token) headers.authorization = `Bearer ${token}`
      const req = session.request(headers)
      let status
      let text = ''
      req.on('response', (h) => { status = h[':status'] })
      req.on('data', (chunk) => { text += chunk })
      req.on('end', () => {
        session.close()
        resolve({ status, body: JSON.parse(text) })
      })
      req.end(body ? JSON.stringify(body) : undefined)
    })
  }

  test('HTTP/2 over TLS with the test CA: Converse answers a valid token, 403 with the reason otherwise', async () => {
    const token = await getToken({ credentials: KEY, region: 'us-east-1' })
    const messages = [{ role: 'user', content: [{ text: 'hi' }] }]
    const ok = await h2('/model/amazon.nova-lite-v1%3A0/converse', { method: 'POST', token, body: { messages } })
    assert.equal(ok.status, 200)
    assert.equal(ok.body.output.message.content[0].text, 'reply from amazon.nova-lite-v1:0 to: hi')
    const stale = await getToken({ credentials: KEY, region: 'us-east-1', expiresInSeconds: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const expired = await h2('/model/amazon.nova-lite-v1%3A0/converse', { method: 'POST', token: stale, body: { messages } })
    assert.deepEqual([expired.status, expired.body.message], [403, 'bearer token has expired'])
    const missing = await h2('/openai/v1/models')
    assert.deepEqual([missing.status, missing.body.error.message], [403, 'missing Authorization header: a bearer token is required'])
    const log = await endpoint.requests()
    assert.deepEqual(log.slice(-3).map((r) => [r.httpVersion, r.status, r.accessKeyId ?? null]),
      [['2.0', 200, KEY.accessKeyId], ['2.0', 403, null], ['2.0', 403, null]])
  })

  test('HTTP/1.1 over TLS and plain HTTP: ListFoundationModels honours byProvider; OpenAI routes answer', async () => {
    const token = await getToken({ credentials: KEY, region: 'us-east-1' })
    const headers = { authorization: `Bearer ${token}` }
    const viaHttps = await new Promise((resolve, reject) => {
      https.get(`${endpoint.https}/foundation-models?byProvider=anthropic`, { ca: endpoint.ca, headers }, (res) => {
        let text = ''
        res.on('data', (c) => { text += c })
        res.on('end', () => resolve({ version: res.httpVersion, body: JSON.parse(text) }))
      }).on('error', reject)
    })
    assert.equal(viaHttps.version, '1.1')
    assert.deepEqual(viaHttps.body.modelSummaries.map((m) => [m.modelId, m.modelLifecycle.status]),
      [['anthropic.claude-3-5-haiku-20241022-v1:0', 'ACTIVE'], ['anthropic.claude-3-haiku-20240307-v1:0', 'LEGACY']])
    const chat = await fetch(`${endpoint.http}/openai/v1/chat/completions`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai.gpt-oss-20b-1:0', messages: [{ role: 'user', content: 'hello' }] }),
    })
    assert.equal(chat.status, 200)
    assert.equal((await chat.json()).choices[0].message.content, 'reply to: hello')
    const models = await (await fetch(`${endpoint.http}/openai/v1/models`, { headers })).json()
    assert.ok(models.data.some((m) => m.id === 'meta.llama3-8b-instruct-v1:0'))
  })

  test('InvokeModel answers in the model family\'s own shape; an unknown route is 404 only after the token verifies', async () => {
    const token = await getToken({ credentials: KEY, region: 'us-east-1' })
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 16, messages: [{ role: 'user', content: 'ping' }] })
    const invoked = await fetch(`${endpoint.http}/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke`, { method: 'POST', headers, body })
    assert.equal(invoked.status, 200)
    const answer = await invoked.json()
    assert.deepEqual([answer.type, answer.role, answer.model, answer.content[0].text],
      ['message', 'assistant', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'reply to: ping'])
    const unknown = await fetch(`${endpoint.http}/model/x/unknown`, { method: 'POST', headers, body })
    assert.deepEqual([unknown.status, unknown.headers.get('x-amzn-errortype')], [404, 'ResourceNotFoundException'])
    const unauthenticated = await fetch(`${endpoint.http}/model/x/unknown`, { method: 'POST', body })
    assert.equal(unauthenticated.status, 403)
  })
})
