import cliProgress from 'cli-progress';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';

/** A progress bar on stderr when it is a terminal; silent otherwise (piped, CI). */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return SILENT_PROGRESS;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(stage, total) {
      bar?.stop();
      bar = undefined;
      if (total && total > 0) {
        bar = new cliProgress.SingleBar(
          {
            format: `${stage.padEnd(24)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
            stream,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      } else {
        stream.write(`${stage} …\n`);
      }
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
