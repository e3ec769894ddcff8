'use strict'
// auditOrganization against the IAM emulator's Organizations, STS and IAM (tests/iam_emulator, as
// BEDROCK_TOKEN_MOTO_SERVER runs it): the management account and two members, one whose role's
// trust policy refuses the caller; typed results, and bad options refused before any call.
const test = require('node:test')
const assert = require('node:assert/strict')
const { auditOrganization } = require('../bedrock-token.js')
const { authorization, emulator, query } = require('./helpers.js')

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const ROLE = 'OrganizationAccountAccessRole'

/** One AWS Organizations call (JSON protocol) as the management account. */
async function organizations(endpoint, action, body = {}) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSOrganizationsV20161128.${action}`, authorization: authorization(KEY_ID, 'organizations') },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return JSON.parse(text)
}

test('auditOrganization reports each account it reached and names the one whose role refused', async (t) => {
  const endpoint = await emulator(t)
  if (!endpoint) return
  await organizations(endpoint, 'CreateOrganization', { FeatureSet: 'ALL' })
  const members = []
  for (const name of ['node-0', 'node-1']) {
    members.push((await organizations(endpoint, 'CreateAccount', { AccountName: name, Email: `${name}@example.com` })).CreateAccountStatus.AccountId)
  }
  const assume = async (account) =>
    (await query(endpoint, 'sts', KEY_ID, { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${account}:role/${ROLE}`, RoleSessionName: 'setup' }))('AccessKeyId')
  const first = await assume(members[0])
  await query(endpoint, 'iam', first, { Action: 'CreateUser', UserName: 'BedrockAPIKey-node' })
  await query(endpoint, 'iam', first, { Action: 'CreateServiceSpecificCredential', UserName: 'BedrockAPIKey-node', ServiceName: 'bedrock.amazonaws.com' })
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }
  await query(endpoint, 'iam', await assume(members[1]), { Action: 'UpdateAssumeRolePolicy', RoleName: ROLE, PolicyDocument: JSON.stringify(deny) })

  const saved = { ...process.env }
  t.after(() => { process.env = saved })
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1',
  })

  const report = await auditOrganization({ concurrency: 2 })
  assert.equal(report.role, ROLE)
  assert.ok(report.auditedAt instanceof Date)
  assert.equal(report.accounts.length, 2, 'the management account and node-0')
  assert.equal(report.findings, 2)
  const audited = report.accounts.find((a) => a.accountId === members[0])
  assert.equal(audited.accountName, 'node-0')
  const [key] = audited.keys
  assert.equal(key.userName, 'BedrockAPIKey-node')
  assert.equal(key.expiresAt, null)
  assert.ok(key.createdAt instanceof Date)
  assert.deepEqual(key.findings.map((f) => f.code), ['no-expiry', 'console-user'])
  assert.equal(report.notAudited.length, 1)
  const [refused] = report.notAudited
  assert.deepEqual([refused.accountId, refused.accountName, refused.reason], [members[1], 'node-1', 'role-refused'])
  assert.match(refused.message, /AccessDenied/)

  await assert.rejects(auditOrganization({ concurrency: 0 }),
    (error) => error instanceof RangeError && error.code === 'ERR_BEDROCK_INVALID_INPUT' && error.message === 'concurrency: 0 is out of range; allowed 1 to 32')
  await assert.rejects(auditOrganization({ ous: ['sales'] }), (error) => error instanceof RangeError && error.message.startsWith('ous: '))
  await assert.rejects(auditOrganization({ ous: 'ou-ab12-cd34ef56' }), (error) => error instanceof TypeError)
})
