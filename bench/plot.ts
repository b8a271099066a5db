/**
 * `--plot`: the scaling curves of a run as SVG files next to bench/README.md, one per curve,
 * written by hand (no plotting dependency). Each file shows zeroproc and its same-run baseline
 * per placement, x on a log scale (the points double), y from 0.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, isCaseError, type CaseError, type CaseResult, type Placement } from './harness.js';

/** A curve's points of one placement, by x. */
export interface Curve {
  name: string;
  xLabel: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  baseline: string | null;
  points: Map<Placement, CaseResult[]>;
}

/** The curves among `results`, points sorted by x. */
export function curvesOf(results: ReadonlyArray<CaseResult | CaseError>): Curve[] {
  const curves = new Map<string, Curve>();
  for (const r of results) {
    if (isCaseError(r) || r.curve === undefined || r.x === undefined) continue;
    let curve = curves.get(r.curve);
    if (!curve) {
      curve = { name: r.curve, xLabel: r.xLabel ?? 'x', metric: r.metric, unit: r.unit, better: r.better, baseline: r.baseline, points: new Map() };
      curves.set(r.curve, curve);
    }
    const points = curve.points.get(r.placement) ?? [];
    points.push(r);
    curve.points.set(r.placement, points.sort((a, b) => a.x! - b.x!));
  }
  return [...curves.values()];
}

/** The last point of a rising-is-better curve as a share of its best point, e.g. fan-out at 16 against its peak. */
export function lastOfPeak(points: readonly CaseResult[]): { x: number; peakX: number; share: number } | undefined {
  if (points.length < 2) return undefined;
  const peak = points.reduce((best, p) => (p.value > best.value ? p : best));
  const last = points[points.length - 1]!;
  return { x: last.x!, peakX: peak.x!, share: last.value / peak.value };
}

/** One line per curve and placement: the ratios along it, and the last point against the peak. */
export function describeCurves(curves: readonly Curve[]): string {
  const out: string[] = [];
  for (const c of curves) {
    for (const [placement, points] of c.points) {
      const ratios = points.map((p) => `${p.x}: ${fmt(p.value)}${p.ratio === null ? '' : ` (${p.ratio.toFixed(2)} x)`}`).join(', ');
      const peak = c.better === 'higher' ? lastOfPeak(points) : undefined;
      const share = peak ? `; at ${peak.x}: ${(peak.share * 100).toFixed(0)}% of the peak (at ${peak.peakX})` : '';
      out.push(`curve ${c.name} [${placement}] ${c.unit}: ${ratios}${share}`);
    }
  }
  return out.join('\n');
}

const W = 640;
const H = 360;
const M = { left: 70, right: 20, top: 56, bottom: 48 };
const COLORS: Record<Placement, string> = { unpinned: '#1f77b4', 'pinned-cpu0': '#d62728' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step for about five y ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
}

/** The SVG document of one curve. */
export function curveSvg(c: Curve): string {
  const all = [...c.points.values()].flat();
  const xs = [...new Set(all.map((p) => p.x!))].sort((a, b) => a - b);
  const ys = all.flatMap((p) => (p.baselineValue === null ? [p.value] : [p.value, p.baselineValue]));
  const step = tickStep(Math.max(...ys) * 1.05);
  const yMax = Math.ceil((Math.max(...ys) * 1.05) / step) * step;
  const [x0, x1] = [Math.log(xs[0]!), Math.log(xs[xs.length - 1]!)];
  const px = (x: number) => M.left + (x1 === x0 ? 0.5 : (Math.log(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(`${c.name}: ${c.metric}`)}</text>`,
  ];
  for (let y = 0; y <= yMax + step / 2; y += step) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end">${esc(fmt(y))}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#333"/>`);
    parts.push(`<text x="${px(x)}" y="${H - M.bottom + 17}" text-anchor="middle">${esc(x.toLocaleString('en'))}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(`${c.xLabel} (log scale)`)}</text>`);
  parts.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(`${c.unit} (${c.better} is better)`)}</text>`);
  const legend: Array<[string, string, boolean]> = [];
  for (const [placement, points] of c.points) {
    const color = COLORS[placement];
    const series: Array<[string, number[], boolean]> = [['zeroproc', points.map((p) => p.value), false]];
    if (points.every((p) => p.baselineValue !== null)) series.push([c.baseline ?? 'baseline', points.map((p) => p.baselineValue!), true]);
    for (const [label, values, dashed] of series) {
      const coords = points.map((p, i) => `${px(p.x!).toFixed(1)},${py(values[i]!).toFixed(1)}`);
      parts.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      for (const xy of coords) parts.push(`<circle cx="${xy.split(',')[0]}" cy="${xy.split(',')[1]}" r="3" fill="${color}"/>`);
      legend.push([`${label}, ${placement}`, color, dashed]);
    }
  }
  legend.forEach(([label, color, dashed], i) => {
    const x = M.left + (i % 2) * 280;
    const y = 34 + Math.floor(i / 2) * 14;
    parts.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${x + 30}" y="${y}">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes `curve-<name>.svg` next to bench/README.md for every curve; returns the paths. */
export function writeCurves(curves: readonly Curve[]): string[] {
  return curves.map((c) => {
    const path = fileURLToPath(new URL(`./curve-${c.name}.svg`, import.meta.url));
    writeFileSync(path, curveSvg(c));
    return path;
  });
}
