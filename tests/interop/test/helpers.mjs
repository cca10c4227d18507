// Shared set-up for the interop tests: the server under test is at PDS_URL; its did:plc directory
// at PLC_URL (the PDS's embedded one, or the official @did-plc/server in external mode).
import { AtpAgent } from '@atproto/api'
import { IdResolver } from '@atproto/identity'
import { randomBytes } from 'node:crypto'

export const PDS_URL = process.env.PDS_URL ?? 'http://127.0.0.1:2583'
export const PLC_URL = process.env.PLC_URL ?? PDS_URL
export const PLC_MODE = process.env.PLC_MODE ?? 'embedded'

export const agent = () => new AtpAgent({ service: PDS_URL })

let counter = 0
export const newHandle = (prefix = 'user') =>
  `${prefix}${++counter}${randomBytes(3).toString('hex')}.test`

/** Creates an account and returns a logged-in agent plus its credentials. */
export async function newAccount(prefix) {
  const handle = newHandle(prefix)
  const email = `${handle.replace('.test', '')}@example.com`
  const password = `pw-${randomBytes(8).toString('hex')}`
  const a = agent()
  await a.createAccount({ handle, email, password })
  return { agent: a, handle, email, password, did: a.session.did }
}

/** Raw XRPC call, for cases the typed client cannot express (bad input, unknown methods). */
export async function xrpc(method, { httpMethod = 'GET', body, headers = {} } = {}) {
  const res = await fetch(`${PDS_URL}/xrpc/${method}`, { method: httpMethod, body, headers })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, json, text }
}

/**
 * The reference identity resolver, pointed at this run's PLC directory. Its default fetch refuses
 * loopback addresses (SSRF protection); the servers under test live on 127.0.0.1, so the plain
 * fetch is passed, as the library documents for development set-ups.
 */
export const idResolver = () => new IdResolver({ plcUrl: PLC_URL, fetch: globalThis.fetch })
