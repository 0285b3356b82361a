import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Bucket } from './types.js';

const SERIES = [
  { key: 'succeeded', label: 'Succeeded', stroke: '#2f7d32' },
  { key: 'failed', label: 'Failed', stroke: '#c62828' },
  { key: 'dead', label: 'Dead', stroke: '#6a1b9a' },
  { key: 'retrying', label: 'Retrying', stroke: '#ef6c00' },
] as const;

/** Jobs per bucket by outcome, as a uPlot line chart sized to its container. */
export function ThroughputChart(props: { buckets: Bucket[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => [
    props.buckets.map((b) => Date.parse(b.start) / 1000),
    ...SERIES.map((s) => props.buckets.map((b) => b[s.key])),
  ];

  useEffect(() => {
    const el = box.current!;
    const width = () => Math.max(280, el.clientWidth);
    plot.current = new uPlot(
      {
        width: width(),
        height: 240,
        series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
        axes: [{}, { label: 'jobs / bucket' }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      data(),
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data());
  }, [props.buckets]);

  return <div ref={box} class="chart" aria-hidden="true" />;
}
