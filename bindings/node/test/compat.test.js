'use strict'
// The reference README's examples, unchanged but for the import; and clear errors where it is loose.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { getToken, getTokenProvider, BedrockTokenGenerator, inspectToken } = require('../bedrock-token.js')

function exampleEnv() {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  })
}

test('README: token provider with the default credential and region providers', async () => {
  exampleEnv()
  const provideToken = getTokenProvider()
  const token = await provideToken()
  assert.equal(inspectToken(token).accessKeyId, 'AKIAIOSFODNN7EXAMPLE')
  assert.equal(inspectToken(token).region, 'us-east-1')
})

test('README: token provider with a credential provider function and region', async () => {
  const fromTemporaryCredentials = () => async () => ({ accessKeyId: 'ASIATEMPEXAMPLE', secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.now() + 3600e3) })
  const provideToken = getTokenProvider({
    credentials: fromTemporaryCredentials({ params: { RoleArn: 'arn:aws:iam::123456789012:role/BedrockRole' } }),
    region: 'us-east-1',
  })
  const info = inspectToken(await provideToken())
  assert.equal(info.accessKeyId, 'ASIATEMPEXAMPLE')
  assert.equal(info.hasSessionToken, true)
})

test('README: specific credentials, region and expiry; stateless getToken; the class', async () => {
  const credentials = { accessKeyId: 'YOUR_ACCESS_KEY_ID', secretAccessKey: 'YOUR_SECRET_ACCESS_KEY', sessionToken: 'YOUR_SESSION_TOKEN' }
  const provideToken = getTokenProvider({ credentials, region: 'us-east-1', expiresInSeconds: 7200 })
  assert.equal(inspectToken(await provideToken()).lifetimeSeconds, 7200)
  const token = await getToken({ credentials, region: 'us-east-1', expiresInSeconds: 3600 })
  assert.equal(inspectToken(token).lifetimeSeconds, 3600)
  const generator = new BedrockTokenGenerator()
  assert.equal(inspectToken(await generator.getToken(credentials, 'us-west-2')).lifetimeSeconds, 43200)
})

test('clear TypeError/RangeError with a code where the reference is loose', async () => {
  const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' }
  const cases = [
    [{ expiresInSeconds: 'abc' }, TypeError, 'ERR_BEDROCK_INVALID_EXPIRY'],
    [{ expiresInSeconds: 0.5 }, RangeError, 'ERR_BEDROCK_INVALID_EXPIRY'],
    [{ expiresInSeconds: NaN }, RangeError, 'ERR_BEDROCK_INVALID_EXPIRY'],
    [{ expiresInSeconds: 43201 }, RangeError, 'ERR_BEDROCK_INVALID_EXPIRY'],
    [{ region: '' }, RangeError, 'ERR_BEDROCK_INVALID_REGION'],
    [{ region: 'US-EAST-1' }, RangeError, 'ERR_BEDROCK_INVALID_REGION'],
    [{ region: 42 }, TypeError, 'ERR_BEDROCK_INVALID_REGION'],
    [{ credentials: { accessKeyId: 'AKID' } }, TypeError, 'ERR_BEDROCK_INVALID_CREDENTIALS'],
    [{ credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 5 } }, TypeError, 'ERR_BEDROCK_INVALID_CREDENTIALS'],
  ]
  for (const [override, ErrorClass, code] of cases) {
    await assert.rejects(getToken({ credentials, region: 'us-east-1', ...override }), (error) => {
      assert.ok(error instanceof ErrorClass, `${JSON.stringify(override)}: ${error}`)
      assert.equal(error.code, code)
      return true
    })
  }
  assert.throws(() => inspectToken('bedrock-api-key-!!'), (e) => e instanceof TypeError && e.code === 'ERR_BEDROCK_MALFORMED_TOKEN')
})

test("an out-of-range expiresInSeconds: our RangeError and code, with AWS's wording in the message", async () => {
  const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' }
  const aws = 'ExpiresInSeconds must be in the range (0, 43200] seconds.'
  for (const expiresInSeconds of [0, -1, 43201, 100000]) {
    const check = (error) => {
      assert.ok(error instanceof RangeError, String(error))
      assert.equal(error.code, 'ERR_BEDROCK_INVALID_EXPIRY')
      assert.ok(error.message.includes(aws), error.message)
      assert.ok(error.message.includes(`expiresInSeconds is ${expiresInSeconds}, allowed 1 to 43200 seconds`), error.message)
      return true
    }
    await assert.rejects(getToken({ credentials, region: 'us-east-1', expiresInSeconds }), check)
    assert.throws(() => getTokenProvider({ expiresInSeconds }), check)
  }
  // AWS signs 0.5 s; we refuse it, so its message does not claim AWS's range.
  await assert.rejects(getToken({ credentials, region: 'us-east-1', expiresInSeconds: 0.5 }), (error) => {
    assert.match(error.message, /^expiresInSeconds is 0\.5, below the shortest lifetime of 1 second/)
    assert.ok(!error.message.includes(aws))
    return true
  })
  assert.throws(() => getTokenProvider({ refreshMarginSeconds: 0 }), (e) => e.code === 'ERR_BEDROCK_INVALID_EXPIRY' && /^refreshMarginSeconds is 0/.test(e.message) && !e.message.includes(aws))
})

test('TypeScript with esModuleInterop sees the named exports as they are, without an extra default', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-token-ts-'))
  const entry = JSON.stringify(path.join(__dirname, '..', 'bedrock-token'))
  fs.writeFileSync(path.join(dir, 'main.ts'), [
    `import * as btg from ${entry}`,
    `import { getToken } from ${entry}`,
    'console.log(JSON.stringify({ keys: Object.keys(btg), same: btg.getToken === getToken }))',
  ].join('\n'))
  const tsc = path.join(__dirname, '..', 'node_modules', '.bin', 'tsc')
  execFileSync(tsc, ['--esModuleInterop', '--strict', '--module', 'commonjs', '--target', 'es2020', '--outDir', dir, path.join(dir, 'main.ts')])
  const { keys, same } = JSON.parse(execFileSync('node', [path.join(dir, 'main.js')], { encoding: 'utf8' }))
  assert.deepEqual(keys.sort(), ['BedrockTokenGenerator', 'TokenProvider', 'getToken', 'getTokenProvider', 'inspectKey', 'inspectToken', 'openaiBaseUrl', 'signTokenSync'])
  assert.equal(same, true)
  fs.rmSync(dir, { recursive: true, force: true })
})
