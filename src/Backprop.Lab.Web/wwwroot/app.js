// The lab's pages: the list of served sweeps, the sweep view and the trial view, drawn from the server's JSON
// (or, in an exported report, from the data inlined in the page). Every number comes from the server's analysis;
// this module only lays it out with plotly.js. Data is put into the page as text (textContent), never as HTML.
/* global Plotly */

// plotly.js and the classic page scripts load deferred while this module runs as soon as it arrives (async), so the
// sweep's JSON is fetched while plotly.js is still loading and compiling; drawing waits for both. Deferred scripts
// have run by DOMContentLoaded.
const libs = window.Plotly && window.LabHist && window.LabCompare && window.LabArch && window.LabClaims
  ? Promise.resolve()
  : new Promise(resolve => document.addEventListener('DOMContentLoaded', resolve, { once: true }));

const inline = document.getElementById('lab-data');
const embedded = inline ? JSON.parse(inline.textContent) : null;
const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const live = document.getElementById('live');

// Blue where gradients vanish towards the input, white at ratio 1, red where they explode (ColorBrewer RdBu, as the PNG report).
const DIVERGING = [[0, '#2166ac'], [0.25, '#67a9cf'], [0.5, '#f7f7f7'], [0.75, '#ef8a62'], [1, '#b2182b']];
/** The width a heatmap cell wants for its text: up to 7 characters (3.9e-10) of about 0.6 em at 10 px. */
const CELL_PX = 44;
const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

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

/** Text for plotly, which reads a few HTML-like tags in titles and hover labels: user text is escaped for it. */
function pl(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v, digits = 3) {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString();
}

function hashFor(view, ...parts) {
  return '#/' + [view, ...parts.map(encodeURIComponent)].join('/');
}

function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(p => p.length > 0).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (embedded && parts.length === 0) return { view: 'sweep', id: embedded.sweep.id, params };
  if (parts[0] === 'sweep' && parts.length >= 2) return { view: 'sweep', id: parts[1], params };
  if (parts[0] === 'trial' && parts.length >= 3) return { view: 'trial', id: parts[1], key: parts[2], params };
  if (parts[0] === 'compare' && parts.length >= 3 && !embedded) return { view: 'compare', id: parts[1], other: parts[2], params };
  return { view: 'list', params };
}

// ---- data ----------------------------------------------------------------------------------------------------------

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return response.json();
}

const api = {
  sweeps: () => embedded ? Promise.resolve([embedded.summary]) : getJson('api/sweeps'),
  sweep: (id, params) => {
    if (embedded) return Promise.resolve(embedded.sweep);
    const q = params.toString();
    return getJson(`api/sweeps/${encodeURIComponent(id)}${q ? '?' + q : ''}`);
  },
  trial: (id, key) => embedded
    ? Promise.resolve(embedded.details?.[key]
      ? { sweep: id, sweep_name: embedded.sweep.name, axes: {}, trial: embedded.details[key], jacobian: embedded.jacobians?.[key] ?? null }
      : null)
    : getJson(`api/sweeps/${encodeURIComponent(id)}/trials/${encodeURIComponent(key)}`),
};

// ---- routing and live updates --------------------------------------------------------------------------------------

let route = parseRoute();
let rendering = null;
let again = false;

/** Draws the current route; a change arriving while drawing draws once more afterwards, with the newest data. */
async function render() {
  if (rendering) { again = true; return rendering; }
  rendering = (async () => {
    do {
      again = false;
      try {
        if (route.view === 'sweep') await renderSweep(route.id, route.params); // waits for plotly.js after its fetch
        else {
          await libs;
          if (route.view === 'trial') await renderTrial(route.id, route.key);
          else if (route.view === 'compare') await window.LabCompare.render(route.id, route.other, lab);
          else await renderList();
        }
      } catch (e) {
        main.replaceChildren(el('p', { class: 'bad', id: 'error' }, `Could not load: ${e.message}`));
      }
    } while (again);
  })();
  try { await rendering; } finally { rendering = null; }
}

let shown = null; // the route's key drawn last, so a live update redraws in place instead of starting over

window.addEventListener('hashchange', () => { route = parseRoute(); shown = null; window.scrollTo(0, 0); render(); });

if (!embedded && window.EventSource) {
  const events = new EventSource('api/events');
  events.addEventListener('hello', () => { live.textContent = 'live'; live.classList.add('on'); });
  events.addEventListener('change', e => {
    const change = JSON.parse(e.data);
    if (route.view === 'list' || (['sweep', 'compare'].includes(route.view) && [route.id, route.other, null].includes(change.id))) render();
  });
  events.onerror = () => { live.textContent = 'reconnecting'; live.classList.remove('on'); };
}

// ---- the list of sweeps --------------------------------------------------------------------------------------------

async function renderList() {
  const sweeps = await api.sweeps();
  crumbs.replaceChildren();
  document.title = 'Backprop.Lab: sweeps';
  // A reproduction's folder says how many of its paper's claims pass (lab reproduce); the column shows when any does.
  const claims = sweeps.some(s => s.claims);
  const rows = sweeps.map(s => el('tr', { 'data-sweep': s.id },
    el('td', {}, el('a', { href: hashFor('sweep', s.id), class: 'sweep-link' }, s.name)),
    el('td', { class: 'num sweep-trials' }, s.trials),
    el('td', {}, s.counts),
    claims ? el('td', { class: 'sweep-claims' }, s.claims ?? '') : null));
  main.replaceChildren(
    el('h1', {}, 'Sweeps'),
    sweeps.length === 0
      ? el('p', { class: 'meta', id: 'no-sweeps' }, 'No results folder yet. Run lab sweep; its folder appears here as soon as it starts.')
      : el('table', { id: 'sweeps' }, el('thead', {}, el('tr', {}, el('th', {}, 'results folder'), el('th', {}, 'trials'), el('th', {}, 'outcomes'),
        claims ? el('th', {}, 'claims') : null)), el('tbody', {}, rows)));
  if (!embedded) window.LabCompare.decorateList(document.getElementById('sweeps'), lab);
  shown = 'list';
  main.dataset.ready = 'list';
}

// ---- the sweep view ------------------------------------------------------------------------------------------------

async function renderSweep(id, params) {
  const view = await api.sweep(id, params);
  await libs;
  const key = `sweep\n${id}\n${params}`;
  const fresh = shown !== key;
  document.title = `Gradient flow: ${view.name}`;
  crumbs.replaceChildren(el('span', {}, '› '), el('a', { href: hashFor('sweep', id) }, view.name));
  if (fresh) {
    main.replaceChildren(
      el('h1', {}, 'Gradient flow: ', el('span', { id: 'sweep-name' }, view.name)),
      el('p', { class: 'meta' }, el('span', { id: 'trial-count' }, view.trials.length), ' trials shown',
        el('span', { id: 'trial-total' }), '. ', el('span', { id: 'counts' })),
      el('section', { id: 'claims' }),
      el('div', { id: 'filters' }),
      el('h2', {}, 'Where gradients vanish and explode'),
      el('ul', { class: 'findings', id: 'findings' }),
      el('div', { class: 'hover-row' },
        el('div', { class: 'detail', id: 'cell-detail' }, 'Hover over a cell for its trials and numbers; click to open a trial.'),
        el('div', { class: 'cell-hist', id: 'cell-hist' }, 'Hover over a cell: its first trial\'s weight-gradient histograms at initialisation, first against last hidden layer.')),
      el('div', { id: 'groups' }),
      el('section', { id: 'architectures' }),
      el('h2', {}, 'Measured against predicted χ₁'),
      el('p', { class: 'caption' }, 'Each point is a trial; on the dashed diagonal, measurement and mean-field theory agree. χ₁ < 1: gradients vanish towards the input; χ₁ > 1: they explode. Left: theory for the same layers (following q^l from the data); right: χ₁ at the fixed point q*, which deep layers approach.'),
      el('div', { class: 'panels' }, el('div', { class: 'chart', id: 'chi1-layers' }), el('div', { class: 'chart', id: 'chi1-star' })),
      el('h2', {}, 'Training curves'),
      el('p', { class: 'caption' }, 'Every trial shown (one colour per activation). ✕ marks the step where a trial diverged (loss or gradient NaN or infinite, or the loss past 1e6 times its initial value), at its last finite value. Click a line to open its trial.'),
      el('div', { class: 'panels' }, el('div', { class: 'chart tall', id: 'training-loss' }), el('div', { class: 'chart tall', id: 'training-first' })),
      el('div', { id: 'skipped' }),
      el('div', { id: 'sweep-file' }));
  }
  document.getElementById('trial-count').textContent = view.trials.length;
  document.getElementById('trial-total').textContent = view.trials.length === view.trials_total ? '' : ` of ${view.trials_total}`;
  document.getElementById('counts').textContent = view.counts;
  window.LabClaims.renderSection(document.getElementById('claims'), view, lab);
  if (view.claims) await nextTask();
  renderFilters(document.getElementById('filters'), view, id, params);
  document.getElementById('findings').replaceChildren(...view.groups.map(g => el('li', {}, g.finding)));
  await renderGroups(document.getElementById('groups'), view, id);
  await nextTask();
  window.LabArch.renderSection(document.getElementById('architectures'), view, id, lab);
  if (view.architectures) await nextTask();
  renderChi1(view, id);
  await nextTask();
  renderTraining(view, id);
  renderSkipped(view);
  shown = key;
  main.dataset.ready = 'sweep';
  main.dataset.version = view.version;
}

function renderFilters(box, view, id, params) {
  if (embedded) {
    box.replaceChildren(el('p', { class: 'meta' }, 'This exported page shows every trial. Filters by swept axis recompute the analysis on the server: open the folder with lab serve.'));
    return;
  }
  if (view.axes.length === 0) { box.replaceChildren(); return; }
  const form = el('form', { class: 'filters', id: 'filter-form' },
    view.axes.map(axis => {
      const values = axis.values.slice(0, 60), labels = valueLabels(values);
      return el('fieldset', { 'data-axis': axis.name }, el('legend', {}, axis.name),
        values.map((v, k) => el('label', {}, el('input', {
          type: 'checkbox', name: axis.name, value: v,
          checked: (params.getAll(axis.name).length === 0 || params.getAll(axis.name).includes(v)),
          onchange: () => applyFilters(form, view, id),
        }), ' ', labels[k])));
    }));
  box.replaceChildren(form);
}

/**
 * How a swept axis's values read in the filters: numbers at 6 significant digits (more if two would read the same),
 * so a grid's 0.8888888888888888 reads 0.888889; integers and words as they are. The checkboxes keep the exact values.
 */
function valueLabels(values) {
  const numbers = values.map(Number);
  if (values.some((v, k) => v.trim() === '' || !Number.isFinite(numbers[k]))) return values;
  for (let digits = 6; digits < 17; digits++) {
    const labels = numbers.map(n => Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(digits))));
    if (new Set(labels).size === new Set(values).size) return labels;
  }
  return values;
}

function applyFilters(form, view, id) {
  const q = new URLSearchParams();
  for (const axis of view.axes) {
    const boxes = [...form.querySelectorAll('input')].filter(i => i.name === axis.name);
    const on = boxes.filter(b => b.checked).map(b => b.value);
    if (on.length > 0 && on.length < boxes.length) on.forEach(v => q.append(axis.name, v));
  }
  const s = q.toString();
  location.hash = hashFor('sweep', id) + (s ? '?' + s : '');
}

function groupSlot(container, index) {
  const id = `group-${index}`;
  let slot = document.getElementById(id);
  if (!slot) {
    slot = el('section', { id, class: 'group' },
      el('h2', { class: 'group-title' }),
      el('p', { class: 'caption phase-caption' }),
      el('div', { class: 'panels phase-panels' }),
      el('h3', {}, 'Trainability'),
      el('p', { class: 'caption train-caption' }),
      el('div', { class: 'panels' }, el('div', { class: 'chart trainability', id: `train-${index}` })),
      el('h3', {}, 'Per-layer profile at initialisation'),
      el('p', { class: 'caption profile-caption' }),
      el('div', { class: 'panels' }, el('div', { class: 'chart', id: `profile-w-${index}` }), el('div', { class: 'chart', id: `profile-e-${index}` })));
    container.append(slot);
  }
  return slot;
}

/**
 * Plotly.react, skipped when the chart would get the same traces and layout again: a live update redraws only the
 * charts the new trials changed (Plotly.react recomputes a chart whose arrays are new, even when equal).
 */
function plot(div, traces, layout) {
  const signature = JSON.stringify([traces, layout]);
  if (div._drawn === signature) return;
  div._drawn = signature;
  Plotly.react(div, traces, layout, PLOT_CONFIG);
}

/** Lets the browser handle input and paint between charts, so a large sweep's page answers while it is drawn. */
function nextTask() {
  return new Promise(resolve => setTimeout(resolve, 0));
}

async function renderGroups(container, view, id) {
  const R = view.phase_range;
  const rows = new Map(view.trials.map(t => [t.key, t]));
  for (const [i, g] of view.groups.entries()) {
    if (i > 0) await nextTask();
    const slot = groupSlot(container, i);
    slot.dataset.group = g.name;
    slot.querySelector('.group-title').textContent = `Phase diagram: ${g.name}`;
    slot.querySelector('.phase-caption').textContent =
      `Colour: log₁₀ of the first/last-layer ratio on one fixed scale for every panel of this sweep, from −${R} (ratio 1e-${R}, blue: vanishing towards the input) through 0 (ratio 1, white) to +${R} (1e+${R}, red: exploding); `
      + 'each cell shows the ratio itself, the mean over its seeds. Dashed: mean-field critical line χ₁(q*) = 1; solid: trainable depth 6ξ_c. '
      + 'The weight-gradient panel is offset by the forward signal (with σ_b = 0 it stays near 1 even where δ vanishes).' + g.averaging_note;
    // Every panel's div is in the grid before any is drawn: a chart is laid out at its div's width when drawn, and a
    // lone first div would span the whole row.
    const panels = slot.querySelector('.phase-panels');
    // As many panels a row as leave each cell room for its text (CELL_PX), never wider than the row.
    panels.style.gridTemplateColumns = `repeat(auto-fit, minmax(min(100%, ${Math.max(380, 170 + CELL_PX * g.x.values.length)}px), 1fr))`;
    const divs = g.panels.map(p => document.getElementById(`phase-${i}-${p.id}`)
      ?? panels.appendChild(el('div', { class: 'chart phase', id: `phase-${i}-${p.id}`, 'data-panel': p.id })));
    g.panels.forEach((p, j) => drawPhase(divs[j], g, p, R, rows, id));
    slot.querySelector('.train-caption').textContent =
      `Colour: ${g.trainability.step_text}${view.loss_log ? ' (log₁₀)' : ''}, mean over the seeds that trained, lower is better, on one scale for every group of this sweep: `
      + `${fmt(view.loss_log ? 10 ** view.loss_range[0] : view.loss_range[0])} to ${fmt(view.loss_log ? 10 ** view.loss_range[1] : view.loss_range[1])}. "div": a seed diverged; "failed": a seed failed.`;
    drawTrainability(document.getElementById(`train-${i}`), g, view, rows, id);
    slot.querySelector('.profile-caption').textContent = g.profile
      ? `Depth L = ${g.profile.depth}, one line per σ_w² (mean over seeds of log₁₀; band: smallest to largest seed). Right: the back-propagated error relative to layer L, with mean-field theory χ₁^((L−l)/2) dashed in the same colour.`
      : 'No trial has a per-layer profile.';
    if (g.profile) drawProfiles(i, g);
  }
  for (let i = view.groups.length; document.getElementById(`group-${i}`); i++) document.getElementById(`group-${i}`).remove();
}

function axisLayout(placement, title) {
  const a = { title: { text: title }, range: [placement.range_min, placement.range_max], zeroline: false, showgrid: false };
  if (!placement.linear) { a.tickvals = placement.positions; a.ticktext = placement.values.map(v => fmt(v)); }
  return a;
}

function theoryTraces(g) {
  const traces = [];
  const line = (points, name, showlegend) => ({
    type: 'scatter', mode: 'lines', x: points.map(p => p[0]), y: points.map(p => p[1]), name, showlegend,
    line: { color: 'black', width: 2.5 }, hoverinfo: 'skip',
  });
  if (g.theory.six_xi_ordered.length > 1) traces.push(line(g.theory.six_xi_ordered, 'trainable depth 6ξ_c', true));
  if (g.theory.six_xi_chaotic.length > 1) traces.push(line(g.theory.six_xi_chaotic, 'trainable depth 6ξ_c', g.theory.six_xi_ordered.length <= 1));
  if (g.theory.critical_x !== null && g.theory.critical_x >= g.x.range_min && g.theory.critical_x <= g.x.range_max) {
    traces.push({ type: 'scatter', mode: 'lines', x: [g.theory.critical_x, g.theory.critical_x], y: [g.y.range_min, g.y.range_max],
      name: `critical σ_w² = ${fmt(g.theory.critical_sw2)}`, line: { color: 'black', width: 2, dash: 'dash' }, hoverinfo: 'skip' });
  }
  return traces;
}

/**
 * Cell text for a heatmap drawn in div: the plot area is the div less its margins and colour bar (about 170 px). The
 * size follows the width of a cell, 8 to 14 px; below 8 px the text is left out (hover and the colour still give
 * each cell's numbers) rather than drawn over its neighbours.
 */
function cellText(div, columns) {
  const size = Math.min(14, Math.floor(((div.clientWidth || 600) - 170) / columns / 4.5));
  return size >= 8 ? { texttemplate: '%{text}', textfont: { size } } : { texttemplate: '', textfont: { size: 8 } };
}

function heatLayout(g, title, div) {
  return {
    title: { text: pl(title), font: { size: 14 } },
    xaxis: axisLayout(g.x, 'σ_w² (weight variance)'),
    yaxis: axisLayout(g.y, 'depth L (hidden layers)'),
    margin: { l: 60, r: 20, t: 40, b: 50 },
    legend: { orientation: 'h', y: -0.22 },
    height: Math.max(340, Math.min(640, 140 + 36 * g.y.values.length)),
    hoverlabel: { align: 'left' },
  };
}

function cellTrials(g, r, c, rows) {
  return (g.cells[r][c] || []).map(k => rows.get(k)).filter(Boolean);
}

function drawPhase(div, g, panel, R, rows, id) {
  const text = panel.log10.map(row => row.map(v => v === null ? '' : (10 ** v).toExponential(1)));
  const custom = panel.log10.map((row, r) => row.map((v, c) => {
    const trials = cellTrials(g, r, c, rows);
    return [fmt(g.x.values[c]), g.y.values[r], panel.counts[r][c], trials.map(t => `${t.key} (seed ${t.seed}): ${fmt(ratioOf(t, panel.id))}`).slice(0, 8).join('<br>') || 'no trial'];
  }));
  const trace = {
    type: 'heatmap', x: g.x.positions, y: g.y.positions, z: panel.log10, zmin: -R, zmax: R, zmid: 0, colorscale: DIVERGING,
    text, ...cellText(div, g.x.values.length),
    customdata: custom, xgap: 1, ygap: 1, hoverongaps: true,
    hovertemplate: 'σ_w² = %{customdata[0]}, L = %{customdata[1]}<br>ratio %{text} (mean of %{customdata[2]} seeds)<br>%{customdata[3]}<extra></extra>',
    colorbar: { title: { text: `log₁₀ ratio<br>fixed ±${R}`, side: 'right' }, thickness: 14 },
  };
  plot(div, [trace, ...theoryTraces(g)], heatLayout(g, `${g.name}: ${panel.title}`, div));
  bindCells(div, g, rows, id, (r, c) => [`${panel.title}: ${text[r][c] || 'no value'} (log₁₀ ${fmt(panel.log10[r][c])}, mean of ${panel.counts[r][c]} seeds)`, t => `ratio ${fmt(ratioOf(t, panel.id))}`]);
}

function ratioOf(t, panel) {
  return panel === 'delta_init' ? t.delta_ratio_init : panel === 'delta_final' ? t.delta_ratio_final : t.first_last_ratio_init;
}

function drawTrainability(div, g, view, rows, id) {
  const tr = g.trainability;
  const value = v => v === null ? null : (tr.log ? 10 ** v : v);
  const text = tr.values.map((row, r) => row.map((v, c) => tr.marks[r][c] ? (v === null ? tr.marks[r][c] : `${fmt(value(v))} ${tr.marks[r][c]}`) : (v === null ? '' : fmt(value(v)))));
  const custom = tr.values.map((row, r) => row.map((v, c) => [fmt(g.x.values[c]), g.y.values[r],
    cellTrials(g, r, c, rows).map(t => `${t.key} (seed ${t.seed}): ${t.outcome}, loss ${fmt(t.final_loss)}${t.diverged_at_step !== null ? ` (diverged at step ${t.diverged_at_step})` : ''}`).slice(0, 8).join('<br>') || 'no trial']));
  const trace = {
    type: 'heatmap', x: g.x.positions, y: g.y.positions, z: tr.values, zmin: view.loss_range[0], zmax: view.loss_range[1], colorscale: 'Viridis',
    text, ...cellText(div, g.x.values.length), customdata: custom, xgap: 1, ygap: 1, hoverongaps: true,
    hovertemplate: 'σ_w² = %{customdata[0]}, L = %{customdata[1]}<br>loss %{text}<br>%{customdata[2]}<extra></extra>',
    colorbar: { title: { text: view.loss_log ? 'log₁₀ loss<br>fixed scale' : 'loss<br>fixed scale', side: 'right' }, thickness: 14 },
  };
  plot(div, [trace, ...theoryTraces(g)], heatLayout(g, `${g.name}: ${tr.step_text}`, div));
  bindCells(div, g, rows, id, (r, c) => [`${tr.step_text}: ${text[r][c] || 'no value'}`, t => `${t.outcome}, loss ${fmt(t.final_loss)}${t.diverged_at_step !== null ? `, diverged at step ${t.diverged_at_step}` : ''}`]);
}

/** Hover shows a cell's trials and numbers in the detail box; click opens the trial (the first of the cell). */
function bindCells(div, g, rows, id, describe) {
  if (div.dataset.bound) { div._describe = describe; div._g = g; div._rows = rows; return; }
  div.dataset.bound = '1';
  div._describe = describe; div._g = g; div._rows = rows;
  const at = point => {
    if (point.data.type !== 'heatmap') return null;
    const c = div._g.x.positions.indexOf(point.x), r = div._g.y.positions.indexOf(point.y);
    return r < 0 || c < 0 ? null : { r, c, trials: cellTrials(div._g, r, c, div._rows) };
  };
  div.on('plotly_hover', e => {
    const cell = e.points.length ? at(e.points[0]) : null;
    if (!cell) return;
    const [headline, perTrial] = div._describe(cell.r, cell.c);
    document.getElementById('cell-detail').replaceChildren(
      el('div', {}, el('b', {}, `${div._g.name}, σ_w² = ${fmt(div._g.x.values[cell.c])}, L = ${div._g.y.values[cell.r]}`), ' — ', headline),
      el('ul', { class: 'cell-trials' }, cell.trials.map(t => el('li', { 'data-key': t.key },
        el('a', { href: hashFor('trial', id, t.key) }, t.key), ` seed ${t.seed}: `, perTrial(t),
        `; |δ₁|/|δ_L| at init ${fmt(t.delta_ratio_init)}, χ₁ measured ${fmt(t.chi1_measured)}, predicted ${fmt(t.chi1_layers)}`))));
    const hist = document.getElementById('cell-hist');
    if (hist && cell.trials.length > 0) window.LabHist.cellHover(hist, cell.trials[0].key, () => api.trial(id, cell.trials[0].key)).catch(() => {});
  });
  div.on('plotly_click', e => {
    const cell = e.points.length ? at(e.points[0]) : null;
    if (cell && cell.trials.length > 0) location.hash = hashFor('trial', id, cell.trials[0].key);
  });
}

function drawProfiles(i, g) {
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const weights = [], errors = [];
  g.profile.lines.forEach((line, k) => {
    const color = colors[k % colors.length];
    const name = `σ_w² = ${fmt(line.sw2)}`;
    for (const [traces, band, showlegend] of [[weights, line.weights, true], [errors, line.errors, true]]) {
      // The band from the smallest to the largest seed as one closed outline (one trace, not two: plotly's cost is per trace).
      traces.push({ type: 'scatter', mode: 'lines', x: [...band.layer, ...[...band.layer].reverse()], y: [...band.max, ...[...band.min].reverse()].map(v => 10 ** v),
        fill: 'toself', fillcolor: color + '33', line: { width: 0, color }, showlegend: false, hoverinfo: 'skip', legendgroup: name });
      traces.push({ type: 'scatter', mode: 'lines+markers', x: band.layer, y: band.mean.map(v => 10 ** v), name, legendgroup: name, showlegend, line: { color, width: 2.5 },
        hovertemplate: `${pl(name)}, layer %{x}: %{y:.3g}<extra></extra>` });
    }
    if (line.theory_log10) {
      errors.push({ type: 'scatter', mode: 'lines', x: line.theory_log10.map((_, l) => l + 1), y: line.theory_log10.map(v => 10 ** v), name: `theory, ${name}`,
        legendgroup: name, showlegend: false, line: { color, width: 2, dash: 'dash' }, hovertemplate: `theory ${pl(name)}, layer %{x}: %{y:.3g}<extra></extra>` });
    }
  });
  const layout = (title, y) => ({ title: { text: pl(title), font: { size: 14 } }, xaxis: { title: { text: 'layer l (1 = first hidden layer)' } },
    yaxis: { title: { text: y }, type: 'log', exponentformat: 'power' }, margin: { l: 70, r: 20, t: 40, b: 50 }, legend: { font: { size: 11 } }, height: 400 });
  plot(document.getElementById(`profile-w-${i}`), weights, layout(`${g.name}, L = ${g.profile.depth}: weight gradient ‖∂J/∂W_l‖`, '‖∂J/∂W_l‖'));
  plot(document.getElementById(`profile-e-${i}`), errors, layout(`${g.name}, L = ${g.profile.depth}: back-propagated error (dashed: theory)`, '√E‖δ_l‖² / √E‖δ_L‖²'));
}

function byActivation(trials) {
  const groups = new Map();
  for (const t of trials) {
    if (!groups.has(t.activation)) groups.set(t.activation, []);
    groups.get(t.activation).push(t);
  }
  return [...groups.entries()].sort((a, b) => a[0] < b[0] ? -1 : 1);
}

function renderChi1(view, id) {
  const draw = (divId, field, xTitle) => {
    const traces = [];
    let lo = Infinity, hi = -Infinity;
    for (const [activation, trials] of byActivation(view.trials)) {
      const points = trials.filter(t => t.chi1_measured > 0 && t[field] > 0);
      if (points.length === 0) continue;
      for (const t of points) { lo = Math.min(lo, t.chi1_measured, t[field]); hi = Math.max(hi, t.chi1_measured, t[field]); }
      traces.push({ type: 'scatter', mode: 'markers', name: activation, x: points.map(t => t[field]), y: points.map(t => t.chi1_measured),
        customdata: points.map(t => [t.key, t.depth, fmt(t.sigma_w2)]), marker: { size: 8, opacity: 0.8 },
        hovertemplate: '%{customdata[0]}: L = %{customdata[1]}, σ_w² = %{customdata[2]}<br>predicted %{x:.4g}, measured %{y:.4g}<extra></extra>' });
    }
    if (traces.length > 0) {
      traces.push({ type: 'scatter', mode: 'lines', name: 'identity (theory = measurement)', x: [lo / 1.1, hi * 1.1], y: [lo / 1.1, hi * 1.1], line: { color: 'black', dash: 'dash' }, hoverinfo: 'skip' });
    }
    const div = document.getElementById(divId);
    plot(div, traces, { xaxis: { title: { text: xTitle }, type: 'log' }, yaxis: { title: { text: 'measured χ₁' }, type: 'log' },
      margin: { l: 60, r: 20, t: 20, b: 50 }, height: 380, legend: { font: { size: 11 } } });
    if (!div.dataset.bound) {
      div.dataset.bound = '1';
      div.on('plotly_click', e => { const k = e.points[0]?.customdata?.[0]; if (k) location.hash = hashFor('trial', id, k); });
    }
  };
  draw('chi1-layers', 'chi1_layers', 'predicted χ₁ (q^l trajectory, same layers)');
  draw('chi1-star', 'chi1_star', 'predicted χ₁(q*)');
}

function renderTraining(view, id) {
  const trained = view.trials.filter(t => t.steps.length >= 2);
  const logLoss = trained.every(t => t.loss.every(v => v === null || v > 0));
  const draw = (divId, values, yTitle, log) => {
    const traces = [];
    const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
    byActivation(trained).forEach(([activation, trials], k) => {
      const x = [], y = [], custom = [];
      const dx = [], dy = [], dcustom = [];
      for (const t of trials) {
        const v = values(t);
        let lastX = null, lastY = null;
        t.steps.forEach((s, j) => {
          const ok = v[j] !== null && (!log || v[j] > 0);
          x.push(s); y.push(ok ? v[j] : null); custom.push(t.key);
          if (ok) { lastX = s; lastY = v[j]; }
        });
        x.push(null); y.push(null); custom.push(null);
        if (t.outcome === 'diverged' && lastX !== null) {
          dx.push(t.diverged_at_step ?? lastX); dy.push(lastY); dcustom.push([t.key, t.diverged_at_step, t.depth, fmt(t.sigma_w2)]);
        }
      }
      const color = palette[k % palette.length];
      traces.push({ type: 'scatter', mode: 'lines', name: activation, x, y, customdata: custom, line: { color, width: 1.2 }, opacity: 0.75,
        hovertemplate: '%{customdata}: step %{x}, %{y:.4g}<extra></extra>', connectgaps: false });
      if (dx.length > 0) {
        traces.push({ type: 'scatter', mode: 'markers', name: `${activation} diverged`, x: dx, y: dy, customdata: dcustom,
          marker: { symbol: 'x', size: 11, color: '#b2182b', line: { width: 1 } },
          hovertemplate: '%{customdata[0]} diverged at step %{customdata[1]} (L = %{customdata[2]}, σ_w² = %{customdata[3]})<extra></extra>' });
      }
    });
    const div = document.getElementById(divId);
    plot(div, traces, { xaxis: { title: { text: 'step' } }, yaxis: { title: { text: yTitle }, type: log ? 'log' : 'linear', exponentformat: 'power' },
      margin: { l: 70, r: 20, t: 20, b: 50 }, height: 440, hovermode: 'closest', legend: { font: { size: 11 } } });
    if (!div.dataset.bound) {
      div.dataset.bound = '1';
      div.on('plotly_click', e => { const c = e.points[0]?.customdata; const k = Array.isArray(c) ? c[0] : c; if (k) location.hash = hashFor('trial', id, k); });
    }
  };
  draw('training-loss', t => t.loss, logLoss ? 'loss J (log scale)' : 'loss J', logLoss);
  draw('training-first', t => t.grad_first, '‖∂J/∂W₁‖, first hidden layer (log scale)', true);
}

function renderSkipped(view) {
  const box = document.getElementById('skipped');
  box.replaceChildren(...(view.skipped.length === 0 ? [] : [el('h2', {}, 'Not shown'), el('ul', { class: 'skipped' }, view.skipped.map(s => el('li', {}, s)))]));
  const file = document.getElementById('sweep-file');
  file.replaceChildren(...(view.sweep_text ? [el('h2', {}, 'Sweep file'), el('pre', {}, view.sweep_text)] : []));
}

// ---- the trial view ------------------------------------------------------------------------------------------------

async function renderTrial(id, key) {
  const data = await api.trial(id, key);
  const sweepName = data?.sweep_name ?? id;
  crumbs.replaceChildren(el('span', {}, '› '), el('a', { href: hashFor('sweep', id) }, sweepName), el('span', {}, ` › trial ${key}`));
  document.title = `Trial ${key}`;
  if (!data) {
    main.replaceChildren(el('h1', {}, `Trial ${key}`), el('p', { class: 'meta', id: 'no-detail' },
      'This exported page carries each trial\'s summary, not its checkpoints: open the folder with lab serve for the per-layer detail.'));
    main.dataset.ready = 'trial';
    return;
  }
  const t = data.trial;
  const c = t.config;
  const cps = t.checkpoints;
  const depth = c.depth;
  const layerName = l => l === depth + 1 ? 'readout' : String(l);
  const histograms = window.LabHist.trialSection(el, t, layerName);
  const jacobian = window.LabArch.trialSection(el, fmt, t, data.jacobian);
  const config = Object.entries(c).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, typeof v === 'object' ? JSON.stringify(v) : v)));
  const s = t.summary;
  const summary = s ? [
    ['|δ₁|/|δ_L| at initialisation', s.delta_ratio_init], ['|δ₁|/|δ_L| at the last checkpoint', s.delta_ratio_final],
    ['‖∂J/∂W₁‖/‖∂J/∂W_L‖ at initialisation', s.first_last_ratio_init], ['measured χ₁', s.log_slope_measured === null ? null : Math.exp(s.log_slope_measured)],
    ['predicted χ₁ (same layers)', s.log_slope_predicted === null ? null : Math.exp(s.log_slope_predicted)], ['predicted χ₁(q*)', s.chi1_predicted],
  ].map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'num' }, fmt(v, 4)))) : [];
  main.replaceChildren(
    el('h1', {}, 'Trial ', el('span', { id: 'trial-key' }, t.key)),
    el('p', { class: 'meta', id: 'trial-outcome' }, `${t.outcome}${t.diverged_at_step !== null ? ` at step ${t.diverged_at_step}` : ''}; final loss ${fmt(t.final_loss, 4)}; regime at initialisation ${t.regime ?? '—'}; ${fmt(t.seconds)} s`,
      t.error ? el('span', { class: 'bad' }, `; error: ${t.error}`) : null),
    el('div', { class: 'row' }, el('table', { id: 'trial-config' }, el('tbody', {}, config)), el('table', { id: 'trial-summary' }, el('tbody', {}, summary))),
    el('h2', {}, 'Loss'),
    el('div', { class: 'chart', id: 'trial-loss' }),
    el('h2', {}, 'Per-layer weight gradient over training'),
    el('p', { class: 'caption' }, `Colour: log₁₀ ‖∂J/∂W_l‖ at each checkpoint; layer 1 is the first hidden layer${t.checkpoints[0]?.layers.length > depth ? ', "readout" the output layer' : ''}.`),
    el('div', { class: 'chart tall', id: 'trial-grad-map' }),
    el('h2', {}, 'Activations and gradients per layer at a checkpoint'),
    el('div', { class: 'row' }, el('label', { for: 'checkpoint' }, 'checkpoint: '),
      el('input', { type: 'range', id: 'checkpoint', min: 0, max: Math.max(0, cps.length - 1), value: 0, step: 1 }),
      el('span', { id: 'checkpoint-step' })),
    el('div', { class: 'panels' }, el('div', { class: 'chart', id: 'trial-act' }), el('div', { class: 'chart', id: 'trial-grad' })),
    el('table', { id: 'checkpoint-table' }),
    histograms.section,
    jacobian.section,
    el('h2', {}, 'Saturated or dead fraction over training'),
    el('p', { class: 'caption' }, 'tanh: |a| > 0.99; sigmoid: a outside [0.01, 0.99]; relu: a = 0 (dead). Empty for activations without such a notion.'),
    el('div', { class: 'chart', id: 'trial-saturation' }));

  const steps = cps.map(cp => cp.step);
  const logLoss = cps.every(cp => cp.loss === null || cp.loss > 0);
  const lossTraces = [{ type: 'scatter', mode: 'lines+markers', x: steps, y: cps.map(cp => cp.loss), name: 'loss J' }];
  if (t.outcome === 'diverged' && t.diverged_at_step !== null) {
    const last = [...cps].reverse().find(cp => cp.loss !== null);
    if (last) lossTraces.push({ type: 'scatter', mode: 'markers', x: [t.diverged_at_step], y: [last.loss], name: `diverged at step ${t.diverged_at_step}`, marker: { symbol: 'x', size: 14, color: '#b2182b' } });
  }
  Plotly.react('trial-loss', lossTraces, { xaxis: { title: { text: 'step' } }, yaxis: { title: { text: 'loss J' }, type: logLoss ? 'log' : 'linear' }, margin: { l: 70, r: 20, t: 20, b: 50 }, height: 340 }, PLOT_CONFIG);

  const layers = cps.length ? cps[0].layers.map(l => l.layer) : [];
  const matrix = field => layers.map((_, i) => cps.map(cp => cp.layers[i]?.[field] ?? null));
  const log10 = m => m.map(row => row.map(v => v !== null && v > 0 ? Math.log10(v) : null));
  const gradMap = log10(matrix('grad_w_norm'));
  Plotly.react('trial-grad-map', [{ type: 'heatmap', x: steps.map(String), y: layers.map(layerName), z: gradMap, colorscale: 'Viridis', xgap: 1, ygap: 1,
    text: matrix('grad_w_norm').map(row => row.map(v => fmt(v))), hovertemplate: 'layer %{y}, step %{x}: ‖∂J/∂W_l‖ = %{text}<extra></extra>',
    colorbar: { title: { text: 'log₁₀ ‖∂J/∂W_l‖' } } }],
  { xaxis: { title: { text: 'step' }, type: 'category' }, yaxis: { title: { text: 'layer l' }, type: 'category' }, margin: { l: 70, r: 20, t: 20, b: 50 }, height: Math.max(320, 120 + 22 * layers.length) }, PLOT_CONFIG);

  const saturation = matrix('saturated');
  Plotly.react('trial-saturation', [{ type: 'heatmap', x: steps.map(String), y: layers.map(layerName), z: saturation, zmin: 0, zmax: 1, colorscale: 'Reds', xgap: 1, ygap: 1,
    hovertemplate: 'layer %{y}, step %{x}: %{z:.3f}<extra></extra>', colorbar: { title: { text: 'fraction' } } }],
  { xaxis: { title: { text: 'step' }, type: 'category' }, yaxis: { title: { text: 'layer l' }, type: 'category' }, margin: { l: 70, r: 20, t: 20, b: 50 }, height: Math.max(300, 120 + 22 * layers.length) }, PLOT_CONFIG);

  const slider = document.getElementById('checkpoint');
  const showCheckpoint = () => {
    const cp = cps[Number(slider.value)];
    if (!cp) return;
    document.getElementById('checkpoint-step').textContent = `step ${cp.step}, loss ${fmt(cp.loss, 4)}`;
    const names = cp.layers.map(l => layerName(l.layer));
    Plotly.react('trial-act', [
      { type: 'scatter', mode: 'lines+markers', name: 'mean of a_l (± std)', x: names, y: cp.layers.map(l => l.act_mean), error_y: { type: 'data', array: cp.layers.map(l => l.act_std ?? 0), visible: true } },
      { type: 'scatter', mode: 'lines+markers', name: 'saturated / dead fraction', x: names, y: cp.layers.map(l => l.saturated), yaxis: 'y2' },
    ], { title: { text: 'activations', font: { size: 14 } }, xaxis: { title: { text: 'layer l' }, type: 'category' }, yaxis: { title: { text: 'a_l' } },
      yaxis2: { title: { text: 'fraction' }, overlaying: 'y', side: 'right', range: [0, 1] }, margin: { l: 60, r: 60, t: 40, b: 50 }, height: 360, legend: { orientation: 'h', y: -0.25 } }, PLOT_CONFIG);
    Plotly.react('trial-grad', [
      { type: 'scatter', mode: 'lines+markers', name: '‖∂J/∂W_l‖', x: names, y: cp.layers.map(l => l.grad_w_norm) },
      { type: 'scatter', mode: 'lines+markers', name: 'mean |g|', x: names, y: cp.layers.map(l => l.grad_abs_mean) },
      { type: 'scatter', mode: 'lines+markers', name: 'max |g|', x: names, y: cp.layers.map(l => l.grad_abs_max) },
      { type: 'scatter', mode: 'lines+markers', name: 'E‖δ_l‖²', x: names, y: cp.layers.map(l => l.delta_sq) },
    ], { title: { text: 'gradients', font: { size: 14 } }, xaxis: { title: { text: 'layer l' }, type: 'category' }, yaxis: { type: 'log', exponentformat: 'power' },
      margin: { l: 60, r: 20, t: 40, b: 50 }, height: 360, legend: { orientation: 'h', y: -0.25 } }, PLOT_CONFIG);
    const head = ['layer', '‖∂J/∂W_l‖', '‖∂J/∂b_l‖', 'E‖δ_l‖²', 'mean |g|', 'max |g|', 'mean a_l', 'std a_l', 'saturated/dead'];
    document.getElementById('checkpoint-table').replaceChildren(el('thead', {}, el('tr', {}, head.map(h => el('th', {}, h)))),
      el('tbody', {}, cp.layers.map(l => el('tr', {}, el('td', {}, layerName(l.layer)),
        [l.grad_w_norm, l.grad_b_norm, l.delta_sq, l.grad_abs_mean, l.grad_abs_max, l.act_mean, l.act_std, l.saturated].map(v => el('td', { class: 'num' }, fmt(v, 4)))))));
  };
  slider.addEventListener('input', showCheckpoint);
  showCheckpoint();
  histograms.draw();
  jacobian.draw();
  shown = `trial\n${id}\n${key}`;
  main.dataset.ready = 'trial';
}

// What the compare page (compare.js) and the architectures section (arch.js) draw with: the sweep view's charts and helpers.
const lab = { el, fmt, pl, hashFor, getJson, drawPhase, drawTrainability, plot, crumbs, main };

render();
