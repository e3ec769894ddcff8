// The Condition element of an IAM policy statement, decided against a request context, as the IAM
// User Guide documents it ("IAM JSON policy elements: Condition operators", "Condition with
// multiple context keys or values", "Set operators for multivalued context keys"):
//
// - Every operator of a Condition block must hold, every key under an operator must hold (AND),
//   and a key holds when the request's value matches ANY of the policy's values (OR); for a
//   negated operator (StringNotEquals, StringNotLike, NumericNotEquals, DateNotEquals,
//   ArnNotEquals, ArnNotLike, ...NotEqualsIgnoreCase) it holds when the value matches NONE.
// - A key that is not in the request context makes the values not match: the condition is false,
//   except for a negated operator, which is then true. `...IfExists` is true when the key is
//   absent, and otherwise the operator without the suffix. `Null` tests presence only: `true`
//   holds when the key is absent, `false` when it is present.
// - `ForAnyValue:` holds when some request value matches (false for an absent or empty key);
//   `ForAllValues:` holds when every request value matches (true for an absent or empty key).
// - Condition keys are case-insensitive, values are case-sensitive (except ...IgnoreCase), and
//   `*`/`?` are wildcards in StringLike/StringNotLike and in the six parts of an ARN for
//   ArnLike/ArnEquals and their negations. Dates are ISO 8601 or epoch seconds.
// Operators outside these (IpAddress, BinaryEquals…) throw: a policy this evaluator cannot decide
// must fail the test rather than be read as allowing or denying.
'use strict'

// `*` and `?` glob, anchored; `ignoreCase` for action names.
function wildcard(pattern, text, ignoreCase = false) {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text)
}

function parseDate(value) {
  if (typeof value === 'number' || /^\d+$/.test(String(value))) return Number(value) * 1000
  const at = Date.parse(String(value))
  return Number.isNaN(at) ? null : at
}

function parseNumber(value) {
  const text = String(value).trim()
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : null
}

function arnParts(text) {
  const parts = String(text).split(':')
  return parts.length < 6 ? null : [...parts.slice(0, 5), parts.slice(5).join(':')]
}

function arnMatch(pattern, value) {
  const [p, v] = [arnParts(pattern), arnParts(value)]
  return p !== null && v !== null && p.every((part, i) => wildcard(part, v[i]))
}

function compare(parse, test) {
  return (policy, request) => {
    const [a, b] = [parse(request), parse(policy)]
    return a !== null && b !== null && test(a, b)
  }
}

// Each base operator: whether one request value matches one policy value, and whether it is negated.
const OPERATORS = {
  StringEquals: [(p, r) => String(r) === String(p), false],
  StringNotEquals: [(p, r) => String(r) === String(p), true],
  StringEqualsIgnoreCase: [(p, r) => String(r).toLowerCase() === String(p).toLowerCase(), false],
  StringNotEqualsIgnoreCase: [(p, r) => String(r).toLowerCase() === String(p).toLowerCase(), true],
  StringLike: [(p, r) => wildcard(String(p), String(r)), false],
  StringNotLike: [(p, r) => wildcard(String(p), String(r)), true],
  NumericEquals: [compare(parseNumber, (a, b) => a === b), false],
  NumericNotEquals: [compare(parseNumber, (a, b) => a === b), true],
  NumericLessThan: [compare(parseNumber, (a, b) => a < b), false],
  NumericLessThanEquals: [compare(parseNumber, (a, b) => a <= b), false],
  NumericGreaterThan: [compare(parseNumber, (a, b) => a > b), false],
  NumericGreaterThanEquals: [compare(parseNumber, (a, b) => a >= b), false],
  DateEquals: [compare(parseDate, (a, b) => a === b), false],
  DateNotEquals: [compare(parseDate, (a, b) => a === b), true],
  DateLessThan: [compare(parseDate, (a, b) => a < b), false],
  DateLessThanEquals: [compare(parseDate, (a, b) => a <= b), false],
  DateGreaterThan: [compare(parseDate, (a, b) => a > b), false],
  DateGreaterThanEquals: [compare(parseDate, (a, b) => a >= b), false],
  Bool: [(p, r) => String(r).toLowerCase() === String(p).toLowerCase(), false],
  ArnEquals: [arnMatch, false],
  ArnLike: [arnMatch, false],
  ArnNotEquals: [arnMatch, true],
  ArnNotLike: [arnMatch, true],
}

// The request context's value for a key, looked up case-insensitively; undefined when absent.
function lookup(context, key) {
  const wanted = key.toLowerCase()
  const name = Object.keys(context).find((k) => k.toLowerCase() === wanted)
  return name === undefined ? undefined : context[name]
}

const list = (value) => (Array.isArray(value) ? value : [value])

// Whether one `Operator: {key: values}` entry holds for the context.
function operatorHolds(operator, entries, context) {
  const set = /^(ForAnyValue|ForAllValues):/.exec(operator)
  let name = set ? operator.slice(set[0].length) : operator
  const ifExists = name !== 'Null' && name.endsWith('IfExists')
  if (ifExists) name = name.slice(0, -'IfExists'.length)
  if (name === 'Null') {
    return Object.entries(entries).every(([key, values]) => {
      const absent = lookup(context, key) === undefined
      return list(values).some((v) => String(v).toLowerCase() === String(absent))
    })
  }
  if (!(name in OPERATORS)) throw new Error(`condition operator ${operator} is not supported by this evaluator`)
  const [match, negated] = OPERATORS[name]
  return Object.entries(entries).every(([key, policyValues]) => {
    const value = lookup(context, key)
    if (value === undefined || (set && list(value).length === 0)) {
      if (set) return set[1] === 'ForAllValues'
      return ifExists || negated
    }
    const matchesOne = (requestValue) => list(policyValues).some((p) => match(p, requestValue))
    const holdsFor = (requestValue) => (negated ? !matchesOne(requestValue) : matchesOne(requestValue))
    if (set && set[1] === 'ForAllValues') return list(value).every(holdsFor)
    if (set) return list(value).some(holdsFor)
    // A single-valued operator on a multivalued key: any value for a match, none for a negation.
    return negated ? list(value).every(holdsFor) : list(value).some(holdsFor)
  })
}

// Whether a statement's whole Condition block holds (true when it has none).
function conditionHolds(condition, context) {
  return Object.entries(condition || {}).every(([operator, entries]) => operatorHolds(operator, entries, context))
}

module.exports = { conditionHolds, wildcard, lookup }
