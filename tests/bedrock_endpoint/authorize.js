// Authorization of an authenticated bearer-token request in --iam mode: the request context AWS
// documents, and the evaluation of the caller's policies for each action of the request.
//
// The request context ("AWS global condition context keys", and the Bedrock API keys guide):
//
//   key                             IAM user's short-term key  role session's short-term key  long-term key (ABSK)
//   aws:TokenIssueTime              absent                     session's issue time           absent
//   bedrock:BearerTokenType         SHORT_TERM                 SHORT_TERM                     LONG_TERM      (bedrock:* actions only)
//   bedrock-mantle:BearerTokenType  SHORT_TERM                 SHORT_TERM                     LONG_TERM      (bedrock-mantle:* actions only)
//   aws:PrincipalArn                user ARN                   role ARN (not the session's)   user ARN
//   aws:PrincipalAccount            account                    account                        account
//   aws:PrincipalType               User                       AssumedRole                    User
//   aws:userid                      user id                    role id:session name           user id
//   aws:username                    user name                  absent                         user name
//   aws:CurrentTime, aws:EpochTime  now (ISO 8601, epoch seconds), for every request
//   aws:RequestedRegion             the endpoint's region, for every request
//   aws:SecureTransport             true over HTTPS, false over plain HTTP
//
// Actions are checked in order (CallWithBearerToken first, actions.js); the first refused one
// answers 403 with AWS's message (evaluate.js).
'use strict'

const { actionsFor } = require('./actions')
const { evaluate, deniedMessage } = require('./evaluate')

function requestContext(auth, action, { region, secure, now }) {
  const { principal } = auth.caller
  const context = {
    'aws:PrincipalArn': principal.type === 'assumed-role' ? principal.roleArn : principal.arn,
    'aws:PrincipalAccount': principal.account,
    'aws:PrincipalType': principal.type === 'assumed-role' ? 'AssumedRole' : 'User',
    'aws:userid': principal.id,
    'aws:CurrentTime': new Date(now).toISOString(),
    'aws:EpochTime': String(Math.floor(now / 1000)),
    'aws:RequestedRegion': region,
    'aws:SecureTransport': String(secure),
  }
  if (principal.type === 'user') context['aws:username'] = principal.name
  if (auth.caller.tokenIssueTime) context['aws:TokenIssueTime'] = auth.caller.tokenIssueTime
  const service = action.slice(0, action.indexOf(':')).toLowerCase()
  if (service === 'bedrock' || service === 'bedrock-mantle') context[`${service}:BearerTokenType`] = auth.tokenType
  return context
}

// {ok: true, decisions} or {ok: false, status, reason, decisions}; null actions: no such route.
function authorize(auth, { method, pathname, body, region, secure, now }) {
  const { caller } = auth
  const actions = actionsFor(method, pathname, body, { region, account: caller.principal.account })
  if (actions === null) return { ok: true, route: false, decisions: [] }
  const policies = { ...caller.policies, scps: caller.scps }
  const decisions = []
  for (const { action, resource } of actions) {
    const request = { action, resource, context: requestContext(auth, action, { region, secure, now }) }
    const result = evaluate(policies, request)
    decisions.push({ action, resource, ...result })
    if (result.decision !== 'allow') {
      return { ok: false, route: true, status: 403, reason: deniedMessage(caller.principal.arn, request, result), decisions }
    }
  }
  return { ok: true, route: true, decisions }
}

module.exports = { authorize, requestContext }
