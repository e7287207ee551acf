// A reproduction's claims (lab reproduce): the sweep view's first section when the results folder's sweep.json names a
// paper. The table is each claim with the paper's value, the measured one, the tolerance and the verdict, as lab
// reproduce prints it; below it each claim figure, drawn from the numbers the server sent (SweepView.claims), the same
// ones the report's PNG figures show. Loaded before app.js, which calls it with its helpers (lab).
/* global Plotly */
window.LabClaims = (() => {
  const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];

  /** plotly traces of one claim figure: measured series as markers and lines, theory dashed, points as markers alone. */
  function traces(figure, pl) {
    let colour = 0;
    let previous = null;
    return figure.series.map(s => {
      // A theory line right after a measured series is its prediction, in its colour; other theory lines are black.
      const color = s.style !== 'theory' ? PALETTE[colour++ % PALETTE.length]
        : previous === 'measured' ? PALETTE[(colour - 1) % PALETTE.length] : '#000000';
      previous = s.style;
      const mode = s.style === 'theory' ? 'lines' : s.style === 'points' ? 'markers' : 'lines+markers';
      return { type: 'scatter', mode, x: s.x, y: s.y, name: s.name, line: { color, width: 2, dash: s.style === 'theory' ? 'dash' : 'solid' },
        marker: { color, size: s.style === 'points' ? 10 : 7 }, hovertemplate: `${pl(s.name)}: %{x:.4g}, %{y:.4g}<extra></extra>` };
    });
  }

  /** The section into box; emptied when the folder is not a reproduction's. */
  function renderSection(box, view, lab) {
    const { el, pl, plot } = lab;
    const c = view.claims;
    if (!c) {
      if (box.childElementCount > 0) box.replaceChildren();
      return;
    }
    const verdictClass = v => v.toLowerCase().replace(' ', '-');
    const charts = c.figures.map((_, i) => el('div', { class: 'chart', id: `claim-figure-${i}` }));
    box.replaceChildren(
      el('h2', {}, `Claims of ${c.citation}`),
      el('p', { class: 'meta', id: 'claims-summary' }, `${c.passed} of ${c.claims.length} claims pass. Each claim's reasoning and tolerance: ${c.docs_page} in the repository.`),
      el('table', { class: 'claims', id: 'claims-table' },
        el('thead', {}, el('tr', {}, ['claim', 'paper', 'measured', 'tolerance', 'verdict'].map(h => el('th', {}, h)))),
        el('tbody', {}, c.claims.map(r => el('tr', { 'data-claim': r.id },
          el('td', {}, r.claim), el('td', {}, r.paper), el('td', {}, r.measured), el('td', {}, r.tolerance),
          el('td', { class: `verdict ${verdictClass(r.verdict)}` }, r.verdict))))),
      el('div', { class: 'panels', id: 'claim-figures' }, charts));
    c.figures.forEach((f, i) => {
      plot(charts[i], traces(f, pl), {
        title: { text: pl(f.title), font: { size: 14 } },
        xaxis: { title: { text: pl(f.x_label) }, type: f.log_x ? 'log' : 'linear', exponentformat: 'power' },
        yaxis: { title: { text: pl(f.y_label) }, type: f.log_y ? 'log' : 'linear', exponentformat: 'power' },
        hovermode: 'closest', margin: { l: 70, r: 20, t: 40, b: 50 }, height: 400, legend: { font: { size: 11 } },
      });
    });
  }

  return { renderSection };
})();
