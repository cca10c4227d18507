import { test } from 'node:test'
import assert from 'node:assert/strict'
import { XRPCError } from '@atproto/xrpc'
import { agent, xrpc } from './helpers.mjs'

test('describeServer answers through @atproto/api with the service DID and handle domains', async () => {
  const res = await agent().com.atproto.server.describeServer()
  assert.match(res.data.did, /^did:/)
  assert.deepEqual(res.data.availableUserDomains, ['.test'])
})

test('an unknown method is 501 MethodNotImplemented', async () => {
  const res = await xrpc('com.example.nothing.here')
  assert.equal(res.status, 501)
  assert.equal(res.json.error, 'MethodNotImplemented')
})

test('a malformed JSON body is 400 InvalidRequest', async () => {
  const res = await xrpc('com.atproto.server.createSession', {
    httpMethod: 'POST',
    body: '{"identifier": ',
    headers: { 'content-type': 'application/json' },
  })
  assert.equal(res.status, 400)
  assert.equal(res.json.error, 'InvalidRequest')
})

test('XRPC errors reach the official client as XRPCError with the lexicon name', async () => {
  await assert.rejects(
    agent().com.atproto.identity.resolveHandle({ handle: 'nobody-at-all.test' }),
    (err) => err instanceof XRPCError && err.status === 400 && err.error === 'HandleNotFound',
  )
})
