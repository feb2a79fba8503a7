"""Reports: a self-contained HTML file per run or per comparison, with the figures as PNG files.

`write_report(result, out_dir)` and `write_comparison(comparison, out_dir)` each return the
path of the HTML file they wrote. Figures live in `figures`, the HTML in `html`.
"""

from .html import COMPARISON_FILE, REPORT_FILE, hypothetical_channels, write_comparison, write_report

__all__ = ["write_report", "write_comparison", "hypothetical_channels", "REPORT_FILE", "COMPARISON_FILE"]
