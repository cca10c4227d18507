// Runs the official did:plc directory server (@did-plc/server) on a 127.0.0.1 port with in-memory
// storage, for the duration of a test run. Prints "listening <port>" once ready and exits when its
// parent closes stdin, so it never outlives the run.
import { PlcServer, Database } from '@did-plc/server'

const server = PlcServer.create({ db: Database.mock(), port: 0 })
// The package listens on every interface; bind it to loopback only.
const listen = server.app.listen
server.app.listen = (port, ...rest) => listen.call(server.app, port, '127.0.0.1', ...rest)
const http = await server.start()
console.log(`listening ${http.address().port}`)
process.stdin.resume()
process.stdin.on('end', async () => {
  await server.destroy()
  process.exit(0)
})
