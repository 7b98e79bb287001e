import type { Command } from 'commander';
import { builtinModelPath, formatModelReport, loadModel } from '../match/fs-model.js';
import type { CliIO } from './context.js';

/** `custodian model show [FILE]`: the readable report of a matcher model (m, u, weights). */
export function registerModelCommands(program: Command, io: CliIO): void {
  const model = program
    .command('model')
    .description('Matcher models: versioned Fellegi-Sunter parameter files');
  model
    .command('show')
    .description(
      'Print a model: prior, and m, u and match weight of every comparison level (default: the built-in model)',
    )
    .argument('[file]', 'model file (custodian-fs-model/1); `process --train` writes one as OUT/model.json')
    .option('--json', 'print the model file itself')
    .action(async (file: string | undefined, flags: { json?: boolean }) => {
      const m = await loadModel(file ?? builtinModelPath());
      io.out(flags.json ? `${JSON.stringify(m, null, 2)}\n` : formatModelReport(m));
    });
}
