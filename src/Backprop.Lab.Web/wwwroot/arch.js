// Architectures and Jacobian spectra. The sweep view's "Architectures" section (for a sweep that varies an architecture
// field): per activation and sigma_w^2, the error ratio |delta_1|/|delta_L| at initialisation and the Jacobian's mean
// squared singular value (1/N)||J||_F^2 against depth, one colour per architecture, every trial a point. The trial
// view's Jacobian section: the singular-value histograms at initialisation and at the end, and the stored statistics.
// Every number comes from the server (SweepView.architectures, TrialView.jacobian); this script lays them out with
// plotly.js. Loaded before app.js, which calls it with its helpers (lab).
/* global Plotly */
window.LabArch = (() => {
  const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

  /** One chart's traces for one measure: per line the median (solid), the theory if any (dashed), and the trials (points). */
  function traces(lines, measure, pl) {
    const out = [];
    lines.forEach((line, k) => {
      const color = PALETTE[k % PALETTE.length];
      const name = line.label;
      const series = line[measure];
      out.push({ type: 'scatter', mode: 'lines', x: series.depth, y: series.median, name, legendgroup: name, line: { color, width: 2.5 },
        hovertemplate: `${pl(name)}, L = %{x}: median %{y:.4g}<extra></extra>` });
      if (measure === 'jacobian' && line.theory.depth.length > 0) {
        out.push({ type: 'scatter', mode: 'lines', x: line.theory.depth, y: line.theory.median, name: `theory, ${name}`, legendgroup: name, showlegend: false,
          line: { color, width: 2, dash: 'dash' }, hovertemplate: `mean-field theory, ${pl(name)}, L = %{x}: %{y:.4g}<extra></extra>` });
      }
      const p = line.points;
      out.push({ type: 'scatter', mode: 'markers', x: p.depth, y: p[measure], name: `${name} trials`, legendgroup: name, showlegend: false,
        customdata: p.key.map((key, i) => [key, p.seed[i]]), marker: { color, size: 8, opacity: 0.75 },
        hovertemplate: `%{customdata[0]}: ${pl(name)}, L = %{x}, seed %{customdata[1]}<br>%{y:.4g}<extra></extra>` });
    });
    return out;
  }

  function layout(title, yTitle, shapes) {
    return { title: { text: title, font: { size: 14 } }, xaxis: { title: { text: 'depth L' } },
      yaxis: { title: { text: yTitle }, type: 'log', exponentformat: 'power' }, shapes, hovermode: 'closest',
      margin: { l: 70, r: 20, t: 40, b: 50 }, height: 380, legend: { font: { size: 11 } } };
  }

  /** The sweep view's section into box (emptied when the sweep compares no architectures). */
  function renderSection(box, view, id, lab) {
    const { el, pl, hashFor, plot } = lab;
    const a = view.architectures;
    if (!a) {
      if (box.childElementCount > 0) box.replaceChildren();
      return;
    }
    let grid = box.querySelector('#arch-panels');
    if (!grid) {
      box.replaceChildren(
        el('h2', {}, 'Architectures'),
        el('p', { class: 'caption', id: 'arch-caption' }),
        el('div', { id: 'arch-panels' }));
      grid = box.querySelector('#arch-panels');
    }
    box.querySelector('#arch-caption').textContent =
      `One colour per ${a.compared.join(' and ')}; lines are the median over a depth's trials, points the trials (hover for the trial, click to open it). `
      + 'Left: the back-propagated error ratio |δ₁|/|δ_L| at initialisation, the grey band the stable regime 0.1 to 10; a plain net leaves it exponentially '
      + 'with depth off the critical line, the identity skips of a residual net keep the error reaching the first layer. '
      + (a.has_jacobian ? 'Right: the mean squared singular value (1/N)‖J‖²_F of the Jacobian J = ∂x_D/∂x_1 at initialisation, dashed: mean-field theory; '
        + 'the dotted line at 1 is a Jacobian that neither shrinks nor stretches on average.' : 'These trials did not measure their Jacobian spectrum.')
      + a.averaging_note;
    const band = [{ type: 'rect', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 0.1, y1: 10, fillcolor: '#888', opacity: 0.12, line: { width: 0 }, layer: 'below' }];
    const one = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: '#888', width: 1.5, dash: 'dot' } }];
    a.panels.forEach((p, i) => {
      let row = document.getElementById(`arch-${i}`);
      if (!row) {
        row = el('div', { class: 'panels arch-panel', id: `arch-${i}` },
          el('div', { class: 'chart arch-ratio', id: `arch-ratio-${i}` }), el('div', { class: 'chart arch-jacobian', id: `arch-jacobian-${i}` }));
        grid.append(row);
      }
      row.dataset.panel = p.title;
      const charts = [[`arch-ratio-${i}`, 'ratio', `${p.title}: |δ₁|/|δ_L| at initialisation`, '|δ₁| / |δ_L|', band]];
      if (a.has_jacobian) charts.push([`arch-jacobian-${i}`, 'jacobian', `${p.title}: Jacobian (1/N)‖J‖²_F at initialisation`, '(1/N)‖J‖²_F', one]);
      else Plotly.purge(document.getElementById(`arch-jacobian-${i}`));
      for (const [divId, measure, title, yTitle, shapes] of charts) {
        const div = document.getElementById(divId);
        plot(div, traces(p.lines, measure, pl), layout(pl(title), yTitle, shapes));
        if (!div.dataset.bound) {
          div.dataset.bound = '1';
          div.on('plotly_click', e => { const k = e.points[0]?.customdata?.[0]; if (k) location.hash = hashFor('trial', id, k); });
        }
      }
    });
    // Panels of an earlier filter that this one has not.
    for (let i = a.panels.length; document.getElementById(`arch-${i}`); i++) {
      const stale = document.getElementById(`arch-${i}`);
      stale.querySelectorAll('.js-plotly-plot').forEach(d => Plotly.purge(d));
      stale.remove();
    }
  }

  /** The trial view's section: histograms at initialisation and at the end, the statistics, and the prediction. */
  function trialSection(el, fmt, trial, jacobian) {
    const s = trial.summary;
    const init = s?.jacobian_init, final = s?.jacobian_final;
    if (!init) {
      return { section: el('section', { id: 'jacobian' }, el('h2', {}, 'Jacobian spectrum'),
        el('p', { class: 'caption', id: 'jacobian-none' }, 'This trial did not measure its Jacobian spectrum ("jacobian": "off", depth 1, or trials.jsonl schema 3 or older).')), draw: () => {} };
    }
    const rows = [
      ['method', init.method, final?.method], ['inputs pooled', init.inputs, final?.inputs], ['size N', init.size, final?.size],
      ['mean squared singular value (1/N)‖J‖²_F', init.mean_squared, final?.mean_squared],
      ['largest singular value', init.max, final?.max], ['smallest singular value', init.min, final?.min],
      ['standard deviation of the singular values', init.std, final?.std], ['relative variance Var(σ²)/E[σ²]²', init.relative_variance, final?.relative_variance],
    ];
    const table = el('table', { id: 'jacobian-stats' },
      el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'initialisation'), el('th', {}, 'end'))),
      el('tbody', {}, rows.map(([k, a, b]) => el('tr', {}, el('th', {}, k), el('td', { class: 'num' }, fmt(a, 4)), el('td', { class: 'num' }, fmt(b, 4)))),
        el('tr', {}, el('th', {}, 'mean-field (1/N)‖J‖²_F'), el('td', { class: 'num', id: 'jacobian-predicted' }, fmt(jacobian?.predicted ?? null, 4)), el('td', {}, ''))));
    const curves = jacobian && (jacobian.init || jacobian.final);
    const section = el('section', { id: 'jacobian' },
      el('h2', {}, 'Jacobian spectrum'),
      el('p', { class: 'caption' }, 'The singular values σ of J = ∂x_D/∂x_1 (last hidden layer\'s output against the first\'s), pooled over the first '
        + `${init.inputs} inputs of the data set, at initialisation and after the last step: the fraction in each bin (four a decade). `
        + 'A spectrum spread over decades stretches some directions far more than others; one concentrated near 1 is dynamical isometry. '
        + 'Values below 10⁻⁸ times the largest are rounding noise and are counted apart with exact zeros ("unresolved").'),
      el('div', { class: 'row' }, table),
      curves ? el('div', { class: 'chart', id: 'jacobian-hist' })
        : el('p', { class: 'meta' }, 'No histogram: the spectrum was estimated (wide nets), or this page carries no detail for the trial.'));
    const draw = () => {
      if (!curves) return;
      const traces = [];
      for (const [name, c, color, dash] of [['initialisation', jacobian.init, '#2166ac', 'solid'], ['end', jacobian.final, '#b2182b', 'dash']]) {
        if (!c) continue;
        const label = c.unresolved_fraction > 0 ? `${name} (${(100 * c.unresolved_fraction).toFixed(0)}% unresolved)` : name;
        traces.push({ type: 'scatter', mode: 'lines', x: c.log10_sigma.map(v => 10 ** v), y: c.fraction, name: label, line: { color, width: 2.5, dash, shape: 'hvh' },
          hovertemplate: `${name}: σ ≈ %{x:.3g}, fraction %{y:.3f}<extra></extra>` });
      }
      Plotly.react('jacobian-hist', traces, { xaxis: { title: { text: 'singular value σ of J' }, type: 'log', exponentformat: 'power' },
        yaxis: { title: { text: 'fraction of singular values' }, rangemode: 'tozero' }, margin: { l: 70, r: 20, t: 20, b: 50 }, height: 360,
        legend: { orientation: 'h', y: 1.1 } }, { responsive: true, displaylogo: false });
    };
    return { section, draw };
  }

  return { renderSection, trialSection };
})();
