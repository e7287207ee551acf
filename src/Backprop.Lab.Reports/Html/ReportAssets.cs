namespace Backprop.Lab.Reports.Html;

/// <summary>The inline style sheet and the table-sorting script: the report loads nothing from the network.</summary>
internal static class ReportAssets
{
    public const string Css = """
        body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; color: #222; line-height: 1.45; }
        h1 { font-size: 1.8rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
        .meta, .caption { color: #555; } .caption { max-width: 70rem; }
        figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
        ul.findings li { margin-bottom: .6rem; }
        table { border-collapse: collapse; font-size: .9rem; }
        th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
        th { background: #f3f3f3; cursor: pointer; user-select: none; position: sticky; top: 0; }
        th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        td.text { text-align: left; } tr.diverged td { background: #fde8e8; } tr.failed td { background: #f3e3f7; }
        td.vanishing { color: #2166ac; } td.exploding { color: #b2182b; }
        pre { background: #f7f7f7; padding: 1rem; overflow-x: auto; }
        .skipped { background: #fff6e0; padding: .5rem 1rem; border-left: 4px solid #e69f00; }
        table.claims td, table.claims th { text-align: left; } table.claims th { cursor: default; }
        td.verdict { font-weight: bold; } td.pass { color: #1a7f37; } td.fail { color: #b2182b; } td.no-data { color: #8a6d00; }
        """;

    /// <summary>Sorts a table by the clicked column: numerically by data-v when every cell has one, as text otherwise.</summary>
    public const string SortScript = """
        document.querySelectorAll("table.sortable th").forEach(function (th, column) {
          th.addEventListener("click", function () {
            var table = th.closest("table"), body = table.tBodies[0];
            var ascending = th.getAttribute("aria-sort") !== "ascending";
            table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            var rows = Array.prototype.slice.call(body.rows);
            function key(row) {
              var cell = row.cells[column], v = cell.getAttribute("data-v");
              return v === null ? cell.textContent : parseFloat(v);
            }
            rows.sort(function (a, b) {
              var x = key(a), y = key(b);
              if (typeof x === "number" && typeof y === "number") {
                if (isNaN(x)) return 1; if (isNaN(y)) return -1;
                return ascending ? x - y : y - x;
              }
              return ascending ? String(x).localeCompare(String(y)) : String(y).localeCompare(String(x));
            });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
        """;
}
