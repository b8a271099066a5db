/** `zeroproc keygen NAME`: a CURVE keypair in NAME.key (0600) and NAME.pub (src/cluster/keys.ts). */
import { parseArgs } from 'node:util';
import { writeKeypairFiles } from '../cluster/keys.js';
import { UsageError, type CliIo, type Command } from './command.js';

const HELP = `Usage: zeroproc keygen NAME

Writes a new CURVE keypair: NAME.key (the keypair, JSON, mode 0600: keep it on its
machine) and NAME.pub (the public key, Z85: hand it to the peers). Existing files are
never overwritten. A host uses them with --key-file NAME.key --admit CLIENT.pub; a
client with loadCurveKeyset({ keyFile: 'NAME.key', serverKey: 'HOST.pub' }).

Options:
  -h, --help   show this help
`;

async function runKeygen(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one NAME (the files NAME.key and NAME.pub), got ${positionals.length}`);
  const files = await writeKeypairFiles(positionals[0]!);
  io.stdout.write(`${files.keyFile} (secret, 0600)\n${files.publicFile} (public): ${files.publicKey}\n`);
  return 0;
}

/** `zeroproc keygen`. */
export const keygenCommand: Command = {
  summary: 'make a CURVE keypair (NAME.key, NAME.pub) for links between machines',
  run: runKeygen,
};
