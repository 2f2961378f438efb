import { main } from '../main.js';

const code = await main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
});
// `run` manages its own exit after shutdown; other commands end here.
if (code !== -1) process.exitCode = code;
