// The endpoint in --iam mode against a real IAM emulator process (emulator.js): keys are
// authenticated with what IAM holds, and policies, boundaries and SCPs are evaluated per request.
// These reproduce, end to end, what the Bedrock API keys guide and the IAM evaluation rules say:
// a `DateLessThan aws:TokenIssueTime` deny does not touch an IAM user's own keys (short-term keys
// signed with its access key, and its long-term keys), a `Null aws:TokenIssueTime` deny does; an
// SCP on `bedrock:BearerTokenType` does not reach Mantle, whose key is `bedrock-mantle:BearerTokenType`.
//   node --test tests/bedrock_endpoint/   (skips without moto, except under CI=true)
'use strict'

const assert = require('node:assert/strict')
const path = require('node:path')
const { after, before, beforeEach, describe, test } = require('node:test')
const { startEndpoint } = require('./start')
const { startEmulator } = require('./emulator')

const root = path.resolve(__dirname, '../..')
const { getToken } = require(path.join(root, 'bindings/node/node_modules/@aws/bedrock-token-generator'))

const ACCOUNT = '123456789012'
const LIMITED = 'arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess'
const BEARER = 'bedrock:CallWithBearerToken'
const NOVA = '/model/amazon.nova-lite-v1%3A0/converse'
const doc = (...Statement) => JSON.stringify({ Version: '2012-10-17', Statement })

describe('the evaluating endpoint (--iam) with the IAM emulator', async () => {
  const emulator = await startEmulator()
  if (!emulator) {
    test('skipped: no IAM emulator here (set BEDROCK_TOKEN_MOTO_SERVER, or install moto as .ci/run does)', { skip: true }, () => {})
    return
  }
  let endpoint
  before(async () => {
    endpoint = await startEndpoint({ iam: emulator.url })
  })
  after(() => {
    endpoint.stop()
    emulator.stop()
  })
  beforeEach(() => emulator.reset())

  // An IAM user with AmazonBedrockLimitedAccess, an access key and a long-term API key.
  async function user(name) {
    await emulator.iam('CreateUser', { UserName: name })
    await emulator.iam('AttachUserPolicy', { UserName: name, PolicyArn: LIMITED })
    const key = await emulator.iam('CreateAccessKey', { UserName: name })
    const credentials = { accessKeyId: emulator.field(key, 'AccessKeyId'), secretAccessKey: emulator.field(key, 'SecretAccessKey') }
    const created = await emulator.iam('CreateServiceSpecificCredential', { UserName: name, ServiceName: 'bedrock.amazonaws.com' })
    return {
      credentials,
      shortTerm: await getToken({ credentials, region: 'us-east-1' }),
      longTerm: emulator.field(created, 'ServiceCredentialSecret'),
      longTermId: emulator.field(created, 'ServiceSpecificCredentialId'),
    }
  }

  async function call(pathname, token, { method = 'POST', body } = {}) {
    const isPost = method === 'POST'
    const payload = body ?? (pathname.includes('chat/completions')
      ? { model: 'openai.gpt-oss-20b-1:0', messages: [{ role: 'user', content: 'hi' }] }
      : { messages: [{ role: 'user', content: [{ text: 'hi' }] }] })
    const response = await fetch(`${endpoint.http}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: isPost ? JSON.stringify(payload) : undefined,
    })
    const answer = await response.json()
    const log = await endpoint.requests()
    return { status: response.status, message: answer.message ?? answer.error?.message, entry: log[log.length - 1] }
  }

  const statuses = async (token, paths) => Promise.all(paths.map(async (p) => (await call(...p(token))).status))

  test('a user with AmazonBedrockLimitedAccess: its short-term and long-term keys work on Runtime, OpenAI and Mantle routes', async () => {
    const alice = await user('alice')
    const routes = [(t) => [NOVA, t], (t) => ['/foundation-models', t, { method: 'GET' }], (t) => ['/openai/v1/chat/completions', t],
      (t) => ['/mantle/v1/chat/completions', t], (t) => ['/mantle/v1/models', t, { method: 'GET' }]]
    assert.deepEqual(await statuses(alice.shortTerm, routes), [200, 200, 200, 200, 200])
    assert.deepEqual(await statuses(alice.longTerm, routes), [200, 200, 200, 200, 200])
    const { entry } = await call(NOVA, alice.shortTerm)
    assert.deepEqual([entry.principalArn, entry.tokenType, entry.decision, entry.accessKeyId],
      [`arn:aws:iam::${ACCOUNT}:user/alice`, 'SHORT_TERM', 'allow', alice.credentials.accessKeyId])
    assert.equal((await call(NOVA, alice.longTerm)).entry.tokenType, 'LONG_TERM')
  })

  test('a user without policies is refused with AWS\'s implicit-deny message', async () => {
    await emulator.iam('CreateUser', { UserName: 'bare' })
    const key = await emulator.iam('CreateAccessKey', { UserName: 'bare' })
    const token = await getToken({ credentials: { accessKeyId: emulator.field(key, 'AccessKeyId'), secretAccessKey: emulator.field(key, 'SecretAccessKey') }, region: 'us-east-1' })
    const refused = await call(NOVA, token)
    assert.equal(refused.status, 403)
    assert.equal(refused.message, `User: arn:aws:iam::${ACCOUNT}:user/bare is not authorized to perform: ${BEARER} on resource: * because no identity-based policy allows the ${BEARER} action`)
    assert.equal(refused.entry.decision, 'implicit-deny')
  })

  test('DateLessThan aws:TokenIssueTime does not stop a user\'s own keys; Null aws:TokenIssueTime does', async () => {
    const bob = await user('bob')
    const future = new Date(Date.now() + 3600e3).toISOString()
    await emulator.iam('PutUserPolicy', { UserName: 'bob', PolicyName: 'revoke-before', PolicyDocument: doc(
      { Sid: 'RevokeOlderTokens', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': future } } }) })
    // The defect issue 25 describes: no aws:TokenIssueTime for these credentials, so no deny.
    assert.equal((await call(NOVA, bob.shortTerm)).status, 200)
    assert.equal((await call(NOVA, bob.longTerm)).status, 200)
    await emulator.iam('PutUserPolicy', { UserName: 'bob', PolicyName: 'revoke-long-lived', PolicyDocument: doc(
      { Sid: 'NoLongTermCredentials', Effect: 'Deny', Action: [BEARER, 'bedrock-mantle:CallWithBearerToken'], Resource: '*', Condition: { Null: { 'aws:TokenIssueTime': 'true' } } }) })
    for (const token of [bob.shortTerm, bob.longTerm]) {
      for (const route of [NOVA, '/mantle/v1/chat/completions']) {
        const refused = await call(route, token)
        assert.equal(refused.status, 403, route)
        assert.match(refused.message, /^User: arn:aws:iam::123456789012:user\/bob is not authorized to perform: bedrock(-mantle)?:CallWithBearerToken on resource: \* with an explicit deny in an identity-based policy$/)
        assert.deepEqual(refused.entry.denied, { action: refused.entry.denied.action, kind: 'identity', policy: 'revoke-long-lived', sid: 'NoLongTermCredentials' })
        assert.equal(refused.entry.decision, 'explicit-deny')
      }
    }
  })

  test('a role session\'s token is refused by a DateLessThan aws:TokenIssueTime deny after its issue time, accepted before', async () => {
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' })
    await emulator.iam('CreateRole', { RoleName: 'app', AssumeRolePolicyDocument: trust })
    await emulator.iam('AttachRolePolicy', { RoleName: 'app', PolicyArn: LIMITED })
    const assumed = await emulator.sts('AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`, RoleSessionName: 'run' })
    const credentials = { accessKeyId: emulator.field(assumed, 'AccessKeyId'), secretAccessKey: emulator.field(assumed, 'SecretAccessKey'), sessionToken: emulator.field(assumed, 'SessionToken') }
    const token = await getToken({ credentials, region: 'us-east-1' })
    const deny = (at) => emulator.iam('PutRolePolicy', { RoleName: 'app', PolicyName: 'revoke', PolicyDocument: doc(
      { Sid: 'RevokeOlderSessions', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': at } } }) })
    await deny(new Date(Date.now() - 3600e3).toISOString())
    const accepted = await call(NOVA, token)
    assert.deepEqual([accepted.status, accepted.entry.principalArn], [200, `arn:aws:sts::${ACCOUNT}:assumed-role/app/run`])
    await deny(new Date(Date.now() + 3600e3).toISOString())
    const refused = await call(NOVA, token)
    assert.equal(refused.status, 403)
    assert.equal(refused.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/app/run is not authorized to perform: ${BEARER} on resource: * with an explicit deny in an identity-based policy`)
    assert.deepEqual(refused.entry.denied, { action: BEARER, kind: 'identity', policy: 'revoke', sid: 'RevokeOlderSessions' })
    // A token whose session token is not the session's is not this session's.
    const forged = await getToken({ credentials: { ...credentials, sessionToken: 'other' }, region: 'us-east-1' })
    assert.equal((await call(NOVA, forged)).message, 'the security token in the bearer token is not the one issued with its access key')
  })

  test('an SCP denying bedrock:CallWithBearerToken for LONG_TERM stops long-term keys on Runtime, not on Mantle, until Mantle has its own statement', async () => {
    const carol = await user('carol')
    const full = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
    const runtime = { Sid: 'DenyLongTermRuntime', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { StringEquals: { 'bedrock:BearerTokenType': 'LONG_TERM' } } }
    await emulator.setScps(ACCOUNT, [full, { Version: '2012-10-17', Statement: [runtime] }])
    const onRuntime = await call(NOVA, carol.longTerm)
    assert.equal(onRuntime.status, 403)
    assert.equal(onRuntime.message, `User: arn:aws:iam::${ACCOUNT}:user/carol is not authorized to perform: ${BEARER} on resource: * with an explicit deny in a service control policy`)
    assert.deepEqual(onRuntime.entry.denied, { action: BEARER, kind: 'scp', policy: 'scp-2', sid: 'DenyLongTermRuntime' })
    assert.equal((await call('/mantle/v1/chat/completions', carol.longTerm)).status, 200, 'Mantle has no bedrock:BearerTokenType')
    assert.equal((await call(NOVA, carol.shortTerm)).status, 200)
    const mantle = { Sid: 'DenyLongTermMantle', Effect: 'Deny', Action: 'bedrock-mantle:CallWithBearerToken', Resource: '*', Condition: { StringEquals: { 'bedrock-mantle:BearerTokenType': 'LONG_TERM' } } }
    await emulator.setScps(ACCOUNT, [full, { Version: '2012-10-17', Statement: [runtime, mantle] }])
    const onMantle = await call('/mantle/v1/chat/completions', carol.longTerm)
    assert.deepEqual([onMantle.status, onMantle.entry.denied.sid], [403, 'DenyLongTermMantle'])
    assert.equal((await call('/mantle/v1/chat/completions', carol.shortTerm)).status, 200)
    // An SCP level with no allow refuses everything.
    await emulator.setScps(ACCOUNT, [{ Version: '2012-10-17', Statement: [runtime] }])
    assert.match((await call(NOVA, carol.shortTerm)).message, /because no service control policy allows the bedrock:CallWithBearerToken action$/)
  })

  test('InvokeModel is authorized on the model\'s ARN: foundation model, or inference profile for a geographic id', async () => {
    const dan = await user('dan')
    await emulator.iam('PutUserPolicy', { UserName: 'dan', PolicyName: 'no-anthropic', PolicyDocument: doc(
      { Sid: 'NoAnthropic', Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: ['arn:aws:bedrock:*::foundation-model/anthropic.*', 'arn:aws:bedrock:*:*:inference-profile/*anthropic.*'] }) })
    assert.equal((await call(NOVA, dan.shortTerm)).status, 200)
    const direct = await call('/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke', dan.shortTerm)
    assert.equal(direct.message, `User: arn:aws:iam::${ACCOUNT}:user/dan is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 with an explicit deny in an identity-based policy`)
    const profile = await call('/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse', dan.shortTerm)
    assert.match(profile.message, /on resource: arn:aws:bedrock:us-east-1:123456789012:inference-profile\/us\.anthropic\.claude-3-haiku-20240307-v1:0 with/)
    const chat = await call('/openai/v1/chat/completions', dan.shortTerm, { body: { model: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [] } })
    assert.deepEqual([chat.status, chat.entry.denied.action], [403, 'bedrock:InvokeModel'])
  })

  test('inactive, deleted and unknown keys are refused', async () => {
    const erin = await user('erin')
    await emulator.iam('UpdateAccessKey', { UserName: 'erin', AccessKeyId: erin.credentials.accessKeyId, Status: 'Inactive' })
    assert.equal((await call(NOVA, erin.shortTerm)).message, `the access key ${erin.credentials.accessKeyId} in the bearer token is Inactive`)
    await emulator.iam('DeleteAccessKey', { UserName: 'erin', AccessKeyId: erin.credentials.accessKeyId })
    assert.equal((await call(NOVA, erin.shortTerm)).message, `the access key ${erin.credentials.accessKeyId} in the bearer token is not known`)
    await emulator.iam('UpdateServiceSpecificCredential', { UserName: 'erin', ServiceSpecificCredentialId: erin.longTermId, Status: 'Inactive' })
    const inactive = await call('/mantle/v1/models', erin.longTerm, { method: 'GET' })
    assert.deepEqual([inactive.status, inactive.message], [403, `the long-term API key ${erin.longTermId} of arn:aws:iam::${ACCOUNT}:user/erin is Inactive`])
    await emulator.iam('DeleteServiceSpecificCredential', { UserName: 'erin', ServiceSpecificCredentialId: erin.longTermId })
    assert.equal((await call(NOVA, erin.longTerm)).message, 'the long-term API key is not known (never issued, reset or deleted)')
    const stranger = await getToken({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1' })
    assert.equal((await call(NOVA, stranger)).message, 'the access key AKIAIOSFODNN7EXAMPLE in the bearer token is not known')
    assert.equal((await call(NOVA, 'sk-something')).message, 'bearer token is neither a short-term (bedrock-api-key-…) nor a long-term (ABSK…) Bedrock API key')
  })
})
