import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Firehose, MemoryRunner } from '@atproto/sync'
import { Subscription } from '@atproto/xrpc-server'
import { MST, MemoryBlockstore, def, readCarWithRoot, verifyCommitSig } from '@atproto/repo'
import { newAccount, PDS_URL, PLC_URL, idResolver } from './helpers.mjs'

const post = (text) => ({ $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() })

test('@atproto/sync Firehose consumes the stream with commit authentication and reports no error', async () => {
  const { agent: a, did } = await newAccount('streamer')
  const seen = []
  const errors = []
  let resolveDone
  const done = new Promise((resolve) => { resolveDone = resolve })
  const expected = 5

  const firehose = new Firehose({
    service: PDS_URL.replace(/^http/, 'ws'),
    idResolver: idResolver(),
    runner: new MemoryRunner({ startCursor: 0 }),
    unauthenticatedCommits: false,
    handleEvent: (evt) => {
      if (evt.did !== did) return
      seen.push(evt)
      if (seen.filter((e) => e.event === 'create').length >= expected) resolveDone()
    },
    onError: (err) => errors.push(err),
  })
  firehose.start()
  try {
    for (let i = 0; i < expected; i++) {
      await a.com.atproto.repo.createRecord({ repo: did, collection: 'app.bsky.feed.post', record: post(`streamed ${i}`) })
    }
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out; saw ${seen.length} events, errors: ${errors.map(String)}`)), 20000))])
  } finally {
    await firehose.destroy()
  }

  assert.deepEqual(errors.map(String), [])
  const creates = seen.filter((e) => e.event === 'create')
  assert.deepEqual(creates.map((e) => e.record.text), [0, 1, 2, 3, 4].map((i) => `streamed ${i}`))
  // The account's creation arrived first, replayed from cursor 0.
  assert.ok(seen.some((e) => e.event === 'identity'))
  assert.ok(seen.some((e) => e.event === 'account'))
})

test('every replayed #commit verifies, continues the previous one, and its proof inverts to prevData', async () => {
  const { agent: a, did } = await newAccount('inverter')
  const repo = did
  const created = []
  for (let i = 0; i < 6; i++) {
    const res = await a.com.atproto.repo.createRecord({ repo, collection: 'app.bsky.feed.post', record: post(`p${i}`) })
    created.push(res.data.uri.split('/').pop())
  }
  await a.com.atproto.repo.putRecord({ repo, collection: 'app.bsky.feed.post', rkey: created[1], record: post('edited') })
  await a.com.atproto.repo.deleteRecord({ repo, collection: 'app.bsky.feed.post', rkey: created[2] })
  await a.com.atproto.repo.applyWrites({
    repo,
    writes: [
      { $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.like', value: { $type: 'app.bsky.feed.like', subject: { uri: `at://${did}/app.bsky.feed.post/${created[0]}`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }, createdAt: new Date().toISOString() } },
      { $type: 'com.atproto.repo.applyWrites#update', collection: 'app.bsky.feed.post', rkey: created[3], value: post('batch edit') },
      { $type: 'com.atproto.repo.applyWrites#delete', collection: 'app.bsky.feed.post', rkey: created[4] },
    ],
  })
  const head = (await a.com.atproto.sync.getLatestCommit({ did })).data
  const signingKey = (await idResolver().did.resolveAtprotoData(did)).signingKey

  // Read the raw stream from the beginning, as a relay backfilling this PDS would.
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), 20000)
  const commits = []
  const sub = new Subscription({
    service: PDS_URL.replace(/^http/, 'ws'),
    method: 'com.atproto.sync.subscribeRepos',
    signal: abort.signal,
    getParams: () => ({ cursor: 0 }),
    validate: (value) => value,
  })
  try {
    for await (const evt of sub) {
      if (evt.$type !== 'com.atproto.sync.subscribeRepos#commit' || evt.repo !== did) continue
      commits.push(evt)
      if (evt.commit.toString() === head.cid) break
    }
  } catch (err) {
    if (err?.name !== 'AbortError') throw err
  } finally {
    clearTimeout(timer)
    abort.abort()
  }
  assert.equal(commits.at(-1)?.commit.toString(), head.cid, `stream ended before the head; saw ${commits.length} commits`)
  assert.equal(commits.length, 1 + 6 + 1 + 1 + 1)

  let previous = null
  for (const evt of commits) {
    const { root, blocks } = await readCarWithRoot(evt.blocks)
    assert.equal(root.toString(), evt.commit.toString())
    const storage = new MemoryBlockstore(blocks)
    const commit = await storage.readObj(evt.commit, def.commit)
    assert.ok(await verifyCommitSig(commit, signingKey), `commit ${evt.rev} is not signed by the DID's key`)
    assert.equal(commit.rev, evt.rev)
    if (previous === null) {
      assert.equal(evt.since ?? null, null)
    } else {
      assert.equal(evt.since, previous.rev, `commit ${evt.rev} does not continue ${previous.rev}`)
      assert.equal(evt.prevData?.toString(), previous.data.toString())
      // Undo the ops on the partial tree the proof blocks carry: it must come back to prevData.
      let mst = MST.load(storage, commit.data)
      for (const op of evt.ops) {
        if (op.action === 'create') mst = await mst.delete(op.path)
        else if (op.action === 'update') mst = await mst.update(op.path, op.prev)
        else if (op.action === 'delete') mst = await mst.add(op.path, op.prev)
        else assert.fail(`unknown op ${op.action}`)
      }
      assert.equal((await mst.getPointer()).toString(), evt.prevData.toString(), `commit ${evt.rev} does not invert to its prevData`)
    }
    previous = commit
  }
})
