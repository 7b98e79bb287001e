/**
 * A small dependency-free SVG line-chart renderer for benchmark reports: linear axes with
 * "nice" ticks, grid, axis titles, a legend, markers at the data points and optional horizontal
 * guide lines (targets). Several charts can be laid side by side in one SVG document.
 */

export interface Series {
  readonly name: string;
  /** [x, y] points; drawn in x order. Points with a non-finite coordinate are skipped. */
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string | undefined;
  readonly dashed?: boolean | undefined;
}

export interface Guide {
  readonly y: number;
  readonly label: string;
  readonly color?: string | undefined;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly guides?: readonly Guide[] | undefined;
  readonly xFormat?: ((v: number) => string) | undefined;
  readonly yFormat?: ((v: number) => string) | undefined;
  /** Axis ranges start at 0 unless the data go below it (default true: growth is read from the origin). */
  readonly fromZero?: boolean | undefined;
}

export interface LayoutOptions {
  /** Size of each chart panel. */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** Panels per row (default: all in one row). */
  readonly columns?: number | undefined;
  /** A caption over all panels. */
  readonly title?: string | undefined;
}

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

/** XML-escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** About `count` evenly spaced round values (1, 2, 2.5 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = max === 0 ? 1 : Math.abs(max) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** 1500 → "1.5k", 20000000 → "20M", 0.25 → "0.25". */
export function formatSi(v: number): string {
  const a = Math.abs(v);
  const fmt = (x: number, s: string) => `${Number(x.toPrecision(3))}${s}`;
  if (a >= 1e12) return fmt(v / 1e12, 'T');
  if (a >= 1e9) return fmt(v / 1e9, 'G');
  if (a >= 1e6) return fmt(v / 1e6, 'M');
  if (a >= 1e3) return fmt(v / 1e3, 'k');
  return String(Number(v.toPrecision(3)));
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** One chart as an SVG group of size width × height (no <svg> wrapper). */
function chartGroup(spec: ChartSpec, width: number, height: number, x0: number, y0: number): string {
  const fromZero = spec.fromZero ?? true;
  const pts = spec.series.flatMap((s) =>
    s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const guides = spec.guides ?? [];
  const xs = pts.map((p) => p[0]);
  const ys = [...pts.map((p) => p[1]), ...guides.map((g) => g.y)];
  const xMinData = xs.length ? Math.min(...xs) : 0;
  const xMaxData = xs.length ? Math.max(...xs) : 1;
  const yMinData = ys.length ? Math.min(...ys) : 0;
  const yMaxData = ys.length ? Math.max(...ys) : 1;
  const xt = niceTicks(fromZero ? Math.min(0, xMinData) : xMinData, xMaxData);
  const yt = niceTicks(fromZero ? Math.min(0, yMinData) : yMinData, yMaxData);
  const [xLo, xHi] = [xt[0]!, xt[xt.length - 1]!];
  const [yLo, yHi] = [yt[0]!, yt[yt.length - 1]!];
  const xf = spec.xFormat ?? formatSi;
  const yf = spec.yFormat ?? formatSi;

  const m = { left: 64, right: 16, top: 34, bottom: 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - xLo) / (xHi - xLo || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - yLo) / (yHi - yLo || 1)) * ph;

  const out: string[] = [];
  out.push(`<g class="chart" transform="translate(${n(x0)},${n(y0)})">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text class="title" x="${n(m.left + pw / 2)}" y="20" text-anchor="middle">${escapeXml(spec.title)}</text>`,
  );
  // Grid and ticks.
  for (const t of yt) {
    const y = sy(t);
    out.push(`<line class="grid" x1="${m.left}" y1="${n(y)}" x2="${n(m.left + pw)}" y2="${n(y)}"/>`);
    out.push(
      `<text class="tick" x="${m.left - 6}" y="${n(y + 4)}" text-anchor="end">${escapeXml(yf(t))}</text>`,
    );
  }
  for (const t of xt) {
    const x = sx(t);
    out.push(`<line class="grid" x1="${n(x)}" y1="${m.top}" x2="${n(x)}" y2="${n(m.top + ph)}"/>`);
    out.push(
      `<text class="tick" x="${n(x)}" y="${n(m.top + ph + 16)}" text-anchor="middle">${escapeXml(xf(t))}</text>`,
    );
  }
  // Axes.
  out.push(
    `<line class="axis" x1="${m.left}" y1="${n(m.top + ph)}" x2="${n(m.left + pw)}" y2="${n(m.top + ph)}"/>`,
  );
  out.push(`<line class="axis" x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${n(m.top + ph)}"/>`);
  out.push(
    `<text class="label x-label" x="${n(m.left + pw / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  out.push(
    `<text class="label y-label" transform="translate(14,${n(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  // Guides.
  for (const g of guides) {
    const y = sy(g.y);
    const c = g.color ?? '#888888';
    out.push(
      `<line class="guide" x1="${m.left}" y1="${n(y)}" x2="${n(m.left + pw)}" y2="${n(y)}" stroke="${c}" stroke-dasharray="2 3"/>`,
    );
  }
  // Series.
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const p = s.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .slice()
      .sort((a, b) => a[0] - b[0]);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (p.length > 1) {
      const d = p.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${n(sx(x))},${n(sy(y))}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    for (const [x, y] of p)
      out.push(
        `<circle cx="${n(sx(x))}" cy="${n(sy(y))}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${xf(x)}, ${yf(y)}`)}</title></circle>`,
      );
    out.push('</g>');
  });
  // Guide labels over the series (with a white halo, see STYLE), so that lines never hide them.
  for (const g of guides)
    out.push(
      `<text class="guide-label" x="${n(m.left + pw - 4)}" y="${n(sy(g.y) - 4)}" text-anchor="end" fill="${g.color ?? '#888888'}">${escapeXml(g.label)}</text>`,
    );
  // Legend (top left, inside the plot).
  const lx = m.left + 10;
  let ly = m.top + 8;
  const legendWidth = Math.max(60, ...spec.series.map((s) => s.name.length * 6.6 + 34));
  if (spec.series.length > 0)
    out.push(
      `<rect class="legend" x="${lx - 6}" y="${ly - 6}" width="${n(legendWidth)}" height="${spec.series.length * 16 + 6}" fill="#ffffff" fill-opacity="0.85" stroke="#dddddd"/>`,
    );
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    out.push(
      `<line x1="${lx}" y1="${ly + 5}" x2="${lx + 20}" y2="${ly + 5}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text class="legend-label" x="${lx + 26}" y="${ly + 9}">${escapeXml(s.name)}</text>`);
    ly += 16;
  });
  out.push('</g>');
  return out.join('\n');
}

const STYLE = `<style>
text { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 11px; fill: #222222; }
.title { font-size: 13px; font-weight: 600; }
.caption { font-size: 14px; font-weight: 600; }
.label { font-size: 11.5px; }
.tick { fill: #555555; }
.grid { stroke: #eeeeee; stroke-width: 1; }
.axis { stroke: #333333; stroke-width: 1; }
.guide-label { font-size: 10px; stroke: #ffffff; stroke-width: 3px; paint-order: stroke; stroke-linejoin: round; }
</style>`;

/** A standalone SVG document with one or more charts (side by side, `columns` per row). */
export function renderCharts(specs: readonly ChartSpec[], options: LayoutOptions = {}): string {
  const w = options.width ?? 460;
  const h = options.height ?? 320;
  const cols = Math.max(1, Math.min(options.columns ?? specs.length, specs.length || 1));
  const rows = Math.max(1, Math.ceil(specs.length / cols));
  const top = options.title ? 28 : 0;
  const W = w * cols;
  const H = h * rows + top;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">`,
    `<title>${escapeXml(options.title ?? specs.map((s) => s.title).join('; '))}</title>`,
    STYLE,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  if (options.title)
    parts.push(
      `<text class="caption" x="${W / 2}" y="19" text-anchor="middle">${escapeXml(options.title)}</text>`,
    );
  specs.forEach((s, i) => {
    parts.push(chartGroup(s, w, h, (i % cols) * w, top + Math.floor(i / cols) * h));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** One chart as a standalone SVG document. */
export function renderLineChart(spec: ChartSpec, options: Omit<LayoutOptions, 'columns'> = {}): string {
  return renderCharts([spec], options);
}
