// The official did:plc directory (@did-plc/server, installed by tests/interop/setup.sh) on a
// 127.0.0.1 port with in-memory storage, for one benchmark run. Like tests/interop/plc-server.mjs,
// but bound to loopback only. Prints "listening <port>" once ready and exits when its parent closes
// stdin, so it never outlives the run.
import { createRequire } from 'node:module'

const require = createRequire(new URL('../tests/interop/package.json', import.meta.url))
const { PlcServer, Database } = require('@did-plc/server')

const server = PlcServer.create({ db: Database.mock(), port: 0 })
const listen = server.app.listen
server.app.listen = (port, ...rest) => listen.call(server.app, port, '127.0.0.1', ...rest)
const http = await server.start()
console.log(`listening ${http.address().port}`)
process.stdin.resume()
process.stdin.on('end', async () => {
  await server.destroy()
  process.exit(0)
})
