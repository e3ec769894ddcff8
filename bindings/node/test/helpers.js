'use strict'
// Shared by the tests: the golden vectors (made by AWS's official generators; see the fixtures README),
// and the emulator (moto with this project's extensions: IAM, STS, Organizations, Secrets Manager).
const assert = require('node:assert/strict')
const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')
const { spawn } = require('node:child_process')

const FIXTURES = path.join(__dirname, '..', '..', '..', 'crates', 'bedrock-token', 'tests', 'fixtures')

function lines(name) {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
}

/** The decoded query of a token as an object, to compare tokens whose parameter order differs. */
function params(token) {
  const url = Buffer.from(token.replace('bedrock-api-key-', ''), 'base64').toString('utf8')
  return Object.fromEntries(url.replace('bedrock.amazonaws.com/?', '').split('&').map((kv) => kv.split('=')))
}

/** Runs `fn` with the global Date frozen at `at` (how the reference's clock is pinned). */
async function withFrozenDate(at, fn) {
  const RealDate = global.Date
  const frozen = class extends RealDate {
    constructor(...args) { if (args.length === 0) super(at.getTime()); else super(...args) }
    static now() { return at.getTime() }
  }
  global.Date = frozen
  try {
    return await fn()
  } finally {
    global.Date = RealDate
  }
}

/**
 * Starts the emulator (`BEDROCK_TOKEN_MOTO_SERVER`) on a loopback port for test `t`, stopped after it;
 * resolves to its endpoint, or skips the test without it (fails under CI=true).
 */
async function emulator(t) {
  const program = process.env.BEDROCK_TOKEN_MOTO_SERVER
  if (!program) {
    assert.notEqual(process.env.CI, 'true', 'CI=true but BEDROCK_TOKEN_MOTO_SERVER is not set')
    t.skip('set BEDROCK_TOKEN_MOTO_SERVER to run the IAM emulator')
    return undefined
  }
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)) })
  })
  const child = spawn(program, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  t.after(() => child.kill())
  const endpoint = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })).ok) return endpoint
    } catch {}
    assert.ok(i < 600 && child.exitCode === null, 'the IAM emulator did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const authorization = (keyId, service) =>
  `AWS4-HMAC-SHA256 Credential=${keyId}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`

/** One Query API call (IAM or STS) as `keyId`; the emulator routes by the credential scope and checks no signature. */
async function query(endpoint, service, keyId, params) {
  const version = service === 'iam' ? '2010-05-08' : '2011-06-15'
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: authorization(keyId, service) },
    body: new URLSearchParams({ Version: version, ...params }).toString(),
  })
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)[1]
}

module.exports = { authorization, emulator, lines, params, query, withFrozenDate }
