import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a Markdown file
 * (creating the file with `title`, or appending the section, when missing); everything else in
 * the file is kept, so benchmarks rewrite only their own measured figures.
 */
export async function writeMarkedSection(
  file: string,
  name: string,
  content: string,
  title: string,
): Promise<void> {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = `# ${title}\n\n`;
  }
  const section = `${begin}\n${content.trimEnd()}\n${end}`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end, a);
  const next =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + end.length)
      : `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${section}\n`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, next);
}
