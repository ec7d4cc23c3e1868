// Line charts as inline SVG, drawn with DOM calls only (the content security policy allows no inline script).

const SVG = 'http://www.w3.org/2000/svg';
const MARGIN = { top: 16, right: 16, bottom: 44, left: 56 };

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** About `count` round tick values (steps of 1, 2 or 5 × 10ⁿ) covering [min, max]. */
export function niceTicks(min, max, count = 5) {
  const span = max - min || 1;
  const rough = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  const ticks = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
  return { ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) };
}

/** [min, max] of the values, widened a little (and to a minimum span) so nothing sits on the frame. */
export function paddedDomain(values, { includeZero = false, minSpan = 0.5 } = {}) {
  let min = Math.min(...values, ...(includeZero ? [0] : []));
  let max = Math.max(...values, ...(includeZero ? [0] : []));
  if (max - min < minSpan) {
    const middle = (min + max) / 2;
    min = includeZero && min === 0 ? 0 : middle - minSpan / 2;
    max = min + minSpan;
  }
  const pad = (max - min) * 0.06;
  return [includeZero && min === 0 ? 0 : min - pad, max + pad];
}

/**
 * Draws into `svg` (emptied first): axes with ticks and labels, a line through `points` ({ x, y, low?, high? }; a
 * point with y null breaks the line), and optionally error bars from low to high, a marker per point (class `point`,
 * with data-x and data-y) and one highlighted point (class `highlight`). Values beyond yDomain are clipped. Sized to
 * the element's width, so text stays legible on a phone.
 */
export function drawChart(svg, options) {
  const { points, xLabel, yLabel, xDomain, yDomain, markers = false, errorBars = false, highlight = null, integerX = false, describe } = options;
  const width = Math.max(280, Math.round(svg.getBoundingClientRect().width || 640));
  const height = Math.round(Math.min(360, Math.max(220, width * 0.55)));
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  const inner = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  const [x0, x1] = xDomain;
  const [y0, y1] = yDomain;
  const sx = (x) => inner.left + ((x - x0) / (x1 - x0 || 1)) * (inner.right - inner.left);
  const sy = (y) => inner.bottom - ((y - y0) / (y1 - y0 || 1)) * (inner.bottom - inner.top);

  if (describe) svg.append(element('desc', {}, describe));
  const clipId = `${svg.id || 'chart'}-plot-area`;
  const clip = element('clipPath', { id: clipId });
  clip.append(element('rect', { x: inner.left, y: inner.top, width: inner.right - inner.left, height: inner.bottom - inner.top }));
  svg.append(element('defs'));
  svg.lastChild.append(clip);

  const axes = element('g', { class: 'axes', 'aria-hidden': 'true' });
  const yTicks = niceTicks(y0, y1, 5);
  for (const tick of yTicks.ticks) {
    axes.append(element('line', { class: 'grid', x1: inner.left, x2: inner.right, y1: sy(tick), y2: sy(tick) }));
    axes.append(element('text', { class: 'tick', x: inner.left - 8, y: sy(tick), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tick.toFixed(yTicks.decimals)));
  }
  const xTicks = integerX ? integerTicks(x0, x1) : niceTicks(x0, x1, Math.max(3, Math.floor((inner.right - inner.left) / 70)));
  for (const tick of xTicks.ticks) {
    axes.append(element('line', { class: 'tick-mark', x1: sx(tick), x2: sx(tick), y1: inner.bottom, y2: inner.bottom + 5 }));
    axes.append(element('text', { class: 'tick', x: sx(tick), y: inner.bottom + 18, 'text-anchor': 'middle' }, tick.toFixed(xTicks.decimals)));
  }
  axes.append(element('line', { class: 'axis', x1: inner.left, x2: inner.right, y1: inner.bottom, y2: inner.bottom }));
  axes.append(element('line', { class: 'axis', x1: inner.left, x2: inner.left, y1: inner.top, y2: inner.bottom }));
  axes.append(element('text', { class: 'axis-label', x: (inner.left + inner.right) / 2, y: height - 6, 'text-anchor': 'middle' }, xLabel));
  const yTitle = element('text', { class: 'axis-label', x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(14 ${(inner.top + inner.bottom) / 2}) rotate(-90)` }, yLabel);
  axes.append(yTitle);
  svg.append(axes);

  const plot = element('g', { class: 'plot', 'clip-path': `url(#${clipId})` });
  if (errorBars) {
    for (const point of points) {
      if (point.low === undefined || point.high === undefined) continue;
      plot.append(element('line', { class: 'error-bar', x1: sx(point.x), x2: sx(point.x), y1: sy(point.low), y2: sy(point.high) }));
    }
  }
  let path = '';
  let pen = 'M';
  for (const point of points) {
    if (point.y === null || !Number.isFinite(point.y)) {
      pen = 'M';
      continue;
    }
    path += `${pen}${sx(point.x).toFixed(2)},${sy(point.y).toFixed(2)}`;
    pen = 'L';
  }
  plot.append(element('path', { class: 'line', d: path }));
  svg.append(plot);

  if (markers) {
    const group = element('g', { class: 'markers' });
    for (const point of points) {
      const marker = element('circle', { class: 'point', cx: sx(point.x), cy: sy(point.y), r: 4.5, 'data-x': point.x, 'data-y': point.y });
      if (point.title) marker.append(element('title', {}, point.title));
      group.append(marker);
    }
    svg.append(group);
  }
  if (highlight) {
    const marker = element('circle', { class: 'highlight', cx: sx(highlight.x), cy: sy(highlight.y), r: 6, 'data-x': highlight.x, 'data-y': highlight.y });
    if (highlight.title) marker.append(element('title', {}, highlight.title));
    svg.append(marker);
  }
}

/** Every integer in [min, max] when they fit, otherwise every second, fifth… */
function integerTicks(min, max) {
  const first = Math.ceil(min);
  const last = Math.floor(max);
  const step = [1, 2, 5, 10, 20, 50].find((s) => (last - first) / s <= 10) ?? 100;
  const ticks = [];
  for (let value = first; value <= last; value += step) ticks.push(value);
  return { ticks, decimals: 0 };
}
