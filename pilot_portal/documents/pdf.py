"""HTML templates to PDF with WeasyPrint and a named CJK font.

The stylesheet names "Noto Sans CJK SC" explicitly: with several CJK fonts
installed the generic sans-serif falls back elsewhere and pagination changes.
"""

from django.conf import settings
from django.template.loader import render_to_string

CJK_FONT_FAMILY = "Noto Sans CJK SC"


def render_pdf(template_name: str, context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which the web process rarely needs.
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "cjk_font_family": CJK_FONT_FAMILY})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
