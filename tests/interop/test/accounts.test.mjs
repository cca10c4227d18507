import { test } from 'node:test'
import assert from 'node:assert/strict'
import { XRPCError } from '@atproto/xrpc'
import * as plc from '@did-plc/lib'
import { agent, newAccount, newHandle, PDS_URL, PLC_URL, idResolver } from './helpers.mjs'

const isXrpc = (status, error) => (err) => err instanceof XRPCError && err.status === status && err.error === error

test('createAccount, then login by handle and by email, then getSession', async () => {
  const { handle, email, password, did } = await newAccount('alice')
  assert.match(did, /^did:plc:[a-z2-7]{24}$/)

  for (const identifier of [handle, email]) {
    const a = agent()
    const res = await a.login({ identifier, password })
    assert.equal(res.data.did, did)
    assert.equal(res.data.handle, handle)
    const session = await a.com.atproto.server.getSession()
    assert.equal(session.data.did, did)
    assert.equal(session.data.email, email)
    assert.equal(session.data.active, true)
  }
})

test('refreshSession rotates tokens; the new access token works and the old refresh token gives the same successor', async () => {
  const { agent: a, did } = await newAccount('bob')
  const first = a.session
  const refresh = (jwt) => agent().com.atproto.server.refreshSession(undefined, { headers: { authorization: `Bearer ${jwt}` } })

  const rotated = await refresh(first.refreshJwt)
  assert.equal(rotated.data.did, did)
  assert.notEqual(rotated.data.refreshJwt, first.refreshJwt)

  const b = agent()
  await b.resumeSession({ ...first, accessJwt: rotated.data.accessJwt, refreshJwt: rotated.data.refreshJwt, active: true })
  const session = await b.com.atproto.server.getSession()
  assert.equal(session.data.did, did)

  const jti = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url')).jti
  const again = await refresh(first.refreshJwt)
  assert.equal(jti(again.data.refreshJwt), jti(rotated.data.refreshJwt))
})

test('the client refreshes an expired access token by itself (ExpiredToken then refreshSession)', async () => {
  const { agent: a, did } = await newAccount('carol')
  // Replace the access token by one the server reports as expired: the session manager must refresh.
  const header = Buffer.from(JSON.stringify({ typ: 'at+jwt', alg: 'HS256' })).toString('base64url')
  const payload = Buffer.from(JSON.stringify({ scope: 'com.atproto.access', sub: did, aud: 'did:web:localhost', iat: 1, exp: 2 })).toString('base64url')
  const b = agent()
  await b.resumeSession({ ...a.session, accessJwt: `${header}.${payload}.AAAA` })
  const session = await b.com.atproto.server.getSession()
  assert.equal(session.data.did, did)
  assert.notEqual(b.session.refreshJwt, a.session.refreshJwt)
})

test('a wrong password is 401 AuthenticationRequired', async () => {
  const { handle } = await newAccount('dave')
  await assert.rejects(agent().login({ identifier: handle, password: 'not the password' }), isXrpc(401, 'AuthenticationRequired'))
})

test('a taken handle is 400 HandleNotAvailable', async () => {
  const { handle } = await newAccount('erin')
  await assert.rejects(
    agent().createAccount({ handle, email: `x${Date.now()}@example.com`, password: 'pw-123456789' }),
    isXrpc(400, 'HandleNotAvailable'),
  )
})

test('deleteSession ends the session', async () => {
  const { agent: a } = await newAccount('frank')
  const refreshJwt = a.session.refreshJwt
  await agent().com.atproto.server.deleteSession(undefined, { headers: { authorization: `Bearer ${refreshJwt}` } })
  await assert.rejects(
    agent().com.atproto.server.refreshSession(undefined, { headers: { authorization: `Bearer ${refreshJwt}` } }),
    isXrpc(400, 'ExpiredToken'),
  )
})

test('resolveHandle returns the account DID', async () => {
  const { handle, did } = await newAccount('gina')
  const res = await agent().com.atproto.identity.resolveHandle({ handle })
  assert.equal(res.data.did, did)
})

test('the DID document in the PLC directory names the signing key, this PDS and the handle', async () => {
  const { handle, did } = await newAccount('hugo')
  const data = await new plc.Client(PLC_URL).getDocumentData(did)
  assert.deepEqual(data.alsoKnownAs, [`at://${handle}`])
  assert.equal(data.services.atproto_pds.endpoint, PDS_URL.replace('127.0.0.1', 'localhost'))
  assert.match(data.verificationMethods.atproto, /^did:key:z/)

  // The reference identity resolver agrees, and the key is the one that signs the repository.
  const resolver = idResolver()
  const atp = await resolver.did.resolveAtprotoData(did)
  assert.equal(atp.handle, handle)
  assert.equal(atp.signingKey, data.verificationMethods.atproto)
})

test('updateHandle changes the handle in the PLC directory', async () => {
  const { agent: a, did } = await newAccount('ivan')
  const renamed = newHandle('renamed')
  await a.com.atproto.identity.updateHandle({ handle: renamed })
  const data = await new plc.Client(PLC_URL).getDocumentData(did)
  assert.deepEqual(data.alsoKnownAs, [`at://${renamed}`])
  const res = await agent().com.atproto.identity.resolveHandle({ handle: renamed })
  assert.equal(res.data.did, did)
})

test('app passwords: create, log in with one, list, revoke', async () => {
  const { agent: a, handle } = await newAccount('jane')
  const created = await a.com.atproto.server.createAppPassword({ name: 'client' })
  const b = agent()
  await b.login({ identifier: handle, password: created.data.password })
  const listed = await a.com.atproto.server.listAppPasswords()
  assert.deepEqual(listed.data.passwords.map((p) => p.name), ['client'])
  await a.com.atproto.server.revokeAppPassword({ name: 'client' })
  await assert.rejects(agent().login({ identifier: handle, password: created.data.password }), isXrpc(401, 'AuthenticationRequired'))
})
