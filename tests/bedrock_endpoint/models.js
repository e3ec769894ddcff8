// The foundation models the test endpoint lists: the FoundationModelSummary shape of the Bedrock
// API reference (ListFoundationModels), a few providers, and one model in each lifecycle status.
'use strict'

function model(providerName, modelId, modelName, status, outputModalities = ['TEXT']) {
  return {
    modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${modelId}`,
    modelId,
    modelName,
    providerName,
    inputModalities: ['TEXT'],
    outputModalities,
    responseStreamingSupported: true,
    customizationsSupported: [],
    inferenceTypesSupported: ['ON_DEMAND'],
    modelLifecycle: { status },
  }
}

const MODELS = [
  model('Anthropic', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'Claude 3.5 Haiku', 'ACTIVE'),
  model('Anthropic', 'anthropic.claude-3-haiku-20240307-v1:0', 'Claude 3 Haiku', 'LEGACY'),
  model('Amazon', 'amazon.nova-lite-v1:0', 'Nova Lite', 'ACTIVE'),
  model('Amazon', 'amazon.titan-image-generator-v2:0', 'Titan Image Generator G1 v2', 'ACTIVE', ['IMAGE']),
  model('Meta', 'meta.llama3-8b-instruct-v1:0', 'Llama 3 8B Instruct', 'ACTIVE'),
]

module.exports = { MODELS }
