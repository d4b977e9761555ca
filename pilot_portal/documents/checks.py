"""A system check that fails loudly where PDFs would show empty boxes for Chinese."""

import shutil
import subprocess

from django.core.checks import Error, register

from pilot_portal.documents.pdf import CJK_FONT_FAMILY


def cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [fc_list, "-q", f"{CJK_FONT_FAMILY}:lang=zh"], capture_output=True, timeout=30, check=False
    )
    return result.returncode == 0


@register()
def check_cjk_font(app_configs, **kwargs):
    if cjk_font_installed():
        return []
    return [
        Error(
            f"未安装中文字体 {CJK_FONT_FAMILY}，PDF 中的中文将显示为空白方框 / "
            f"no CJK font ({CJK_FONT_FAMILY}) installed: "
            "Chinese in PDFs would print as empty boxes",
            hint="apt-get install fonts-noto-cjk libharfbuzz-subset0 (make run does this)",
            id="documents.E001",
        )
    ]
