// Histograms of trials.jsonl (schema 3 and later): at every checkpoint, per layer, the entries of dJ/dW_l (grad_hist), of
// the activations a_l over the batch (act_hist) and (schema 5) of the back-propagated error delta_l over the batch
// (delta_hist) counted by sign and magnitude on fixed bins, the same for every layer, step and trial. Bin 0 of a sign is 0 < |x| < 1e-40, bin k = 1..200 is 10^(-40+(k-1)/4) <= |x| < 10^(-40+k/4), bin 201 is
// finite |x| >= 1e10; zero, nan, neg_inf and pos_inf are counted apart; neg/pos hold the counts from bin neg_from /
// pos_from up to the last non-empty bin, and a count or range that is zero or empty is left out. This script only
// lays the stored counts out with plotly.js (rows from -inf through the negative bins, 0, the positive bins to +inf
// and NaN), nothing is recomputed. Loaded before app.js, which calls it.
/* global Plotly */
window.LabHist = (() => {
  const MIN_DECADE = -40, PER_DECADE = 4, BINS = 202;
  const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

  function binLabel(b) {
    if (b === 0) return '<1e-40';
    if (b === BINS - 1) return '≥1e10';
    return (10 ** (MIN_DECADE + (b - 1) / PER_DECADE)).toExponential(1).replace('e+', 'e');
  }

  /** The rows, bottom to top, that hold any entry of any of the histograms. */
  function rowsOf(hists) {
    let negLo = Infinity, negHi = -1, posLo = Infinity, posHi = -1;
    let zero = false, nan = false, negInf = false, posInf = false;
    for (const h of hists) {
      if (!h) continue;
      if (h.neg) { negLo = Math.min(negLo, h.neg_from ?? 0); negHi = Math.max(negHi, (h.neg_from ?? 0) + h.neg.length - 1); }
      if (h.pos) { posLo = Math.min(posLo, h.pos_from ?? 0); posHi = Math.max(posHi, (h.pos_from ?? 0) + h.pos.length - 1); }
      zero ||= (h.zero ?? 0) > 0; nan ||= (h.nan ?? 0) > 0; negInf ||= (h.neg_inf ?? 0) > 0; posInf ||= (h.pos_inf ?? 0) > 0;
    }
    const rows = [];
    if (negInf) rows.push({ key: 'neg_inf', label: '−∞' });
    for (let b = negHi; b >= negLo; b--) rows.push({ sign: -1, bin: b, label: `−${binLabel(b)}` });
    if (zero) rows.push({ key: 'zero', label: '0' });
    for (let b = posLo; b <= posHi; b++) rows.push({ sign: 1, bin: b, label: `+${binLabel(b)}` });
    if (posInf) rows.push({ key: 'pos_inf', label: '+∞' });
    if (nan) rows.push({ key: 'nan', label: 'NaN' });
    return rows;
  }

  /** The stored count of a row (0 outside the stored range); null for a checkpoint without a histogram. */
  function countOf(h, row) {
    if (!h) return null;
    if (row.key) return h[row.key] ?? 0;
    const counts = row.sign < 0 ? h.neg : h.pos;
    const i = row.bin - ((row.sign < 0 ? h.neg_from : h.pos_from) ?? 0);
    return counts && i >= 0 && i < counts.length ? counts[i] : 0;
  }

  /** Step x magnitude heatmap of one layer's histograms over the checkpoints: colour log10 count, customdata the counts. */
  function drawOverSteps(div, cps, index, field, title) {
    const hists = cps.map(cp => cp.layers[index]?.[field] ?? null);
    const rows = rowsOf(hists);
    const counts = rows.map(row => hists.map(h => countOf(h, row)));
    const z = counts.map(r => r.map(c => c ? Math.log10(c) : null));
    const top = Math.max(1, ...z.flat().filter(v => v !== null));
    const ticks = [...Array(Math.floor(top) + 1).keys()];
    Plotly.react(div, [{
      type: 'heatmap', x: cps.map(cp => String(cp.step)), y: rows.map(r => r.label), z, customdata: counts, zmin: 0, zmax: top,
      colorscale: 'Viridis', hoverongaps: false, xgap: 0, ygap: 0,
      hovertemplate: 'step %{x}, bin %{y}: %{customdata} entries<extra></extra>',
      colorbar: { title: { text: 'entries' }, tickvals: ticks, ticktext: ticks.map(t => String(10 ** t)), thickness: 14 },
    }], {
      title: { text: title, font: { size: 14 } }, xaxis: { title: { text: 'step' }, type: 'category' },
      yaxis: { title: { text: 'sign and |x| (bin from)' }, type: 'category', automargin: true },
      margin: { l: 80, r: 20, t: 40, b: 50 }, height: Math.max(360, Math.min(900, 120 + 11 * rows.length)),
    }, PLOT_CONFIG);
    div.dataset.rows = rows.map(r => r.key ?? `${r.sign < 0 ? 'neg' : 'pos'}${r.bin}`).join(',');
  }

  /**
   * The trial view's section: a layer selector and, for the chosen layer, the weight-gradient, activation and
   * back-propagated error histograms over the training steps. Returns the section's element; draws once it is in the page (call draw()).
   */
  function trialSection(el, trial, layerName) {
    const cps = trial.checkpoints;
    const layers = cps.length ? cps[0].layers.map(l => l.layer) : [];
    const has = cps.some(cp => cp.layers.some(l => l.grad_hist || l.act_hist));
    const hasDelta = cps.some(cp => cp.layers.some(l => l.delta_hist));
    const select = el('select', { id: 'hist-layer' }, layers.map((l, i) => el('option', { value: i }, `layer ${layerName(l)}`)));
    const section = el('section', { id: 'histograms' },
      el('h2', {}, 'Histograms per layer over training'),
      el('p', { class: 'caption' }, has
        ? 'Every entry of ∂J/∂W_l, of the activations a_l over the batch and of the back-propagated error δ_l over the batch (each example\'s own) '
          + 'at each checkpoint, by sign and magnitude: four bins a decade, '
          + 'negative values below 0, positive above (a row is labelled with its bin\'s lower edge). Colour: number of entries (log scale); empty bins are blank.'
          + (hasDelta ? '' : ' This trial was recorded without the error\'s histograms (trials.jsonl schema 4 or older).')
        : 'This trial was recorded without histograms (trials.jsonl schema 2 or older): run it again to see them.'),
      el('div', { class: 'row' }, el('label', { for: 'hist-layer' }, 'layer: '), select),
      el('div', { class: 'panels' }, el('div', { class: 'chart', id: 'hist-grad' }), el('div', { class: 'chart', id: 'hist-act' }),
        hasDelta ? el('div', { class: 'chart', id: 'hist-delta' }) : null));
    const draw = () => {
      if (!has) return;
      const i = Number(select.value);
      drawOverSteps(document.getElementById('hist-grad'), cps, i, 'grad_hist', `∂J/∂W entries, layer ${layerName(layers[i])}`);
      drawOverSteps(document.getElementById('hist-act'), cps, i, 'act_hist', `activations a_l, layer ${layerName(layers[i])}`);
      if (hasDelta) drawOverSteps(document.getElementById('hist-delta'), cps, i, 'delta_hist', `back-propagated error δ_l, layer ${layerName(layers[i])}`);
    };
    select.addEventListener('change', draw);
    return { section, draw };
  }

  let wanted = null;

  /**
   * The sweep view's panel for a hovered cell: its (first) trial's weight-gradient histograms at initialisation, the
   * first hidden layer against the last (L), side by side. load() gives the trial view's JSON (or null in an export
   * without details).
   */
  async function cellHover(div, key, load) {
    if (wanted === key) return;
    wanted = key;
    const data = await load();
    if (wanted !== key) return; // another cell was hovered while this one loaded
    const t = data?.trial;
    const first = t?.checkpoints?.[0];
    const depth = t?.config?.depth;
    const a = first?.layers?.[0]?.grad_hist, b = first?.layers?.[depth - 1]?.grad_hist;
    if (!a || !b) {
      Plotly.purge(div);
      div.classList.remove('drawn');
      div.replaceChildren(document.createTextNode(t ? `Trial ${key} has no histograms.` : `Trial ${key}: open the folder with lab serve for its histograms.`));
      return;
    }
    div.replaceChildren();
    div.classList.add('drawn');
    const rows = rowsOf([a, b]);
    Plotly.react(div, [
      { type: 'bar', name: 'layer 1', x: rows.map(r => r.label), y: rows.map(r => countOf(a, r)), marker: { color: '#2166ac' } },
      { type: 'bar', name: `layer L = ${depth}`, x: rows.map(r => r.label), y: rows.map(r => countOf(b, r)), marker: { color: '#b2182b' } },
    ], {
      title: { text: `${key}: ∂J/∂W entries at initialisation`, font: { size: 13 } }, barmode: 'group', bargap: 0.1,
      xaxis: { type: 'category', title: { text: 'sign and |x| (bin from)' }, tickangle: -60 }, yaxis: { title: { text: 'entries' } },
      margin: { l: 60, r: 10, t: 36, b: 80 }, height: 246, legend: { orientation: 'h', y: 1.12, x: 1, xanchor: 'right' },
    }, PLOT_CONFIG);
    div.dataset.key = key;
  }

  return { rowsOf, countOf, trialSection, cellHover };
})();
