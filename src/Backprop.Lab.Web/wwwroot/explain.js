// The explain page: a formula or a shipped network, drawn by Graphviz (viz.js) from the DOT that `lab explain --dot`
// writes, with the backward pass step by step and derivatives as sums over paths. Every number and every line of
// text comes from the server (Backprop.Core's teaching code); this module parses and evaluates nothing, it lays the
// data out and highlights parts of the drawing. Data is put into the page as text, never as HTML.
/* global Viz, Plotly */

const main = document.getElementById('main');
const vizReady = Viz.instance();

// ---- small helpers -------------------------------------------------------------------------------------------------

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A number as `lab explain` prints it (8 significant digits). */
function num(v) {
  if (v === null || v === undefined) return '—';
  return Number(v.toPrecision(8)).toString();
}

async function call(url, body) {
  const response = await fetch(url, body === undefined
    ? { headers: { Accept: 'application/json' } }
    : { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.error ?? `${url}: ${response.status} ${response.statusText}`);
  return data;
}

function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(p => p.length > 0).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'formula') return { view: 'formula', params };
  return { view: 'network', name: parts[1] ?? 'linear-2-2-1', params };
}

function go(view, params, name) {
  const q = params.toString();
  location.hash = `#/${view}${name ? '/' + encodeURIComponent(name) : ''}${q ? '?' + q : ''}`;
}

// ---- the drawing ---------------------------------------------------------------------------------------------------

/** Draws DOT with Graphviz into #graph and returns the lookups of its nodes and edges by their DOT names. */
async function draw(host, dot) {
  const viz = await vizReady;
  const svg = viz.renderSVGElement(dot);
  host.replaceChildren(svg);
  const nodes = new Map();
  const edges = new Map();
  for (const g of svg.querySelectorAll('g.node, g.edge')) {
    const title = g.querySelector(':scope > title')?.textContent ?? '';
    (g.classList.contains('node') ? nodes : edges).set(title, g);
  }
  return {
    svg, nodes, edges,
    clear() { for (const g of svg.querySelectorAll('.hl, .near')) g.classList.remove('hl', 'near'); },
    mark(kind, names, cls = 'hl') {
      for (const n of names) (kind === 'node' ? nodes : edges).get(n)?.classList.add(cls);
    },
  };
}

// ---- the formula view ----------------------------------------------------------------------------------------------

const EXAMPLES = ['z = (3*x + 4*y)^3', 'a = x*y; z = a*a + a', 'f = tanh(w*x + b) * x', 'L = (relu(w*x) - y)^2'];

function parsePoint(text) {
  const at = {};
  for (const part of text.split(',').map(p => p.trim()).filter(p => p.length > 0)) {
    const [name, value] = part.split('=').map(s => s.trim());
    // Numbers only: the point is data, the formula itself goes to the server as typed.
    if (name && value !== undefined && value !== '' && Number.isFinite(Number(value))) at[name] = Number(value);
    else throw new Error(`the point expects NAME=NUMBER pairs separated by commas, such as x=1,y=2; '${part}' is not one`);
  }
  return at;
}

async function renderFormula(params) {
  const formula = params.get('f') ?? EXAMPLES[0];
  const atText = params.get('at') ?? (params.has('f') ? '' : 'x=1,y=2');
  document.title = 'Explain: ' + formula.slice(0, 60);
  const input = el('input', { type: 'text', id: 'formula', value: formula, spellcheck: 'false', 'aria-label': 'formula' });
  const at = el('input', { type: 'text', id: 'at', value: atText, spellcheck: 'false', 'aria-label': 'point' });
  const submit = () => {
    const p = new URLSearchParams({ f: input.value, at: at.value });
    go('formula', p);
  };
  const form = el('form', { class: 'explain-controls', id: 'formula-form', onsubmit: e => { e.preventDefault(); submit(); } },
    el('label', {}, 'formula ', input),
    el('label', {}, 'at ', at),
    el('button', { type: 'submit', id: 'explain' }, 'Explain'),
    el('span', { class: 'examples' }, 'examples: ', EXAMPLES.map(x => el('a', { href: '#/formula?' + new URLSearchParams({ f: x }) }, x))));
  const error = el('p', { id: 'error', class: 'bad' });
  main.replaceChildren(el('h1', {}, 'The chain rule, node by node'),
    el('p', { class: 'caption' }, 'Type a formula (+ - * / ^, exp log sin cos tanh sigmoid relu abs ..., or statements "a = x*y; z = a*a + a"). ',
      'The server parses and evaluates it with the same code as lab explain; inputs not given a value are 1. ',
      'Step the backward pass with Next/Prev (or the arrow keys); click an input, in the drawing or below, for its sum over paths.'),
    form, error);

  let view;
  try {
    view = await call('api/explain/formula', { formula, at: parsePoint(atText) });
  } catch (e) {
    error.textContent = e.message;
    main.dataset.ready = 'formula-error';
    return;
  }
  at.value = Object.entries(view.at).map(([k, v]) => `${k}=${v}`).join(',');

  const graph = el('div', { id: 'graph' });
  const stepPanel = el('div', { class: 'panel', id: 'step-panel' });
  const pathPanel = el('div', { class: 'panel', id: 'path-panel' });
  main.append(el('p', { class: 'meta formula-text', id: 'program' }, view.program),
    el('div', { class: 'explain-grid' }, graph, el('div', {}, stepPanel, pathPanel)));
  const drawing = await draw(graph, view.dot);
  const byId = new Map(view.nodes.map(n => [n.id, n]));

  // -- stepping the backward pass
  let step = 0;
  const line = el('div', { class: 'step-line', id: 'step-line' });
  const index = el('span', { id: 'step-index' });
  const sum = el('div', { id: 'step-sum', class: 'mono' });
  const list = el('ol', { class: 'steps', id: 'steps' }, view.steps.map((s, i) => el('li', { 'data-node': s.name, onclick: () => show(i) }, s.line)));
  stepPanel.append(el('h3', {}, `Backward pass: d${view.output}/d(node) = d${view.output}/d(parent) × d(parent)/d(node)`),
    el('div', { class: 'step-buttons row' },
      el('button', { id: 'step-prev', onclick: () => show(step - 1) }, '◀ Prev'),
      el('button', { id: 'step-next', onclick: () => show(step + 1) }, 'Next ▶'), index),
    line, sum, list);

  function show(i) {
    if (view.steps.length === 0) { line.textContent = `${view.output} is a constant: nothing to pass back`; return; }
    step = Math.max(0, Math.min(view.steps.length - 1, i));
    const s = view.steps[step];
    index.textContent = `step ${step + 1} of ${view.steps.length}: ${s.name}`;
    line.textContent = s.line;
    line.dataset.node = s.name;
    sum.textContent = s.contributions.length > 1
      ? `${s.name} is used ${s.contributions.length} times; the contributions add: ${s.contributions.map(c => num(c.value)).join(' + ')} = ${num(s.grad)}`
      : '';
    for (const [k, li] of [...list.children].entries()) li.classList.toggle('current', k === step);
    list.children[step].scrollIntoView({ block: 'nearest' });
    drawing.clear();
    drawing.mark('node', [`v0_${s.node}`, `v1_${s.node}`]);
    drawing.mark('node', s.contributions.flatMap(c => [`v0_${c.consumer}`, `v1_${c.consumer}`]), 'near');
    drawing.mark('edge', s.contributions.map(c => `v1_${c.consumer}->v1_${s.node}`));
    drawing.mark('edge', s.contributions.map(c => `v0_${s.node}->v0_${c.consumer}`));
  }

  // -- paths from the output to an input
  const buttons = el('div', { class: 'inputs' }, 'inputs: ', view.path_sums.map(p =>
    el('button', { 'data-input': p.name, onclick: () => showPaths(p) }, `d${view.output}/d${p.name}`)));
  const pathBody = el('div', { id: 'path-body' });
  pathPanel.append(el('h3', {}, 'Sum over paths'), buttons, pathBody);

  function showPaths(p) {
    for (const b of buttons.querySelectorAll('button')) b.classList.toggle('current', b.dataset.input === p.name);
    drawing.clear();
    const d = `d${view.output}/d${p.name}`;
    if (!p.paths) {
      pathBody.replaceChildren(el('p', {}, `${num(p.path_count)} paths lead from ${view.output} to ${p.name}: too many to list; backprop adds them at every node where they meet.`),
        checks(p));
      return;
    }
    const markPath = (path, cls) => {
      drawing.mark('node', path.nodes.flatMap(n => [`v0_${n}`, `v1_${n}`]), cls);
      drawing.mark('edge', path.nodes.slice(1).flatMap((n, k) => [`v0_${n}->v0_${path.nodes[k]}`, `v1_${path.nodes[k]}->v1_${n}`]), cls);
    };
    p.paths.forEach(path => markPath(path, 'hl'));
    const terms = el('ol', { class: 'terms', id: 'path-terms' }, p.paths.map(path => el('li', {
      'data-value': path.value,
      onmouseenter: () => { drawing.clear(); markPath(path, 'hl'); },
      onmouseleave: () => { drawing.clear(); p.paths.forEach(q => markPath(q, 'hl')); },
    },
    el('div', {}, path.names.map((n, k) => path.roles[k] ? `${n} (${path.roles[k]})` : n).join(' → ')),
    el('div', {}, `${path.locals.join(' × ')} = ${path.product}`),
    el('div', {}, `${path.local_values.map(num).join(' × ')} = `, el('b', { class: 'term' }, num(path.value))))));
    pathBody.replaceChildren(
      el('p', {}, `${d}: ${p.paths.length === 1 ? '1 path' : `${p.paths.length} paths`} from ${view.output} to ${p.name}, each the product of the local derivatives along it`),
      terms,
      el('p', { class: 'mono' }, `${d} = ${p.symbolic}`, p.where ? el('span', { class: 'meta' }, `   where ${p.where}`) : null),
      checks(p));
  }

  function checks(p) {
    const terms = p.paths ? p.paths.map(q => num(q.value)).join(' + ') + ' = ' : '';
    return el('table', { class: 'check' }, el('tbody', {},
      p.paths ? el('tr', {}, el('th', {}, 'sum over paths'), el('td', { id: 'path-sum', 'data-value': p.value }, terms + num(p.value))) : null,
      el('tr', {}, el('th', {}, 'backprop'), el('td', { id: 'backprop', 'data-value': p.backprop }, num(p.backprop))),
      el('tr', {}, el('th', {}, 'central finite difference'), el('td', { id: 'fd', 'data-value': p.finite_difference }, num(p.finite_difference)))));
  }

  for (const p of view.path_sums) {
    const g = drawing.nodes.get(`v0_${p.input}`);
    if (g) { g.classList.add('pick'); g.addEventListener('click', () => showPaths(p)); }
  }
  // The first input's paths are listed, and the drawing starts at the first step of the backward pass.
  if (view.path_sums.length > 0) showPaths(view.path_sums[0]);
  show(0);
  keys = e => {
    if (e.target instanceof HTMLInputElement) return;
    if (e.key === 'ArrowRight' || e.key === 'n') { show(step + 1); e.preventDefault(); }
    if (e.key === 'ArrowLeft' || e.key === 'p') { show(step - 1); e.preventDefault(); }
  };
  main.dataset.ready = 'formula';
}

// ---- the network view ----------------------------------------------------------------------------------------------

async function renderNetwork(name, params) {
  const [networks, view] = await Promise.all([
    call('api/explain/networks'),
    call(`api/explain/networks/${encodeURIComponent(name)}?` + new URLSearchParams({ wrt: params.get('wrt') ?? '', example: params.get('example') ?? '1' })),
  ]);
  const d = `d${view.output}/d${view.wrt}`;
  document.title = `Explain: ${d} in ${view.name}`;
  const set = (key, value) => { const p = new URLSearchParams(params); p.set(key, value); go('network', p, name); };
  const pick = el('select', { id: 'network', onchange: e => go('network', new URLSearchParams(), e.target.value) },
    networks.map(n => el('option', { value: n.name, selected: n.name === view.name }, n.title)));
  const wrt = el('select', { id: 'wrt', onchange: e => set('wrt', e.target.value) },
    view.choices.map(c => el('option', { value: c.name, selected: c.name === view.wrt }, `${c.name} = ${num(c.value)}`)));
  const example = el('select', { id: 'example', onchange: e => set('example', e.target.value) },
    Array.from({ length: view.examples }, (_, i) => el('option', { value: i + 1, selected: i + 1 === view.example }, `example ${i + 1}`)));
  main.replaceChildren(
    el('h1', { id: 'network-title' }, `${d} as a sum over paths through the layers`),
    view.source ? el('p', { class: 'source', id: 'source' }, 'Worked example from the blog post ', el('cite', {}, `“${view.source}”`),
      ': a linear network with inputs x1, x2, two hidden units and one output, loss L = (y − ŷ)². ',
      'dL/dx2 is a sum over the two paths from x2 up to the loss, each a product of the weights along it.') : null,
    el('div', { class: 'explain-controls' }, el('label', {}, 'network ', pick), el('label', {}, 'differentiate with respect to ', wrt), el('label', {}, example),
      el('span', { class: 'meta' }, `${view.description}; x = (${view.x.map(num).join(', ')}), y = (${view.y.map(num).join(', ')}), ${view.output} = ${num(view.loss)}`)),
    el('p', { class: 'caption' }, 'Click an input or a weight (an arrow or its label) in the forward drawing to differentiate with respect to it; hover a path to see it alone. ',
      'Step the backward pass unit by unit with Next/Prev (or the arrow keys).'));

  const graph = el('div', { id: 'graph' });
  const stepPanel = el('div', { class: 'panel', id: 'step-panel' });
  const panel = el('div', { class: 'panel', id: 'path-panel' });
  main.append(el('div', { class: 'explain-grid' }, graph, el('div', {}, panel, stepPanel)));
  const drawing = await draw(graph, view.dot);
  // Arrows are named forward (l1u0->l2u0); the backward view draws them the other way.
  const arrows = edges => edges.flatMap(e => { const [a, b] = e.split('->'); return [`v0_${a}->v0_${b}`, `v1_${b}->v1_${a}`]; });
  const markPath = (path, cls) => {
    drawing.mark('node', path.units.flatMap(u => [`v0_${u}`, `v1_${u}`]), cls);
    drawing.mark('edge', arrows(path.edges), cls);
  };
  // Until the first step, the drawing shows the paths; once stepping, the current step.
  let step = -1;
  const all = () => { drawing.clear(); if (step >= 0) markStep(view.steps[step]); else (view.paths ?? []).forEach(p => markPath(p, 'hl')); };

  // -- stepping the backward pass, unit by unit
  const o = view.output;
  const line = el('div', { class: 'step-line', id: 'step-line' }, 'Next ▶ (or →) passes the derivative back from the loss, one unit at a time, down to the inputs.');
  const index = el('span', { id: 'step-index' }, `${view.steps.length} steps`);
  const sum = el('div', { id: 'step-sum', class: 'mono' });
  const list = el('ol', { class: 'steps', id: 'steps' }, view.steps.map((s, i) => el('li', { 'data-unit': s.unit, onclick: () => show(i) }, s.line)));
  stepPanel.append(el('h3', {}, `Backward pass: d${o}/dz = d${o}/da × φ′(z), d${o}/dw_jk = d${o}/dz_j × a_k, d${o}/da_k = Σ_j d${o}/dz_j × w_jk`),
    el('div', { class: 'step-buttons row' },
      el('button', { id: 'step-prev', onclick: () => show(step - 1) }, '◀ Prev'),
      el('button', { id: 'step-next', onclick: () => show(step + 1) }, 'Next ▶'), index),
    line, sum, list);

  function markStep(s) {
    drawing.mark('node', [`v0_${s.unit}`, `v1_${s.unit}`]);
    // The other end of each lit arrow: the units above whose terms are summed, or the unit a weight reads a_k from.
    const ends = s.edges.flatMap(e => e.split('->')).filter(u => u !== s.unit);
    drawing.mark('node', ends.flatMap(u => [`v0_${u}`, `v1_${u}`]), 'near');
    drawing.mark('edge', arrows(s.edges));
  }

  function show(i) {
    if (view.steps.length === 0) return;
    step = Math.max(0, Math.min(view.steps.length - 1, i));
    const s = view.steps[step];
    index.textContent = `step ${step + 1} of ${view.steps.length}: d${o}/d${s.name}`;
    line.textContent = s.line;
    line.dataset.unit = s.unit;
    line.dataset.value = s.value;
    const terms = s.contributions;
    sum.textContent = terms.length > 1
      ? [`${terms.length} units above meet at ${s.name}; their terms add:`,
        ...terms.map((c, k) => `${k === 0 ? '  ' : '+ '}${c.upstream} × ${c.local} = ${num(c.upstream_value)} × ${num(c.local_value)} = ${num(c.value)}`),
        `= ${num(s.value)}`].join('\n')
      : '';
    for (const [k, li] of [...list.children].entries()) li.classList.toggle('current', k === step);
    list.children[step].scrollIntoView({ block: 'nearest' });
    all();
  }

  if (view.paths) {
    const terms = el('ol', { class: 'terms', id: 'path-terms' }, view.paths.map(p => el('li', {
      'data-value': p.product, onmouseenter: () => { drawing.clear(); markPath(p, 'hl'); }, onmouseleave: all,
    },
    el('div', {}, p.factors.map(f => f.symbol).filter(s => s !== '1').join(' ')),
    el('div', {}, `${p.factors.map(f => num(f.value)).join(' × ')} = `, el('b', { class: 'term' }, num(p.product))))));
    panel.append(el('h3', {}, `${d}: ${view.paths.length === 1 ? '1 path' : `${view.paths.length} paths`} from ${view.wrt} up to ${view.output}`),
      terms, el('p', { class: 'mono', id: 'symbolic' }, `${d} = ${view.symbolic}`));
  } else {
    panel.append(el('h3', {}, `${d}: ${num(view.path_count)} paths`), el('p', {}, 'Too many to list; backprop adds them up layer by layer.'));
  }
  panel.append(el('table', { class: 'check' }, el('tbody', {},
    view.paths ? el('tr', {}, el('th', {}, 'sum over paths'), el('td', { id: 'path-sum', 'data-value': view.value }, `${view.paths.map(p => num(p.product)).join(' + ')} = ${num(view.value)}`)) : null,
    el('tr', {}, el('th', {}, 'backprop (dense engine)'), el('td', { id: 'backprop', 'data-value': view.backprop }, num(view.backprop))),
    el('tr', {}, el('th', {}, 'central finite difference'), el('td', { id: 'fd', 'data-value': view.finite_difference }, num(view.finite_difference))))));
  all();

  // Inputs (forward view) and weights (forward arrows between units) pick what is differentiated.
  for (const [title, g] of drawing.nodes) {
    const m = /^v0_l0u(\d+)$/.exec(title);
    if (m) { g.classList.add('pick'); g.addEventListener('click', () => set('wrt', `x${Number(m[1]) + 1}`)); }
  }
  for (const [title, g] of drawing.edges) {
    const m = /^v0_l(\d+)u(\d+)->v0_l(\d+)u(\d+)$/.exec(title);
    if (!m) continue;
    const [j, k, layer] = [Number(m[4]) + 1, Number(m[2]) + 1, Number(m[3])];
    const weight = j < 10 && k < 10 ? `w${j}${k}[${layer}]` : `w${j},${k}[${layer}]`;
    g.classList.add('pick');
    g.addEventListener('click', () => set('wrt', weight));
  }

  keys = e => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (e.key === 'ArrowRight' || e.key === 'n') { show(step + 1); e.preventDefault(); }
    if (e.key === 'ArrowLeft' || e.key === 'p') { show(step - 1); e.preventDefault(); }
  };

  await renderDepth(params);
  main.dataset.ready = 'network';
}

// ---- the depth slider ----------------------------------------------------------------------------------------------

async function renderDepth(params) {
  const section = el('section', { id: 'depth' });
  main.append(section);
  let w = Number(params.get('w') ?? 0.9);
  let depth = Number(params.get('depth') ?? 10);
  const wInput = el('input', { type: 'range', id: 'chain-w', min: -2, max: 2, step: 0.05, value: w });
  const dInput = el('input', { type: 'range', id: 'chain-depth', min: 1, max: 60, step: 1, value: depth });
  const summary = el('p', { class: 'mono', id: 'chain-summary' });
  const factors = el('p', { class: 'mono meta', id: 'chain-factors' });
  const chart = el('div', { class: 'depth-chart', id: 'chain-chart' });
  section.append(el('h2', {}, 'Depth: the product of weights along a path'),
    el('p', { class: 'caption' }, 'A chain of L identical one-unit linear layers, each with weight w: its one path from ŷ down to x1 multiplies L weights, ',
      'so dŷ/dx1 = w^L. Below |w| = 1 the product shrinks geometrically with depth (vanishing gradients), above it grows (exploding); ',
      'a deep network multiplies such factors along every path.'),
    el('div', { class: 'explain-controls' }, el('label', {}, 'w ', wInput, el('span', { id: 'chain-w-value' })),
      el('label', {}, 'depth L ', dInput, el('span', { id: 'chain-depth-value' }))),
    summary, factors, chart);

  let pending = null;
  async function update() {
    const view = await call('api/explain/chain?' + new URLSearchParams({ w, depth }));
    document.getElementById('chain-w-value').textContent = ` ${num(w)}`;
    document.getElementById('chain-depth-value').textContent = ` ${depth}`;
    const regime = { vanishing: '|w| < 1: vanishing', exploding: '|w| > 1: exploding', critical: '|w| = 1: the boundary, neither' }[view.regime];
    summary.textContent = `dŷ/dx1 = w^L = ${num(w)}^${depth} = ${num(view.product)}   (backprop: ${num(view.backprop)}; ${regime})`;
    summary.dataset.value = view.product;
    factors.textContent = `path: ${view.symbolic}`;
    const ys = view.depths.map(x => Math.abs(x.product));
    const floor = 1e-30;
    await Plotly.react(chart, [
      { x: view.depths.map(x => x.depth), y: ys.map(y => Math.max(y, floor)), mode: 'lines', name: `|w|^L, w = ${num(w)}`, line: { color: '#0b5cad' } },
      { x: [depth], y: [Math.max(Math.abs(view.product), floor)], mode: 'markers', name: `L = ${depth}`, marker: { size: 11, color: '#cf222e' } },
      { x: [1, 60], y: [1, 1], mode: 'lines', name: '|w| = 1: boundary', line: { color: '#57606a', dash: 'dash' } },
    ], {
      margin: { t: 30, r: 20, b: 45, l: 70 }, yaxis: { type: 'log', title: { text: '|product of weights|' }, exponentformat: 'power' },
      xaxis: { title: { text: 'depth L (layers on the path)' }, range: [0, 61] }, legend: { orientation: 'h', y: 1.12 },
      // On a log axis an annotation's y is log10 of the value: just below and above the boundary at 1.
      annotations: [{ x: 59, y: -0.1, text: 'vanishing below', showarrow: false, font: { color: '#2166ac' }, xanchor: 'right', yanchor: 'top' },
        { x: 59, y: 0.1, text: 'exploding above', showarrow: false, font: { color: '#b2182b' }, xanchor: 'right', yanchor: 'bottom' }],
    }, { responsive: true, displaylogo: false });
    chart.dataset.ready = `${w} ${depth}`;
  }
  const schedule = () => {
    w = Number(wInput.value);
    depth = Number(dInput.value);
    pending = (pending ?? Promise.resolve()).then(update);
  };
  wInput.addEventListener('input', schedule);
  dInput.addEventListener('input', schedule);
  await update();
}

// ---- routing -------------------------------------------------------------------------------------------------------

let keys = null;
window.addEventListener('keydown', e => keys?.(e));

async function render() {
  const route = parseRoute();
  keys = null;
  main.dataset.ready = '';
  try {
    if (route.view === 'formula') await renderFormula(route.params);
    else await renderNetwork(route.name, route.params);
  } catch (e) {
    main.append(el('p', { class: 'bad', id: 'error' }, e.message));
    main.dataset.ready = 'error';
  }
}

window.addEventListener('hashchange', () => { window.scrollTo(0, 0); render(); });
render();
