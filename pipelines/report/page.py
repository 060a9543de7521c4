"""The report's HTML: a header of what was covered, then one card per chart; plotly.js inlined."""

from __future__ import annotations

from typing import Any

from pipelines.report import ReportResult, escape, figures_json
from pipelines.report.charts import SECTIONS

_STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); }
header { background: #1f2933; color: white; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; font-weight: 600; }
header .facts { display: flex; flex-wrap: wrap; gap: 6px 28px; color: #cbd2d9; }
header .facts b { color: white; font-weight: 600; }
main { max-width: 1400px; margin: 0 auto; padding: 8px 24px 40px; }
h2 { font-size: 18px; margin: 28px 0 4px; }
.section-note { color: var(--muted); margin: 0 0 10px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
#items-moved { grid-column: 1 / -1; }
.card { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
.card h3 { margin: 0; font-size: 15px; }
.card p { margin: 2px 0 8px; color: var(--muted); font-size: 12.5px; }
.empty { color: var(--muted); padding: 40px 0; text-align: center; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.counts td { padding: 2px 8px; }
.best { font-size: 15px; }
"""

_SCRIPT = """
(function () {
  var figures = JSON.parse(document.getElementById('figures').textContent);
  var config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ['toImage', 'sendDataToCloud']};
  document.querySelectorAll('[data-chart]').forEach(function (element) {
    var figure = figures[element.dataset.chart];
    if (!figure.data.length) { element.classList.add('empty'); element.textContent = 'No data in this range.';
                               element.dataset.rendered = '0'; return; }
    Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.dataset.rendered = String(figure.data.length);
    }, function (error) { console.error('chart ' + element.dataset.chart + ': ' + error); });
  });
})();
"""


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs  # the plotly wheel ships plotly.min.js; no CDN

    return get_plotlyjs()


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(value)


def _table_html(columns: list[str], rows: list[tuple]) -> str:
    if not rows:
        return '<div class="empty">No experiment items were compared.</div>'
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in rows) for i in range(len(columns))]
    head = "".join(f'<th class="{"num" if n else ""}">{escape(c.replace("_", " "))}</th>'
                   for c, n in zip(columns, numeric, strict=True))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"num" if n else ""}">{_number(v)}</td>'
                         for v, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header_html(header: dict[str, Any], best: tuple[list[str], list[tuple]]) -> str:
    facts = [
        ("Projects", ", ".join(header["projects"]) or "none"),
        ("From", header["from"]), ("Until", header["until"]),
        ("Environment", header["environment"]),
        ("Percentiles read", header["percentile_environment"]),
        ("Last sync", header["last_sync"]), ("Generated", header["generated"]),
    ]
    mart_rows = " · ".join(f"<b>{count:,}</b> {escape(name)}" for name, count in header["mart_rows"].items())
    raw_rows = ", ".join(f"{escape(name)} {count:,}" for name, count in header["raw_rows"].items())
    columns, rows = best
    best_html = ""
    if rows:
        b = dict(zip(columns, rows[0], strict=True))
        best_html = (f'<div class="best">Best experiment: <b>{escape(b["candidate"])}</b> vs baseline '
                     f'<b>{escape(b["baseline"])}</b> on {escape(b["dataset_name"])}: {escape(b["score_name"])} '
                     f'{b["baseline_avg_score"]:.3f} → {b["candidate_avg_score"]:.3f} '
                     f'(<b>{b["avg_delta"]:+.3f}</b>; {b["wins"]} won, {b["ties"]} tied, {b["losses"]} lost '
                     f'of {b["items_compared"]} items)</div>')
    return (
        "<header><h1>Langfuse warehouse report</h1>"
        '<div class="facts">' + "".join(f"<span>{escape(k)}: <b>{escape(v)}</b></span>" for k, v in facts) + "</div>"
        f'<div class="facts" style="margin-top:6px">{mart_rows}</div>'
        f'<div class="facts" style="margin-top:6px;font-size:12px">Raw tables: {raw_rows}</div>'
        f"{best_html}</header>"
    )


def render_page(result: ReportResult, *, moved: tuple[list[str], list[tuple]],
                best: tuple[list[str], list[tuple]]) -> str:
    sections = []
    for section in SECTIONS:
        cards = [
            f'<div class="card"><h3>{escape(chart.title)}</h3><p>{escape(chart.note)}</p>'
            f'<div class="chart" id="chart-{chart.key}" data-chart="{chart.key}"></div></div>'
            for chart in section.charts
        ]
        if section.title == "Experiments":
            cards.append('<div class="card" id="items-moved"><h3>Dataset items that moved most</h3>'
                         "<p>Candidate minus baseline, per item and score.</p>" + _table_html(*moved) + "</div>")
        note = f'<p class="section-note">{escape(section.note)}</p>' if section.note else ""
        sections.append(f'<section><h2>{escape(section.title)}</h2>{note}'
                        f'<div class="grid">{"".join(cards)}</div></section>')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Langfuse warehouse report</title><style>{_STYLE}</style>"
        f"<script>{_plotly_js()}</script></head><body>"
        f"{_header_html(result.header, best)}<main>{''.join(sections)}</main>"
        f'<script type="application/json" id="figures">{figures_json(result)}</script>'
        f"<script>{_SCRIPT}</script></body></html>"
    )
