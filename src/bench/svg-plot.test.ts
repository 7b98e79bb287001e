import { describe, expect, it } from 'vitest';
import { type ChartSpec, escapeXml, formatSi, niceTicks, renderCharts, renderLineChart } from './svg-plot.js';

/** Well-formedness: every tag closed in order, attributes quoted, no stray '<' or '&'. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const body = svg.replace(/<style>[\s\S]*?<\/style>/, '');
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

const spec: ChartSpec = {
  title: 'Time against master size',
  xLabel: 'master rows',
  yLabel: 'wall time (s)',
  series: [
    {
      name: 'import',
      points: [
        [1e6, 40],
        [5e6, 190],
        [20e6, 800],
      ],
    },
    {
      name: 'process 100k <batch>',
      points: [
        [20e6, 300],
        [1e6, 30],
        [5e6, 90],
      ],
      dashed: true,
    },
  ],
  guides: [{ y: 600, label: 'target 10 min' }],
};

describe('svg-plot', () => {
  it('renders a well-formed SVG with both series, axis labels, ticks, legend and guides', () => {
    const svg = renderLineChart(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg).toContain('data-name="import"');
    expect(svg).toContain('data-name="process 100k &lt;batch&gt;"');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('>master rows</text>');
    expect(svg).toContain('>wall time (s)</text>');
    expect(svg).toContain('>Time against master size</text>');
    expect(svg).toContain('>target 10 min</text>');
    expect(svg).toContain('>20M</text>'); // x tick
    expect(svg).toContain('>800</text>'); // y tick
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    // Points are drawn in x order.
    const d = /data-name="process[^"]*">\n<path d="([^"]+)"/.exec(svg)![1]!;
    const xs = d.split(' ').map((p) => Number(p.slice(1).split(',')[0]));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('lays several charts side by side and survives empty or degenerate data', () => {
    const svg = renderCharts(
      [
        spec,
        {
          title: 'Peak RSS',
          xLabel: 'master rows',
          yLabel: 'GB',
          series: [{ name: 'one', points: [[5, 2]] }],
        },
        { title: 'Empty', xLabel: 'x', yLabel: 'y', series: [] },
        { title: 'Bad', xLabel: 'x', yLabel: 'y', series: [{ name: 'nan', points: [[Number.NaN, 1]] }] },
      ],
      { title: 'Scale', width: 300, height: 200, columns: 2 },
    );
    assertWellFormed(svg);
    expect(svg).toContain('width="600" height="428"');
    expect(svg.match(/<g class="chart"/g)).toHaveLength(4);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('chooses round ticks and formats large numbers', () => {
    expect(niceTicks(0, 20e6)).toEqual([0, 5e6, 10e6, 15e6, 20e6]);
    expect(niceTicks(0, 7.3)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(3, 3).length).toBeGreaterThan(1);
    expect(formatSi(1_000_000)).toBe('1M');
    expect(formatSi(2500)).toBe('2.5k');
    expect(formatSi(0.25)).toBe('0.25');
    expect(escapeXml(`a<b & "c"`)).toBe('a&lt;b &amp; &quot;c&quot;');
  });
});
