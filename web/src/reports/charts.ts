import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartModel } from './chart-options';
import { seriesLengths } from './chart-options';

// Only what the Reports view draws is bundled (tree-shaken ECharts): three series types,
// three components and the canvas renderer. The heat map colours its cells itself (no
// visualMap component).
use([BarChart, LineChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** A drawn chart: its ECharts instance, disposed when the view draws again. */
export interface DrawnChart {
  chart: ECharts;
  dispose(): void;
}

/**
 * Draws a chart model into an element (which must be laid out: the view draws once its tab
 * is shown). The element keeps the number of points per series in `data-series-lengths`
 * and `data-state="drawn"` once ECharts has rendered, for the browser test and for anyone
 * curious; resizing follows the element.
 */
export function draw(el: HTMLElement, model: ChartModel): DrawnChart {
  const chart = init(el, null, { renderer: 'canvas' });
  chart.on('finished', () => el.setAttribute('data-state', 'drawn'));
  chart.setOption(model.option);
  el.setAttribute('data-series-lengths', JSON.stringify(seriesLengths(model.option)));
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(el);
  return {
    chart,
    dispose: () => {
      observer.disconnect();
      chart.dispose();
    },
  };
}
