// Two sweeps side by side (#/compare/A/B): each phase-diagram group's panel and trainability map of sweep A beside
// those of sweep B, drawn by the sweep view's own chart functions on the colour scales the server chose for both
// (/api/compare/A/B), so one colour is one number in either sweep. Also the ticks in the list of sweeps that lead
// here. Loaded before app.js, which calls it with its helpers (lab).
window.LabCompare = (() => {
  /** A column of ticks and a button in the list of sweeps: tick two, then compare them. */
  function decorateList(table, lab) {
    if (!table) return;
    const rows = [...table.querySelectorAll('tbody tr[data-sweep]')];
    if (rows.length < 2) return;
    const { el, hashFor } = lab;
    table.querySelector('thead tr').prepend(el('th', {}, 'compare'));
    const button = el('button', { id: 'compare-button', type: 'button', disabled: true }, 'Compare the two ticked sweeps');
    const ticked = () => rows.filter(r => r.querySelector('input.compare-pick').checked).map(r => r.dataset.sweep);
    for (const row of rows) {
      row.prepend(el('td', {}, el('input', { type: 'checkbox', class: 'compare-pick', 'aria-label': `compare ${row.dataset.sweep}`,
        onchange: () => { button.disabled = ticked().length !== 2; } })));
    }
    button.addEventListener('click', () => { const [a, b] = ticked(); if (a && b) location.hash = hashFor('compare', a, b); });
    table.after(el('p', {}, button, ' ', el('span', { class: 'meta' }, 'their phase diagrams and trainability maps side by side, on shared colour scales')));
  }

  async function render(a, b, lab) {
    const { el, fmt, hashFor, getJson, drawPhase, drawTrainability, crumbs, main } = lab;
    const view = await getJson(`api/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
    const sweeps = [view.a, view.b];
    document.title = `Compare: ${view.a.name} and ${view.b.name}`;
    crumbs.replaceChildren(el('span', {}, '› compare '), el('a', { href: hashFor('sweep', a) }, view.a.name), el('span', {}, ' and '),
      el('a', { href: hashFor('sweep', b) }, view.b.name));
    const R = view.phase_range;
    const shared = view.loss_range !== null;
    const lossText = v => fmt(view.loss_log ? 10 ** v : v);
    const panelIds = [...new Set(sweeps.flatMap(s => s.groups.flatMap(g => g.panels.map(p => p.id))))];
    const panelTitle = id => sweeps.flatMap(s => s.groups.flatMap(g => g.panels)).find(p => p.id === id)?.title ?? id;
    const select = el('select', { id: 'compare-panel' }, panelIds.map(id => el('option', { value: id }, panelTitle(id))));
    const names = [...new Set(sweeps.flatMap(s => s.groups.map(g => g.name)))].sort();
    main.replaceChildren(
      el('h1', {}, 'Compare ', el('span', { id: 'compare-a' }, view.a.name), ' and ', el('span', { id: 'compare-b' }, view.b.name)),
      el('p', { class: 'meta' }, `${view.a.trials.length} and ${view.b.trials.length} trials. `, el('a', { href: hashFor('compare', b, a) }, 'swap sides')),
      el('p', { class: 'caption', id: 'compare-scales' },
        `One colour scale for both sweeps: phase diagrams log₁₀ ratio from −${R} to +${R} (blue: vanishing towards the input; red: exploding); `
        + (shared ? `trainability ${view.loss_log ? 'log₁₀ ' : ''}loss from ${lossText(view.loss_range[0])} to ${lossText(view.loss_range[1])}.`
          : 'the trainability maps keep their own scales: one sweep\'s loss is not positive everywhere, so no one scale shows both.')),
      el('div', { class: 'row' }, el('label', { for: 'compare-panel' }, 'phase diagram: '), select),
      el('div', { class: 'detail', id: 'cell-detail' }, 'Hover over a cell for its trials and numbers; click to open a trial.'),
      el('div', { id: 'compare-groups' }, names.map((name, i) => el('section', { class: 'group compare-group', 'data-group': name },
        el('h2', {}, name),
        el('div', { class: 'compare-pair' }, ['a', 'b'].map(side => el('div', { class: 'chart phase', id: `cmp-phase-${side}-${i}` }))),
        el('div', { class: 'compare-pair' }, ['a', 'b'].map(side => el('div', { class: 'chart trainability', id: `cmp-train-${side}-${i}` })))))));

    const draw = () => {
      names.forEach((name, i) => ['a', 'b'].forEach((side, k) => {
        const s = sweeps[k], id = k === 0 ? a : b;
        const g = s.groups.find(x => x.name === name);
        const phaseDiv = document.getElementById(`cmp-phase-${side}-${i}`), trainDiv = document.getElementById(`cmp-train-${side}-${i}`);
        if (!g) {
          for (const d of [phaseDiv, trainDiv]) d.replaceChildren(el('p', { class: 'meta' }, `${s.name} has no ${name} group.`));
          return;
        }
        const rows = new Map(s.trials.map(t => [t.key, t]));
        const panel = g.panels.find(p => p.id === select.value) ?? g.panels[0];
        drawPhase(phaseDiv, { ...g, name: `${s.name}, ${g.name}` }, panel, R, rows, id);
        drawTrainability(trainDiv, { ...g, name: `${s.name}, ${g.name}` }, shared ? { ...s, loss_range: view.loss_range, loss_log: view.loss_log } : s, rows, id);
      }));
    };
    select.addEventListener('change', draw);
    draw();
    main.dataset.ready = 'compare';
  }

  return { decorateList, render };
})();
