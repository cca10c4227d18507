import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Firehose, MemoryRunner } from '@atproto/sync'
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
