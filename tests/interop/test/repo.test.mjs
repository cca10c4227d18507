import { test } from 'node:test'
import assert from 'node:assert/strict'
import { XRPCError } from '@atproto/xrpc'
import { verifyRepoCar, verifyRecords } from '@atproto/repo'
import { agent, newAccount, PLC_URL, idResolver } from './helpers.mjs'

const post = (text) => ({ $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() })
const signingKeyOf = async (did) => (await idResolver().did.resolveAtprotoData(did)).signingKey

test('record writes and reads through @atproto/api', async () => {
  const { agent: a, did } = await newAccount('writer')
  const created = await a.com.atproto.repo.createRecord({ repo: did, collection: 'app.bsky.feed.post', record: post('hello') })
  const rkey = created.data.uri.split('/').pop()
  const got = await a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey })
  assert.equal(got.data.value.text, 'hello')
  assert.equal(got.data.cid, created.data.cid)

  await a.com.atproto.repo.putRecord({ repo: did, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName: 'Writer' } })
  const batch = await a.com.atproto.repo.applyWrites({
    repo: did,
    writes: [
      { $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.post', value: post('batch 1') },
      { $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.post', value: post('batch 2') },
      { $type: 'com.atproto.repo.applyWrites#delete', collection: 'app.bsky.feed.post', rkey },
    ],
  })
  assert.equal(batch.data.results.length, 3)

  const listed = await a.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post' })
  assert.deepEqual(listed.data.records.map((r) => r.value.text).sort(), ['batch 1', 'batch 2'])
  const described = await a.com.atproto.repo.describeRepo({ repo: did })
  assert.deepEqual(described.data.collections, ['app.bsky.actor.profile', 'app.bsky.feed.post'])
  assert.equal(described.data.handleIsCorrect, true)

  await a.com.atproto.repo.deleteRecord({ repo: did, collection: 'app.bsky.actor.profile', rkey: 'self' })
  await assert.rejects(
    a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.actor.profile', rkey: 'self' }),
    (err) => err instanceof XRPCError && err.error === 'RecordNotFound',
  )
})

test('getRepo verifies with @atproto/repo against the key in the DID document', async () => {
  const { agent: a, did } = await newAccount('exporter')
  for (let i = 0; i < 25; i++) {
    await a.com.atproto.repo.createRecord({ repo: did, collection: 'app.bsky.feed.post', record: post(`post ${i}`) })
  }
  const car = await agent().com.atproto.sync.getRepo({ did })
  const verified = await verifyRepoCar(new Uint8Array(car.data), did, await signingKeyOf(did))
  const latest = await agent().com.atproto.sync.getLatestCommit({ did })
  assert.equal(verified.commit.rev, latest.data.rev)
  assert.equal(verified.creates.length, 25)
  // Every record the CAR proves is one the server lists, with the same CID.
  const listed = await agent().com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post', limit: 100 })
  assert.deepEqual(
    verified.creates.map((c) => `${c.rkey} ${c.cid.toString()}`).sort(),
    listed.data.records.map((r) => `${r.uri.split('/').pop()} ${r.cid}`).sort(),
  )
})

test('sync.getRecord proofs verify with verifyRecords', async () => {
  const { agent: a, did } = await newAccount('prover')
  const created = await a.com.atproto.repo.createRecord({ repo: did, collection: 'app.bsky.feed.post', record: post('provable') })
  const rkey = created.data.uri.split('/').pop()
  const proof = await agent().com.atproto.sync.getRecord({ did, collection: 'app.bsky.feed.post', rkey })
  const records = await verifyRecords(new Uint8Array(proof.data), did, await signingKeyOf(did))
  assert.equal(records.length, 1)
  assert.equal(records[0].collection, 'app.bsky.feed.post')
  assert.equal(records[0].rkey, rkey)
  assert.equal(records[0].record.text, 'provable')
})

test('writing to another account\'s repository is refused', async () => {
  const alice = await newAccount('owner')
  const mallory = await newAccount('intruder')
  await assert.rejects(
    mallory.agent.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record: post('not mine') }),
    (err) => err instanceof XRPCError && err.status === 401,
  )
})

test('uploadBlob, a record referencing it, then getBlob and listBlobs through @atproto/api', async () => {
  const { agent: a, did } = await newAccount('uploader')
  const bytes = new Uint8Array(4096)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  for (let i = 8; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff
  const uploaded = await a.uploadBlob(bytes, { encoding: 'image/png' })
  assert.equal(uploaded.data.blob.mimeType, 'image/png')
  assert.equal(uploaded.data.blob.size, bytes.length)

  await a.com.atproto.repo.putRecord({
    repo: did,
    collection: 'app.bsky.actor.profile',
    rkey: 'self',
    record: { $type: 'app.bsky.actor.profile', displayName: 'With avatar', avatar: uploaded.data.blob },
  })
  const cid = uploaded.data.blob.ref.toString()
  const got = await agent().com.atproto.sync.getBlob({ did, cid })
  assert.deepEqual(new Uint8Array(got.data), bytes)
  const listed = await agent().com.atproto.sync.listBlobs({ did })
  assert.deepEqual(listed.data.cids, [cid])
})
