// The policy evaluator's own tests (evaluate.js, conditions.js), taken from AWS's documented
// examples: the IAM User Guide's "Policy evaluation logic" and "Condition operators" pages, its
// "Single-valued vs multivalued context keys" and "...IfExists" examples, and the Bedrock API keys
// guide's policies (deny keys issued before a time; SCPs on bedrock:BearerTokenType).
//   node --test tests/bedrock_endpoint/
'use strict'

const assert = require('node:assert/strict')
const { describe, test } = require('node:test')
const { evaluate, deniedMessage, statementApplies } = require('./evaluate')
const { conditionHolds } = require('./conditions')

const doc = (...Statement) => ({ Version: '2012-10-17', Statement })
const policy = (name, ...statements) => ({ name, document: doc(...statements) })
const BEARER = 'bedrock:CallWithBearerToken'
const USER = 'arn:aws:iam::123456789012:user/alice'
// The context of a short-term key signed with an IAM user's own access key, and of a role session.
const userContext = { 'aws:PrincipalArn': USER, 'bedrock:BearerTokenType': 'SHORT_TERM', 'aws:CurrentTime': '2026-03-01T12:00:00Z' }
const sessionContext = { ...userContext, 'aws:TokenIssueTime': '2026-03-01T09:00:00Z' }
const ALLOW_BEARER = { Sid: 'AllowBearer', Effect: 'Allow', Action: BEARER, Resource: '*' }

const decide = (policies, context, action = BEARER, resource = '*') => evaluate(policies, { action, resource, context })

describe('conditions: each operator, from the IAM User Guide\'s condition operator examples', () => {
  const holds = (condition, context) => conditionHolds(condition, context)

  test('String operators: exact, negated, ignore-case, wildcards, and case-insensitive keys', () => {
    const tagged = { 'aws:PrincipalTag/job-category': 'iamuser-admin' }
    assert.equal(holds({ StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, tagged), true)
    assert.equal(holds({ StringEquals: { 'AWS:principaltag/job-category': 'IAMuser-admin' } }, tagged), false, 'values are case-sensitive')
    assert.equal(holds({ StringEquals: { 'AWS:principaltag/job-category': 'iamuser-admin' } }, tagged), true, 'keys are not')
    assert.equal(holds({ StringEqualsIgnoreCase: { 'aws:PrincipalTag/job-category': 'IAMUSER-ADMIN' } }, tagged), true)
    assert.equal(holds({ StringNotEquals: { 'aws:PrincipalTag/job-category': ['dev', 'ops'] } }, tagged), true)
    assert.equal(holds({ StringNotEquals: { 'aws:PrincipalTag/job-category': ['dev', 'iamuser-admin'] } }, tagged), false)
    assert.equal(holds({ StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/job-category': 'IAMUSER-ADMIN' } }, tagged), false)
    const home = { 's3:prefix': 'home/alice/notes' }
    assert.equal(holds({ StringLike: { 's3:prefix': ['', 'home/', 'home/alice/*'] } }, home), true)
    assert.equal(holds({ StringLike: { 's3:prefix': 'home/?lice/notes' } }, home), true)
    assert.equal(holds({ StringLike: { 's3:prefix': 'home/' } }, home), false, 'a wildcard is needed for a partial match')
    assert.equal(holds({ StringNotLike: { 's3:prefix': 'home/bob/*' } }, home), true)
    assert.equal(holds({ StringNotLike: { 's3:prefix': 'home/*' } }, home), false)
  })

  test('Numeric operators, e.g. s3:max-keys at most 10', () => {
    const keys = { 's3:max-keys': '10' }
    assert.equal(holds({ NumericLessThanEquals: { 's3:max-keys': '10' } }, keys), true)
    assert.equal(holds({ NumericLessThan: { 's3:max-keys': '10' } }, keys), false)
    assert.equal(holds({ NumericGreaterThan: { 's3:max-keys': '9' } }, keys), true)
    assert.equal(holds({ NumericGreaterThanEquals: { 's3:max-keys': '11' } }, keys), false)
    assert.equal(holds({ NumericEquals: { 's3:max-keys': '10.0' } }, keys), true)
    assert.equal(holds({ NumericNotEquals: { 's3:max-keys': '10' } }, keys), false)
    assert.equal(holds({ NumericEquals: { 's3:max-keys': 'ten' } }, keys), false, 'not a number matches nothing')
  })

  test('Date operators on aws:CurrentTime and aws:TokenIssueTime, ISO 8601 or epoch seconds', () => {
    const now = { 'aws:CurrentTime': '2026-03-01T12:00:00Z', 'aws:EpochTime': '1772366400' }
    const window = { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2026-06-30T23:59:59Z' } }
    assert.equal(holds(window, now), true)
    assert.equal(holds({ ...window, DateLessThan: { 'aws:CurrentTime': '2026-02-01T00:00:00Z' } }, now), false, 'every operator must hold')
    assert.equal(holds({ DateLessThanEquals: { 'aws:CurrentTime': '2026-03-01T12:00:00Z' } }, now), true)
    assert.equal(holds({ DateGreaterThanEquals: { 'aws:CurrentTime': '2026-03-01T12:00:01Z' } }, now), false)
    assert.equal(holds({ DateEquals: { 'aws:CurrentTime': '1772366400' } }, now), true, 'epoch seconds')
    assert.equal(holds({ DateNotEquals: { 'aws:CurrentTime': '2026-03-01T12:00:00Z' } }, now), false)
    assert.equal(holds({ DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T10:00:00Z' } }, sessionContext), true)
    assert.equal(holds({ DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T08:00:00Z' } }, sessionContext), false)
  })

  test('Bool and Null: aws:SecureTransport, and Null aws:TokenIssueTime tells temporary credentials apart', () => {
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'false' }), true)
    assert.equal(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'true' }), false)
    assert.equal(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, userContext), true, 'absent: long-term credentials')
    assert.equal(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, sessionContext), false)
    assert.equal(holds({ Null: { 'aws:TokenIssueTime': 'false' } }, sessionContext), true)
    assert.equal(holds({ Null: { 'aws:TokenIssueTime': 'false' } }, userContext), false)
  })

  test('ARN operators match each of the six parts with wildcards', () => {
    const source = { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic:with:colons' }
    assert.equal(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } }, source), true)
    assert.equal(holds({ ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic:with:colons' } }, source), true)
    assert.equal(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333:*' } }, source), false)
    assert.equal(holds({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333:*' } }, source), true)
    assert.equal(holds({ ArnNotEquals: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:*' } }, source), false)
    assert.equal(holds({ ArnLike: { 'aws:SourceArn': 'not-an-arn' } }, source), false)
  })

  test('a key missing from the context: false, except negated operators (true), ...IfExists (true) and Null', () => {
    // "If the key that you specify in a policy condition is not present in the request context,
    // the values do not match and the condition is false. If the policy condition requires that
    // the key is not matched, such as StringNotLike or ArnNotLike, ... the condition is true."
    for (const operator of ['StringEquals', 'StringLike', 'DateLessThan', 'DateGreaterThan', 'NumericGreaterThan', 'Bool', 'ArnLike']) {
      assert.equal(holds({ [operator]: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } }, userContext), false, operator)
      assert.equal(holds({ [`${operator}IfExists`]: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } }, userContext), true, `${operator}IfExists`)
    }
    for (const operator of ['StringNotEquals', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'ArnNotLike']) {
      assert.equal(holds({ [operator]: { 'aws:TokenIssueTime': 'x' } }, userContext), true, operator)
    }
    // With the key present, ...IfExists is the operator itself (the ec2:InstanceType example).
    const instance = { 'ec2:InstanceType': 'm5.large' }
    assert.equal(holds({ StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*'] } }, instance), false)
    assert.equal(holds({ StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 'm5.*'] } }, instance), true)
  })

  test('ForAnyValue / ForAllValues on aws:TagKeys, and keys AND, values OR', () => {
    const tags = { 'aws:TagKeys': ['environment', 'cost-center'] }
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center', 'owner'] } }, tags), true)
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment'] } }, tags), false)
    assert.equal(holds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment'] } }, {}), true, 'absent: vacuously true')
    assert.equal(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner', 'environment'] } }, tags), true)
    assert.equal(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }, tags), false)
    assert.equal(holds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }, {}), false, 'absent: false')
    assert.equal(holds({ 'ForAnyValue:StringNotLike': { 'aws:TagKeys': 'env*' } }, tags), true, 'cost-center is not env*')
    const two = { 'aws:PrincipalTag/team': 'ml', 'aws:RequestedRegion': 'us-east-1' }
    assert.equal(holds({ StringEquals: { 'aws:PrincipalTag/team': ['web', 'ml'], 'aws:RequestedRegion': 'us-east-1' } }, two), true)
    assert.equal(holds({ StringEquals: { 'aws:PrincipalTag/team': ['web', 'ml'], 'aws:RequestedRegion': 'eu-west-1' } }, two), false)
  })

  test('an operator it does not implement fails loudly', () => {
    assert.throws(() => holds({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, {}), /IpAddress is not supported/)
  })
})

describe('statements: Action/NotAction, Resource/NotResource, wildcards, variables', () => {
  const request = (action, resource, context = {}) => ({ action, resource, context })
  test('actions match case-insensitively with wildcards; NotAction matches every other action', () => {
    assert.equal(statementApplies({ Effect: 'Allow', Action: 'Bedrock:callwith*', Resource: '*' }, request(BEARER, '*')), true)
    assert.equal(statementApplies({ Effect: 'Allow', Action: ['bedrock:Get*', 'bedrock:List?'], Resource: '*' }, request(BEARER, '*')), false)
    assert.equal(statementApplies({ Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }, request('bedrock-mantle:CallWithBearerToken', '*')), false)
    assert.equal(statementApplies({ Effect: 'Deny', NotAction: 'iam:*', Resource: '*' }, request(BEARER, '*')), true)
    assert.equal(statementApplies({ Effect: 'Deny', NotAction: ['iam:*', 'bedrock:*'], Resource: '*' }, request(BEARER, '*')), false)
  })

  test('resources match with wildcards, case-sensitively; NotResource; ${aws:username} is substituted', () => {
    const model = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0'
    assert.equal(statementApplies({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:bedrock:*::foundation-model/amazon.*' }, request('bedrock:InvokeModel', model)), true)
    assert.equal(statementApplies({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:bedrock:*::foundation-model/Amazon.*' }, request('bedrock:InvokeModel', model)), false)
    assert.equal(statementApplies({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:bedrock:*::foundation-model/anthropic.*' }, request('bedrock:InvokeModel', model)), true)
    const own = { Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::*:user/${aws:username}' }
    assert.equal(statementApplies(own, request('iam:CreateAccessKey', USER, { 'aws:username': 'alice' })), true)
    assert.equal(statementApplies(own, request('iam:CreateAccessKey', USER, { 'aws:username': 'bob' })), false)
    assert.equal(statementApplies(own, request('iam:CreateAccessKey', USER, {})), false, 'no such key: no match')
  })
})

describe('evaluation logic, from the IAM User Guide\'s policy evaluation flow chart', () => {
  test('no policy at all: implicit deny, and AWS\'s message names the missing allow', () => {
    const result = decide({ identity: [] }, userContext)
    assert.deepEqual(result, { decision: 'implicit-deny', kind: 'identity', statement: null })
    assert.equal(deniedMessage(USER, { action: BEARER, resource: '*' }, result),
      `User: ${USER} is not authorized to perform: ${BEARER} on resource: * because no identity-based policy allows the ${BEARER} action`)
  })

  test('an explicit deny beats any allow, and names its policy and Sid', () => {
    const identity = [policy('full', { Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }), policy('stop', { Sid: 'NoBearer', Effect: 'Deny', Action: BEARER, Resource: '*' })]
    const result = decide({ identity }, userContext)
    assert.deepEqual(result, { decision: 'explicit-deny', kind: 'identity', statement: { policy: 'stop', sid: 'NoBearer' } })
    assert.equal(deniedMessage(USER, { action: BEARER, resource: '*' }, result),
      `User: ${USER} is not authorized to perform: ${BEARER} on resource: * with an explicit deny in an identity-based policy`)
  })

  test('the Bedrock guide\'s revocation deny (DateLessThan aws:TokenIssueTime) stops older sessions only, never an IAM user\'s own keys', () => {
    const revoke = policy('revoke', ALLOW_BEARER, { Sid: 'RevokeOlder', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T10:00:00Z' } } })
    assert.equal(decide({ identity: [revoke] }, sessionContext).decision, 'explicit-deny', 'issued 09:00, before 10:00')
    assert.equal(decide({ identity: [revoke] }, { ...sessionContext, 'aws:TokenIssueTime': '2026-03-01T11:00:00Z' }).decision, 'allow')
    assert.equal(decide({ identity: [revoke] }, userContext).decision, 'allow', 'no aws:TokenIssueTime: the condition is false')
    assert.equal(decide({ identity: [revoke] }, { ...userContext, 'bedrock:BearerTokenType': 'LONG_TERM' }).decision, 'allow')
    const long = policy('revoke-long-term', ALLOW_BEARER, { Sid: 'NoLongTermCredentials', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { Null: { 'aws:TokenIssueTime': 'true' } } })
    assert.equal(decide({ identity: [long] }, userContext).decision, 'explicit-deny')
    assert.equal(decide({ identity: [long] }, sessionContext).decision, 'allow')
  })

  test('SCPs: a deny on bedrock:BearerTokenType stops long-term keys; without an allow at every level, nothing is allowed', () => {
    const identity = [policy('limited', ALLOW_BEARER, { Effect: 'Allow', Action: 'bedrock-mantle:*', Resource: '*' })]
    const full = policy('FullAWSAccess', { Effect: 'Allow', Action: '*', Resource: '*' })
    const noLongTerm = policy('no-long-term', { Sid: 'DenyLongTerm', Effect: 'Deny', Action: BEARER, Resource: '*', Condition: { StringEquals: { 'bedrock:BearerTokenType': 'LONG_TERM' } } })
    const longTerm = { ...userContext, 'bedrock:BearerTokenType': 'LONG_TERM' }
    assert.deepEqual(decide({ identity, scps: [[full, noLongTerm]] }, longTerm),
      { decision: 'explicit-deny', kind: 'scp', statement: { policy: 'no-long-term', sid: 'DenyLongTerm' } })
    assert.equal(decide({ identity, scps: [[full, noLongTerm]] }, userContext).decision, 'allow', 'short-term passes')
    // On Mantle the context has bedrock-mantle:BearerTokenType, not bedrock:BearerTokenType.
    const mantle = { ...userContext, 'bedrock-mantle:BearerTokenType': 'LONG_TERM' }
    delete mantle['bedrock:BearerTokenType']
    assert.equal(decide({ identity, scps: [[full, noLongTerm]] }, mantle, 'bedrock-mantle:CallWithBearerToken').decision, 'allow')
    const result = decide({ identity, scps: [[full], [noLongTerm]] }, userContext)
    assert.deepEqual(result, { decision: 'implicit-deny', kind: 'scp', statement: null }, 'the second level only denies: no allow there')
    assert.equal(deniedMessage(USER, { action: BEARER, resource: '*' }, result),
      `User: ${USER} is not authorized to perform: ${BEARER} on resource: * because no service control policy allows the ${BEARER} action`)
    assert.equal(decide({ identity: [], scps: [[full]] }, userContext).decision, 'implicit-deny', 'an SCP grants nothing by itself')
  })

  test('a permissions boundary and a session policy limit what identity policies allow, and their denies count', () => {
    const identity = [policy('all', { Effect: 'Allow', Action: '*', Resource: '*' })]
    const boundary = policy('edge', { Effect: 'Allow', Action: 'bedrock:List*', Resource: '*' })
    assert.deepEqual(decide({ identity, boundary }, userContext), { decision: 'implicit-deny', kind: 'boundary', statement: null })
    assert.equal(decide({ identity, boundary }, userContext, 'bedrock:ListFoundationModels').decision, 'allow')
    const session = policy('session policy', { Sid: 'S', Effect: 'Deny', Action: 'bedrock:List*', Resource: '*' })
    assert.deepEqual(decide({ identity, boundary, session }, userContext, 'bedrock:ListFoundationModels'),
      { decision: 'explicit-deny', kind: 'session', statement: { policy: 'session policy', sid: 'S' } })
    assert.match(deniedMessage(USER, { action: 'x:Y', resource: '*' }, { decision: 'explicit-deny', kind: 'boundary' }), /with an explicit deny in a permissions boundary$/)
  })

  test('the documented MFA example: Deny NotAction with BoolIfExists aws:MultiFactorAuthPresent false', () => {
    const mfa = policy('mfa', { Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'DenyAllExceptListedIfNoMFA', Effect: 'Deny', NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })
    assert.equal(decide({ identity: [mfa] }, userContext).decision, 'explicit-deny', 'no MFA key (long-term keys): IfExists holds')
    assert.equal(decide({ identity: [mfa] }, userContext, 'iam:ChangePassword').decision, 'allow')
    assert.equal(decide({ identity: [mfa] }, { ...sessionContext, 'aws:MultiFactorAuthPresent': 'true' }).decision, 'allow')
  })
})
