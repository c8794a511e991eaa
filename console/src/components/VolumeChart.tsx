import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { VolumeBucket } from '../api';
import { localDateTime } from '../lib/format';

export const VOLUME_SERIES: { key: keyof Omit<VolumeBucket, 'at'>; label: string; colorVariable: string; dash: number[] }[] = [
  { key: 'accepted', label: 'Accepted', colorVariable: '--chart-accepted', dash: [] },
  { key: 'processed', label: 'Processed', colorVariable: '--chart-processed', dash: [6, 3] },
  { key: 'delivered', label: 'Delivered', colorVariable: '--chart-delivered', dash: [] },
  { key: 'failed', label: 'Failed', colorVariable: '--chart-failed', dash: [2, 2] },
  { key: 'deferred', label: 'Deferred', colorVariable: '--chart-deferred', dash: [10, 4] },
];

function cssVariable(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * The volume chart. It is a picture for sighted readers (aria-hidden); the same numbers are in
 * the table next to it, and the series differ by dash pattern as well as colour.
 */
export function VolumeChart({ buckets }: { buckets: VolumeBucket[] }) {
  const container = useRef<HTMLDivElement>(null);
  // uPlot paints colours once; a theme switch (light/dark) needs a new chart.
  const [theme, setTheme] = useState(0);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const changed = () => setTheme((value) => value + 1);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);

  useEffect(() => {
    const element = container.current;
    if (!element) return undefined;
    const times = buckets.map((bucket) => new Date(bucket.at).getTime() / 1000);
    const data: uPlot.AlignedData = [times, ...VOLUME_SERIES.map((series) => buckets.map((bucket) => bucket[series.key]))];
    const axisColor = cssVariable('--text-muted', '#555');
    const gridColor = cssVariable('--border', '#ccc');
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: 260,
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      scales: { y: { range: (_chart, _min, max) => [0, Math.max(4, max)] } },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } },
      ],
      series: [
        { value: (_chart, value) => (value === null ? '' : localDateTime(new Date(value * 1000).toISOString())) },
        ...VOLUME_SERIES.map((series) => ({
          label: series.label,
          stroke: cssVariable(series.colorVariable, '#333'),
          width: 2,
          dash: series.dash,
          points: { show: buckets.length < 40 },
        })),
      ],
    };
    const chart = new uPlot(options, data, element);
    // The chart follows its container (phone rotation, sidebar toggling).
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: 260 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [buckets, theme]);

  return (
    <figure class="chart">
      <div ref={container} class="chart-canvas" aria-hidden="true" />
      <figcaption>
        <ul class="chart-legend">
          {VOLUME_SERIES.map((series) => (
            <li key={series.key}>
              <span class={`legend-swatch legend-${series.key}`} aria-hidden="true" />
              {series.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
