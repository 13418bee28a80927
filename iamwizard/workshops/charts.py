"""Bar charts drawn on the server as SVG: no libraries, no network, no style attributes (CSP)."""
from html import escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

BAR_FILL = "#0b5cad"


def bar_chart(items, *, title: str, description: str = "", ident: str = "chart", width: int = 640):
    """Horizontal bars. items: (label, value, shown_value) with value >= 0; returns safe SVG markup."""
    items = list(items)
    bar_height, gap, value_width, top = 22, 10, 140, 8
    # About 8 units per character at font-size 14: labels fit without measuring text.
    label_width = min(340, max(120, 8 * max([len(str(label)) for label, _value, _shown in items] + [0]) + 12))
    plot_width = max(160, width - label_width - value_width)
    width = label_width + plot_width + value_width
    height = top * 2 + max(1, len(items)) * (bar_height + gap)
    largest = max([value for _label, value, _shown in items] + [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="bar-chart" role="img" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description or title)}</desc>',
    ]
    if not items:
        parts.append(f'<text x="0" y="{top + 16}" font-size="14" fill="#545b64">{escape(_("No data yet."))}</text>')
    for i, (label, value, shown) in enumerate(items):
        y = top + i * (bar_height + gap)
        bar = 0 if value <= 0 else max(2, round(plot_width * value / largest))
        text_y = y + bar_height * 0.7
        parts.append(f'<text x="{label_width - 8}" y="{text_y:.1f}" text-anchor="end" font-size="14" fill="#16191f">{escape(str(label))}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{bar}" height="{bar_height}" fill="{BAR_FILL}"/>')
        parts.append(f'<text x="{label_width + bar + 6}" y="{text_y:.1f}" font-size="14" fill="#16191f">{escape(str(shown))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
