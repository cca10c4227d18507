// OAuth with the official client library: @atproto/oauth-client-node as a loopback (development)
// client, with a real headless Chromium (Debian's chromium, driven by playwright-core) filling in
// the server's sign-in and consent pages. The token it obtains is DPoP-bound; writes inside the
// granted scope succeed and writes outside it are refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { chromium } from 'playwright-core'
import { NodeOAuthClient } from '@atproto/oauth-client-node'
import { buildAtprotoLoopbackClientMetadata } from '@atproto/oauth-types'
import { Agent } from '@atproto/api'
import { newAccount, PDS_URL, PLC_URL } from './helpers.mjs'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const memoryStore = () => {
  const map = new Map()
  return { set: async (k, v) => { map.set(k, v) }, get: async (k) => map.get(k), del: async (k) => { map.delete(k) } }
}

/** A loopback HTTP server standing in for the app's redirect endpoint; resolves with the callback's query. */
async function callbackServer() {
  let resolveParams
  const params = new Promise((resolve) => { resolveParams = resolve })
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    if (url.pathname !== '/callback') { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="done">You can close this window.</p>')
    resolveParams(url.searchParams)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: server.address().port, params }
}

async function authorizeInBrowser(url, { password, approve = true, uncheck = [] }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  try {
    const page = await browser.newPage()
    await page.goto(url.toString())
    // The login hint pre-fills the handle; only the password is typed.
    await page.fill('#password', password)
    await page.click('#sign-in')
    try {
      await page.waitForSelector('#accept', { timeout: 15000 })
    } catch (err) {
      throw new Error(`no consent page at ${page.url()}: ${(await page.content()).slice(0, 2000)}`)
    }
    for (const scope of uncheck) await page.uncheck(`input[name="scope"][value="${scope}"]`)
    await page.click(approve ? '#accept' : '#reject')
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/)
  } finally {
    await browser.close()
  }
}

function oauthClient(port, scope) {
  return new NodeOAuthClient({
    clientMetadata: buildAtprotoLoopbackClientMetadata({ scope, redirect_uris: [`http://127.0.0.1:${port}/callback`] }),
    stateStore: memoryStore(),
    sessionStore: memoryStore(),
    handleResolver: PDS_URL,
    plcDirectoryUrl: PLC_URL,
    allowHttp: true,
    fetch: globalThis.fetch,
    requestLock: async (_name, fn) => fn(),
  })
}

const post = (text) => ({ $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() })

test('oauth-client-node signs in through Chromium; the DPoP-bound session writes inside its scope only', async () => {
  const { did, handle, password } = await newAccount('oauth')
  const { server, port, params } = await callbackServer()
  try {
    const scope = 'atproto repo:app.bsky.feed.post?action=create'
    const client = oauthClient(port, scope)
    const url = await client.authorize(handle, { scope })
    assert.equal(new URL(url).origin, new URL(PDS_URL).origin.replace('127.0.0.1', 'localhost'))

    await authorizeInBrowser(url, { password })
    const { session } = await client.callback(await params)
    assert.equal(session.did, did)

    const agent = new Agent(session)
    const created = await agent.com.atproto.repo.createRecord({ repo: did, collection: 'app.bsky.feed.post', record: post('written with OAuth') })
    assert.match(created.data.uri, /app\.bsky\.feed\.post/)

    await assert.rejects(
      agent.com.atproto.repo.createRecord({
        repo: did,
        collection: 'app.bsky.feed.like',
        record: { $type: 'app.bsky.feed.like', subject: { uri: created.data.uri, cid: created.data.cid }, createdAt: new Date().toISOString() },
      }),
      (err) => err.status === 403 && /repo:app\.bsky\.feed\.like/.test(err.message),
    )
    await assert.rejects(
      agent.com.atproto.repo.deleteRecord({ repo: did, collection: 'app.bsky.feed.post', rkey: created.data.uri.split('/').pop() }),
      (err) => err.status === 403,
    )

    // The session refreshes and keeps working; signing out revokes it.
    const info = await session.getTokenInfo(true)
    assert.equal(info.sub, did)
    assert.ok((await agent.com.atproto.server.getSession()).data.did === did)
    await session.signOut()
    await assert.rejects(agent.com.atproto.server.getSession())
  } finally {
    server.close()
  }
})

test('denying consent sends the app access_denied', async () => {
  const { handle, password } = await newAccount('oauthdeny')
  const { server, port, params } = await callbackServer()
  try {
    const client = oauthClient(port, 'atproto transition:generic')
    const url = await client.authorize(handle, { scope: 'atproto transition:generic' })
    await authorizeInBrowser(url, { password, approve: false })
    await assert.rejects(client.callback(await params), /access_denied|denied/)
  } finally {
    server.close()
  }
})
