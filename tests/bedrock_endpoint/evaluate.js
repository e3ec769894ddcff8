// IAM policy evaluation for one request in one account, as the IAM User Guide's "Policy evaluation
// logic" documents it for a principal's own identity-based policies (no resource-based policy):
//
//   1. an explicit Deny in any applicable policy (SCPs, identity-based, permissions boundary,
//      session policy) denies;
//   2. SCPs, when the account has any: at every level (root, each OU, account, or one level set
//      for the account) some SCP must Allow, else the request is denied;
//   3. some identity-based policy must Allow;
//   4. the permissions boundary, if set, must Allow; the session policy, if any, must Allow;
//   otherwise the request is implicitly denied.
//
// A statement applies when its Action (or NotAction) matches the action (service prefix and name
// case-insensitive, `*`/`?` wildcards), its Resource (or NotResource) matches the resource
// (wildcards, case-sensitive; a statement with neither, as some SCPs are written, applies to
// every resource), and its Condition holds (conditions.js). Policy variables `${key}` in
// Resource and condition values are replaced from the context ("IAM policy elements: Variables
// and tags"); `${*}`, `${?}`, `${$}` stand for the characters themselves.
//
// The refusal message is AWS's ("Access denied error messages"):
//   User: ARN is not authorized to perform: ACTION on resource: RESOURCE
//   with an explicit deny in a(n) {service control policy|identity-based policy|permissions boundary|session policy}
//   because no {service control policy|identity-based policy|permissions boundary|session policy} allows the ACTION action
'use strict'

const { conditionHolds, lookup, wildcard } = require('./conditions')

const list = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])

function substitute(text, context) {
  return String(text).replace(/\$\{([^}]+)\}/g, (whole, key) => {
    if (key === '*' || key === '?' || key === '$') return key
    const value = lookup(context, key)
    return value === undefined || Array.isArray(value) ? whole : String(value)
  })
}

function substituteCondition(condition, context) {
  const out = {}
  for (const [operator, entries] of Object.entries(condition || {})) {
    out[operator] = {}
    for (const [key, values] of Object.entries(entries)) {
      out[operator][key] = Array.isArray(values) ? values.map((v) => substitute(v, context)) : substitute(values, context)
    }
  }
  return out
}

function statementApplies(statement, { action, resource, context }) {
  const actionMatches = (patterns) => list(patterns).some((p) => wildcard(p, action, true))
  const actionApplies = 'Action' in statement
    ? actionMatches(statement.Action)
    : 'NotAction' in statement && !actionMatches(statement.NotAction)
  if (!actionApplies) return false
  const resourceMatches = (patterns) => list(patterns).some((p) => wildcard(substitute(p, context), resource))
  if ('Resource' in statement && !resourceMatches(statement.Resource)) return false
  if ('NotResource' in statement && resourceMatches(statement.NotResource)) return false
  return conditionHolds(substituteCondition(statement.Condition, context), context)
}

// The statements of the policies that apply to the request, with the policy each is in.
function applying(policies, request) {
  const found = []
  for (const policy of policies) {
    for (const statement of list(policy.document && policy.document.Statement)) {
      if (statementApplies(statement, request)) found.push({ policy: policy.name, sid: statement.Sid ?? null, effect: statement.Effect })
    }
  }
  return found
}

const KINDS = {
  scp: 'service control policy',
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
}

// The decision for `request` ({action, resource, context}) under `policies` ({identity: [...],
// boundary, session, scps: [[...], ...]}, each policy {name, document}). Returns {decision:
// 'allow'|'explicit-deny'|'implicit-deny', kind, statement: {policy, sid}|null}.
function evaluate(policies, request) {
  const groups = [
    ['scp', (policies.scps || []).flat()],
    ['identity', policies.identity || []],
    ['boundary', policies.boundary ? [policies.boundary] : []],
    ['session', policies.session ? [policies.session] : []],
  ]
  for (const [kind, group] of groups) {
    const deny = applying(group, request).find((s) => s.effect === 'Deny')
    if (deny) return { decision: 'explicit-deny', kind, statement: { policy: deny.policy, sid: deny.sid } }
  }
  const allows = (group) => applying(group, request).some((s) => s.effect === 'Allow')
  for (const level of policies.scps || []) {
    if (!allows(level)) return { decision: 'implicit-deny', kind: 'scp', statement: null }
  }
  if (!allows(policies.identity || [])) return { decision: 'implicit-deny', kind: 'identity', statement: null }
  if (policies.boundary && !allows([policies.boundary])) return { decision: 'implicit-deny', kind: 'boundary', statement: null }
  if (policies.session && !allows([policies.session])) return { decision: 'implicit-deny', kind: 'session', statement: null }
  return { decision: 'allow', kind: null, statement: null }
}

// AWS's AccessDenied message for a refused decision.
function deniedMessage(principalArn, request, result) {
  const kind = KINDS[result.kind]
  const why = result.decision === 'explicit-deny'
    ? `with an explicit deny in ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`
    : `because no ${kind} allows the ${request.action} action`
  return `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`
}

module.exports = { evaluate, deniedMessage, statementApplies }
