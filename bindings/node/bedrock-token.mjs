// ESM entry: the same API as the CommonJS `bedrock-token.js`.
import api from './bedrock-token.js'

export const { getToken, getTokenProvider, BedrockTokenGenerator, TokenProvider, signTokenSync, inspectToken, inspectKey, openaiBaseUrl } = api
export default api
