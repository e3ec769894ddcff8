'use strict'
// @aws-sdk/client-bedrock-runtime and openai, as users call Bedrock, authenticated by TokenProvider
// against the verifying test endpoint (tests/bedrock_endpoint): it answers only bearer tokens it can
// verify from its table of credentials, so a wrong, stale or missing token fails these tests.
const test = require('node:test')
const assert = require('node:assert/strict')
const { BedrockRuntimeClient, ConverseCommand } = require('@aws-sdk/client-bedrock-runtime')
const { default: OpenAI, PermissionDeniedError } = require('openai')
const { TokenProvider, openaiBaseUrl } = require('../bedrock-token.js')
const { startEndpoint } = require('../../../tests/bedrock_endpoint/start.js')

const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const OTHER = { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' }
const MODEL = 'amazon.nova-lite-v1:0'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

let endpoint
test.before(async () => {
  endpoint = await startEndpoint({ credentials: [KEY, OTHER] })
})
test.after(() => endpoint.stop())

/** The client as the JS SDK makes it by default (HTTP/2), told to trust the test CA. */
function runtime(provider, region = 'us-east-1') {
  return new BedrockRuntimeClient({
    region,
    endpoint: endpoint.https,
    token: provider.tokenIdentityProvider(),
    authSchemePreference: ['httpBearerAuth'],
    requestHandler: { nodeHttp2ConnectOptions: { ca: endpoint.ca } },
    maxAttempts: 1,
  })
}

async function converse(client, text = 'hi') {
  const answer = await client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text }] }] }))
  return answer.output.message.content[0].text
}

/** The endpoint's log from `since` on. */
async function requestsSince(since) {
  return (await endpoint.requests()).slice(since)
}

test('tokenIdentityProvider() resolves to the token and its refresh point', async () => {
  const provider = new TokenProvider({ region: 'us-east-1', credentials: KEY })
  const identity = await provider.tokenIdentityProvider()()
  const info = await provider.tokenInfo()
  assert.equal(identity.token, info.token)
  assert.ok(identity.expiration instanceof Date)
  assert.equal(identity.expiration.getTime(), info.keepUntil.getTime())
  assert.ok(identity.expiration < info.expiresAt, 'the SDK comes back before the token expires')
  provider.invalidate()
  assert.ok((await provider.tokenInfo()).keepUntil > Date.now(), 'a new token after invalidate() is fresh again')
})

test('BedrockRuntimeClient over HTTP/2 sends the provider token; two providers keep their own keys', async () => {
  const since = (await endpoint.requests()).length
  const first = runtime(new TokenProvider({ region: 'us-east-1', credentials: KEY }))
  const second = runtime(new TokenProvider({ region: 'us-east-1', credentials: OTHER }))
  assert.equal(await converse(first), `reply from ${MODEL} to: hi`)
  await converse(second)
  await converse(first)
  const log = await requestsSince(since)
  assert.deepEqual(log.map((r) => [r.httpVersion, r.status, r.accessKeyId]),
    [['2.0', 200, KEY.accessKeyId], ['2.0', 200, OTHER.accessKeyId], ['2.0', 200, KEY.accessKeyId]])
  assert.equal(process.env.AWS_BEARER_TOKEN_BEDROCK, undefined)
})

test('a token the endpoint cannot verify is refused: wrong secret, wrong region', async () => {
  const wrongSecret = runtime(new TokenProvider({ region: 'us-east-1', credentials: { ...KEY, secretAccessKey: 'not-the-secret' } }))
  await assert.rejects(converse(wrongSecret), { name: 'AccessDeniedException', message: 'the bearer token signature does not match' })
  const wrongRegion = runtime(new TokenProvider({ region: 'us-west-2', credentials: KEY }), 'us-west-2')
  await assert.rejects(converse(wrongRegion), { name: 'AccessDeniedException', message: 'bearer token is signed for region us-west-2, this endpoint is us-east-1' })
})

/** Until the provider holds a token signed after the first (at most 5 s). */
async function waitForRefresh(provider, firstIssuedAt) {
  for (let i = 0; i < 250; i++) {
    if ((await provider.tokenInfo()).issuedAt > firstIssuedAt) return
    await sleep(20)
  }
  throw new Error('the provider did not refresh within 5 s')
}

test('a long-running SDK client sends a new token after the refresh point', async () => {
  // 6 s tokens refreshed 3 s before expiry: 4 s on, the first token is past its refresh point.
  const provider = new TokenProvider({ region: 'us-east-1', credentials: KEY, expiresInSeconds: 6, refreshMarginSeconds: 3 })
  const client = runtime(provider)
  const since = (await endpoint.requests()).length
  await converse(client)
  const firstIssuedAt = (await provider.tokenInfo()).issuedAt
  await sleep(4000)
  await converse(client) // may still carry the first token (valid 2 s more) while it is replaced
  await waitForRefresh(provider, firstIssuedAt)
  await converse(client)
  const log = await requestsSince(since)
  assert.deepEqual(log.map((r) => r.status), [200, 200, 200])
  assert.ok(log[2].signedAt > log[0].signedAt, JSON.stringify(log))
})

test('openai with apiKey: () => provider.token(): chat completions, models, a new token after the refresh point', async () => {
  assert.equal(openaiBaseUrl('us-east-1'), 'https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1')
  assert.equal(openaiBaseUrl('us-east-1', 'bedrock-mantle'), 'https://bedrock-mantle.us-east-1.api.aws/v1')
  assert.throws(() => openaiBaseUrl('us-east-1', 'mantle'), { name: 'RangeError', code: 'ERR_BEDROCK_INVALID_SETTING' })
  const provider = new TokenProvider({ region: 'us-east-1', credentials: KEY, expiresInSeconds: 6, refreshMarginSeconds: 3 })
  const since = (await endpoint.requests()).length
  const client = new OpenAI({ baseURL: `${endpoint.http}/openai/v1`, apiKey: () => provider.token(), maxRetries: 0 })
  const chat = await client.chat.completions.create({ model: 'openai.gpt-oss-20b-1:0', messages: [{ role: 'user', content: 'hello' }] })
  assert.equal(chat.choices[0].message.content, 'reply to: hello')
  const firstIssuedAt = (await provider.tokenInfo()).issuedAt
  await sleep(4000)
  await client.models.list()
  await waitForRefresh(provider, firstIssuedAt)
  const models = await client.models.list()
  assert.ok(models.data.some((m) => m.id === 'meta.llama3-8b-instruct-v1:0'))
  const log = await requestsSince(since)
  assert.deepEqual(log.map((r) => r.status), [200, 200, 200])
  assert.ok(log[2].signedAt > log[0].signedAt, JSON.stringify(log))
  const wrong = new TokenProvider({ region: 'us-east-1', credentials: { ...KEY, secretAccessKey: 'not-the-secret' } })
  const refused = new OpenAI({ baseURL: `${endpoint.http}/openai/v1`, apiKey: () => wrong.token(), maxRetries: 0 })
  await assert.rejects(refused.models.list(), (error) => error instanceof PermissionDeniedError && /signature does not match/.test(error.message))
})

// The README's recipe for openai-node's own Bedrock provider (`openai/providers/bedrock`, openai 6.49),
// run as the README runs it: a CommonJS file in a fresh process, `bedrock-token` and `openai` from
// node_modules, the default credential chain, the endpoint reached through AWS_BEDROCK_BASE_URL.
const OPENAI_BEDROCK_PROVIDER_RECIPE = `\
// needs Bedrock: calls a model (CI runs it against the local verifying endpoint)
// npm install bedrock-token openai
const { default: OpenAI } = require('openai')
const { bedrock } = require('openai/providers/bedrock')
const { TokenProvider, openaiBaseUrl } = require('bedrock-token')

async function main() {
  const provider = new TokenProvider({ region: 'us-east-1' })
  const baseURL = process.env.AWS_BEDROCK_BASE_URL || openaiBaseUrl('us-east-1')   // the bedrock-runtime endpoint
  const client = new OpenAI({ provider: bedrock({ baseURL, tokenProvider: () => provider.token() }) })
  const chat = await client.chat.completions.create({ model: 'openai.gpt-oss-20b-1:0', messages: [{ role: 'user', content: 'Hello' }] })
  console.log(chat.choices[0].message.content)
}
main().catch((error) => { console.error(error.message); process.exit(1) })
`

test('the openai Bedrock provider recipe: tokenProvider: () => provider.token()', async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const { spawnSync } = require('node:child_process')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openai-bedrock-recipe-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(path.resolve(__dirname, '..'), path.join(dir, 'node_modules', 'bedrock-token'))
    fs.symlinkSync(path.resolve(__dirname, '..', 'node_modules', 'openai'), path.join(dir, 'node_modules', 'openai'))
    fs.writeFileSync(path.join(dir, 'recipe.js'), OPENAI_BEDROCK_PROVIDER_RECIPE)
    const env = { PATH: process.env.PATH, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey, AWS_BEDROCK_BASE_URL: `${endpoint.https}/openai/v1`, NODE_EXTRA_CA_CERTS: endpoint.caFile }
    const since = (await endpoint.requests()).length
    const run = spawnSync(process.execPath, ['recipe.js'], { cwd: dir, env, encoding: 'utf8', timeout: 60000 })
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, 'reply to: Hello\n', ''])
    const log = (await endpoint.requests()).slice(since)
    assert.deepEqual(log.map((r) => [r.path, r.status, r.accessKeyId]), [['/openai/v1/chat/completions', 200, KEY.accessKeyId]])
    // Another secret: the endpoint refuses the token and the recipe fails with its reason.
    const wrong = spawnSync(process.execPath, ['recipe.js'], { cwd: dir, env: { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, encoding: 'utf8', timeout: 60000 })
    assert.equal(wrong.status, 1)
    assert.match(wrong.stderr, /the bearer token signature does not match/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
