import { Command, CommanderError } from 'commander';
import { CustodianError, ERROR_CODES } from '../core/errors.js';
import { registerAgreementCommands } from './agreement-command.js';
import { registerBenchAccuracy } from './bench-accuracy-command.js';
import { registerBenchCommand } from './bench-command.js';
import { type CliIO, processIO } from './context.js';
import { registerDemoCommand } from './demo-command.js';
import { registerMasterCommands } from './master-command.js';
import { registerModelCommands } from './model-command.js';
import { registerProcessCommand } from './process-command.js';
import { registerReevaluateCommand } from './reevaluate-command.js';
import { registerSynthCommand } from './synth-command.js';

/**
 * Builds the `custodian` command tree. Each sub-command lives in its own `*-command.ts` file
 * and registers itself here.
 */
export function buildProgram(io: CliIO): Command {
  const program = new Command('custodian')
    .description('Lawful-disclosure gateway for confidential tax records')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerDemoCommand(program, io);
  registerProcessCommand(program, io);
  registerSynthCommand(program, io);
  registerAgreementCommands(program, io);
  registerReevaluateCommand(program, io);
  registerMasterCommands(program, io);
  registerModelCommands(program, io);
  registerBenchCommand(program, io);
  registerBenchAccuracy(program.commands.find((c) => c.name() === 'bench')!, io);
  return program;
}

/** Runs the CLI with the given arguments and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return 0;
    return e.exitCode === 0 ? 0 : ERROR_CODES.CUS_USAGE.exit;
  }
  if (e instanceof CustodianError) {
    io.err(`custodian: ${e.message} [${e.code}]\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  io.err(`custodian: internal error: ${message} [CUS_INTERNAL]\n`);
  if (process.env.CUSTODIAN_DEBUG && e instanceof Error) io.err(`${e.stack}\n`);
  return ERROR_CODES.CUS_INTERNAL.exit;
}
