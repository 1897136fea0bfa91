// A small line chart in inline SVG: the last POINTS readings of one or more series, scaled from
// zero to a round maximum. Missing readings leave a gap. The figures themselves are shown as text
// beside it; the chart's accessible name sums them up.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 80;
/** About three minutes at one reading every 1.5 s. */
export const POINTS = 120;

export type ChartSeries = { label: string };

/** The smallest of 1, 2, 2.5, 5 × 10^n at or above the value (at least `floor`). */
export function roundUp(value: number, floor: number): number {
  const target = Math.max(value, floor);
  const magnitude = 10 ** Math.floor(Math.log10(target));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= target) return step * magnitude;
  return 10 * magnitude;
}

export class LineChart {
  /** The chart and its scale's label (HTML: SVG text would be stretched with the chart). */
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly paths: SVGPathElement[];
  private readonly maxLabel: HTMLSpanElement;
  private readonly data: (number | undefined)[][];

  constructor(
    private readonly title: string,
    private readonly series: readonly ChartSeries[],
    private readonly format: (value: number) => string,
    /** The scale never goes below this, so that noise near zero does not fill the chart. */
    private readonly minScale = 1,
  ) {
    this.data = series.map(() => []);
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('role', 'img');
    this.svg.classList.add('chart');
    for (const y of [0.25, 0.5, 0.75]) {
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('x1', '0');
      line.setAttribute('x2', String(WIDTH));
      line.setAttribute('y1', String(HEIGHT * y));
      line.setAttribute('y2', String(HEIGHT * y));
      line.classList.add('grid');
      this.svg.append(line);
    }
    this.paths = series.map((_, index) => {
      const path = document.createElementNS(SVG, 'path');
      path.classList.add('series', `series-${index + 1}`);
      path.setAttribute('vector-effect', 'non-scaling-stroke');
      this.svg.append(path);
      return path;
    });
    this.maxLabel = document.createElement('span');
    this.maxLabel.className = 'scale';
    this.maxLabel.ariaHidden = 'true';
    this.element = document.createElement('div');
    this.element.className = 'chart-box';
    this.element.append(this.svg, this.maxLabel);
    this.render();
  }

  /** One reading per series, in the order given to the constructor. */
  push(values: readonly (number | undefined)[]): void {
    this.data.forEach((points, index) => {
      const value = values[index];
      points.push(value === undefined || !Number.isFinite(value) ? undefined : value);
      if (points.length > POINTS) points.shift();
    });
    this.render();
  }

  private render(): void {
    const max = roundUp(Math.max(0, ...this.data.flat().map((v) => v ?? 0)), this.minScale);
    const step = WIDTH / (POINTS - 1);
    this.data.forEach((points, index) => {
      const offset = POINTS - points.length;
      let d = '';
      let drawing = false;
      points.forEach((value, i) => {
        if (value === undefined) {
          drawing = false;
          return;
        }
        const x = (offset + i) * step;
        const y = HEIGHT - (value / max) * (HEIGHT - 2) - 1;
        // A segment's first point gets a zero-length stroke: with round caps, a reading between two gaps shows as a dot.
        d += drawing ? `L${x.toFixed(1)} ${y.toFixed(1)}` : `M${x.toFixed(1)} ${y.toFixed(1)}h0`;
        drawing = true;
      });
      this.paths[index]!.setAttribute('d', d);
    });
    this.maxLabel.textContent = this.format(max);
    const latest = this.series.map((s, index) => {
      const value = this.data[index]!.at(-1);
      return `${s.label} ${value === undefined ? 'no reading' : this.format(value)}`;
    });
    this.svg.setAttribute(
      'aria-label',
      `${this.title}, last ${POINTS} readings, scale 0 to ${this.format(max)}; latest: ${latest.join(', ')}`,
    );
  }
}

/** Up and down as a strip of cells, newest on the right. */
export class StatusStrip {
  readonly element: SVGSVGElement;
  private readonly states: (boolean | undefined)[] = [];

  constructor(private readonly title: string) {
    this.element = document.createElementNS(SVG, 'svg');
    this.element.setAttribute('viewBox', `0 0 ${WIDTH} 10`);
    this.element.setAttribute('preserveAspectRatio', 'none');
    this.element.setAttribute('role', 'img');
    this.element.classList.add('strip');
    this.element.setAttribute('aria-label', `${title}: no checks yet`);
  }

  push(up: boolean | undefined): void {
    this.states.push(up);
    if (this.states.length > POINTS) this.states.shift();
    const step = WIDTH / POINTS;
    const offset = POINTS - this.states.length;
    this.element.replaceChildren(
      ...this.states.map((state, i) => {
        const cell = document.createElementNS(SVG, 'rect');
        cell.setAttribute('x', ((offset + i) * step).toFixed(1));
        cell.setAttribute('width', (step * 0.8).toFixed(2));
        cell.setAttribute('y', '0');
        cell.setAttribute('height', '10');
        cell.classList.add(state === undefined ? 'unknown' : state ? 'up' : 'down');
        return cell;
      }),
    );
    const down = this.states.filter((state) => state === false).length;
    this.element.setAttribute('aria-label', `${this.title}: ${down} failed of the last ${this.states.length} checks`);
  }
}
