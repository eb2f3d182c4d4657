"""The widget skeleton the explorers share: a figure as an image with its caption, and the simulators' sliders and wiring."""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt

from course import plots


def _render(ax) -> tuple[bytes, str]:
    """A figure as PNG bytes for an Image widget, and its alt text; the figure is closed.

    Explorers show figures in an Image widget rather than an Output widget: notebook
    runners (nbclient, hence papermill and nbgrader) sometimes hang on displays captured
    by an Output widget (jupyter/nbclient#312).
    """
    buffer = io.BytesIO()
    fallback = plots._japanese_font()
    if fallback:  # Japanese labels draw with the course's Japanese font even before plots.set_theme() has run
        from matplotlib.text import Text

        for text in ax.figure.findobj(Text):
            if any(ord(ch) > 0x2E7F for ch in text.get_text()):
                text.set_fontfamily(["sans-serif", *fallback])
    ax.figure.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    plt.close(ax.figure)
    return buffer.getvalue(), plots.alt_text(ax) or ""


def _caption(alt: str) -> str:
    # the Image widget has no alt attribute: the alt text is written under it instead
    return f"<p><em>Figure: {html.escape(alt)}</em></p>"


def _slider_maker(label_width: str):
    """A slider factory for the simulators: same width, label width and update-on-release behaviour."""
    style, layout = {"description_width": label_width}, widgets.Layout(width="520px")

    def slider(kind, value, low, high, step, description, fmt):
        return kind(value=value, min=low, max=high, step=step, description=description,
                    readout_format=fmt, style=style, layout=layout, continuous_update=False)

    return slider


class _Simulator(widgets.VBox):
    """Sliders over a model's parameters, with a summary line and a figure that follow them.

    A subclass makes its sliders, then calls ``_start(controls)``; it defines ``parameters()``,
    ``_summarize()`` (the model's summary for the sliders' values) and ``_draw_figure(summary)``.
    """

    _escape = True  # the summary's text is plain text, shown in HTML

    def _start(self, controls: list) -> None:
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))  # see _render
        super().__init__([*controls, self.summary_html, self.figure])
        for control in controls:
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        self.summary = self._summarize()
        line = self.summary.text()
        text = f"<p>{html.escape(line) if self._escape else line}</p>"
        if self._draw:
            self.figure.value, alt = _render(self._draw_figure(self.summary))
            text += _caption(alt)
        self.summary_html.value = text
