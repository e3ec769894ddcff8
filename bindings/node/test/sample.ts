// Uses the API as a TypeScript application does; `npm run typecheck` compiles it with --strict.
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { getToken, getTokenProvider, TokenProvider, BedrockTokenGenerator, inspectKey, inspectToken, signTokenSync, TokenInfo, TokenIdentity, openaiBaseUrl } from '../bedrock-token'

async function main(): Promise<void> {
  const token: string = await getToken({ credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, region: 'us-east-1', expiresInSeconds: 3600 })
  const provideToken: () => Promise<string> = getTokenProvider({ region: 'us-east-1', profile: 'dev' })
  const provider = new TokenProvider({ credentials: async () => ({ accessKeyId: 'A', secretAccessKey: 'S' }), refreshMarginSeconds: 600 })
  const info: TokenInfo = await provider.tokenInfo()
  const now: string = provider.cachedToken() ?? (await provider.token())
  const expires: Date = info.expiresAt
  const lifetime: number = inspectToken(token).lifetimeSeconds
  const either = inspectKey(token)
  const owner: string = either.kind === 'long-term' ? either.serviceUserName : either.accessKeyId
  const suffix: string | undefined = either.kind === 'long-term' ? either.suffix : undefined
  const sync: string = signTokenSync({ credentials: { accessKeyId: 'A', secretAccessKey: 'S' }, region: 'eu-west-1', at: new Date() })
  const legacy: string = await new BedrockTokenGenerator().getToken({ accessKeyId: 'A', secretAccessKey: 'S' }, 'us-east-1')
  const identity: TokenIdentity = await provider.tokenIdentityProvider()()
  const keep: Date = info.keepUntil
  const baseURL: string = openaiBaseUrl('us-east-1', 'bedrock-mantle')
  // The SDK's own TokenIdentityProvider type accepts it.
  const client = new BedrockRuntimeClient({ region: 'us-east-1', token: provider.tokenIdentityProvider(), authSchemePreference: ['httpBearerAuth'] })
  client.destroy()
  console.log(await provideToken(), now, expires, lifetime, sync, legacy, identity.token, identity.expiration, keep, baseURL, owner, suffix)
}

void main()
