// The IAM actions and resources an endpoint request is authorized for, from the Service
// Authorization Reference ("Actions, resources, and condition keys for Amazon Bedrock" and "…for
// Amazon Bedrock Powered by AWS Mantle") and the Bedrock API keys guide ("Control permissions for
// generating and using Amazon Bedrock API keys"):
//
//   Runtime  POST /model/{id}/converse, POST /model/{id}/invoke, POST /openai/v1/chat/completions
//            → bedrock:CallWithBearerToken on *, then bedrock:InvokeModel on the model: the
//              foundation model arn:P:bedrock:R::foundation-model/{id}, or for an id with a
//              geographic prefix (us., eu., apac., global., …) the inference profile
//              arn:P:bedrock:R:ACCOUNT:inference-profile/{id}; an ARN id is its own resource.
//            GET /foundation-models, GET /openai/v1/models
//            → bedrock:CallWithBearerToken on *, then bedrock:ListFoundationModels on *.
//   Mantle   POST /mantle/v1/chat/completions → bedrock-mantle:CallWithBearerToken on *, then
//              bedrock-mantle:CreateInference on the account's default project
//              arn:P:bedrock-mantle:R:ACCOUNT:project/default.
//            GET /mantle/v1/models → bedrock-mantle:CallWithBearerToken on *, then
//              bedrock-mantle:ListModels on the default project.
// The partition P comes from the region: cn-* is aws-cn, us-gov-* is aws-us-gov, else aws.
'use strict'

const GEOGRAPHIC = /^(us|us-gov|eu|apac|jp|au|ca|global)\./

function partitionOf(region) {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

function modelResource(id, { partition, region, account }) {
  if (id.startsWith('arn:')) return id
  if (GEOGRAPHIC.test(id)) return `arn:${partition}:bedrock:${region}:${account}:inference-profile/${id}`
  return `arn:${partition}:bedrock:${region}::foundation-model/${id}`
}

// [{action, resource}] for a request, in the order they are checked; null for no route.
function actionsFor(method, pathname, body, { region, account }) {
  const where = { partition: partitionOf(region), region, account }
  const bearer = { action: 'bedrock:CallWithBearerToken', resource: '*' }
  const mantleBearer = { action: 'bedrock-mantle:CallWithBearerToken', resource: '*' }
  const project = `arn:${where.partition}:bedrock-mantle:${region}:${account}:project/default`
  const model = /^\/model\/([^/]+)\/(converse|invoke)$/.exec(pathname)
  if (method === 'POST' && model) {
    return [bearer, { action: 'bedrock:InvokeModel', resource: modelResource(decodeURIComponent(model[1]), where) }]
  }
  if (method === 'POST' && pathname === '/openai/v1/chat/completions') {
    const id = String(JSON.parse(body || '{}').model || '')
    return [bearer, { action: 'bedrock:InvokeModel', resource: modelResource(id, where) }]
  }
  if (method === 'GET' && (pathname === '/foundation-models' || pathname === '/openai/v1/models')) {
    return [bearer, { action: 'bedrock:ListFoundationModels', resource: '*' }]
  }
  if (method === 'POST' && pathname === '/mantle/v1/chat/completions') {
    return [mantleBearer, { action: 'bedrock-mantle:CreateInference', resource: project }]
  }
  if (method === 'GET' && pathname === '/mantle/v1/models') {
    return [mantleBearer, { action: 'bedrock-mantle:ListModels', resource: project }]
  }
  return null
}

module.exports = { actionsFor, partitionOf }
