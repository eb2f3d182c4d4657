"""Explorer for module 4b: type an opening, move the temperature, see the next-character probabilities and a generated text."""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd

from course import genai, plots
from course.explore._base import _caption, _render
from course.privacy import redact_personal_data


@dataclass(frozen=True)
class GenerationSummary:
    """What the model does after one opening at one temperature.

    Attributes:
        prompt: the opening typed.
        temperature: the sampling temperature.
        top: the 5 likeliest next characters with their probabilities after the temperature.
        text: one generated continuation (seeded, so it repeats).
        looks_personal: whether module 4's redaction would change the generated text.
    """

    prompt: str
    temperature: float
    top: pd.DataFrame
    text: str
    looks_personal: bool


def generation_summary(lm: genai.CharLM, prompt: str, temperature: float, seed: int = 0) -> GenerationSummary:
    """The next-character probabilities after prompt (reshaped by the temperature) and one continuation."""
    probs = pd.Series(genai.apply_temperature(lm.next_token_probs(prompt).to_numpy(), temperature), index=lm.vocab)
    top = probs.sort_values(ascending=False).head(5)
    shown = [repr(c)[1:-1] if c.strip() and c != genai.EOS else {" ": "space", genai.EOS: "end"}.get(c, repr(c)) for c in top.index]
    text = lm.generate(prompt, max_chars=100, temperature=temperature, rng=seed)
    return GenerationSummary(prompt, temperature, pd.DataFrame({"next": shown, "probability": top.to_numpy()}),
                             text, redact_personal_data(text) != text)


def draw_generation(summary: GenerationSummary, show: bool = True):
    """Bars of the 5 likeliest next characters, as a course figure."""
    best = summary.top.iloc[0]
    return plots.plot_bars(
        summary.top, "next", "probability", value_format="{:.2f}", show=show,
        title=f"Next character after the opening, at temperature {summary.temperature:.1f} (synthetic corpus)",
        xlabel="Next character", ylabel="Probability after the temperature (0 to 1)",
        alt=(f"The likeliest next character is {best['next']!r} with probability {best['probability']:.2f}; "
             f"the five shown hold {summary.top['probability'].sum():.2f} of the probability."),
    )


class GenerationExplorer(widgets.VBox):
    """An opening, a temperature and a seed; the next-character bars and a generated continuation follow them."""

    def __init__(self, lm: genai.CharLM, prompt: str = "マイナンバーカー", draw: bool | None = None) -> None:
        self._lm = lm
        self._draw = plots._in_notebook() if draw is None else draw
        self.prompt = widgets.Text(value=prompt, description="Opening", continuous_update=False,
                                   layout=widgets.Layout(width="95%"))
        self.temperature = widgets.FloatSlider(value=0.8, min=0.1, max=2.0, step=0.1, description="Temperature",
                                               readout_format=".1f", continuous_update=False)
        self.seed = widgets.IntSlider(value=0, min=0, max=20, description="Seed", continuous_update=False)
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))
        self.summary: GenerationSummary | None = None
        super().__init__([self.prompt, self.temperature, self.seed, self.summary_html, self.figure])
        for control in (self.prompt, self.temperature, self.seed):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        s = self.summary = generation_summary(self._lm, self.prompt.value, float(self.temperature.value), int(self.seed.value))
        text = (f"<p><b>Generated:</b> {html.escape(s.prompt)}<u>{html.escape(s.text)}</u></p>"
                + ("<p><b>Looks like personal data</b>: the model repeats what it read.</p>" if s.looks_personal else "")
                + "<p><em>A character model trained on a synthetic corpus; fluent is not true.</em></p>")
        if self._draw:
            self.figure.value, alt = _render(draw_generation(s, show=False))
            text += _caption(alt)
        self.summary_html.value = text


def explore_generation(lm: genai.CharLM, prompt: str = "マイナンバーカー") -> GenerationExplorer:
    """Build the generation explorer for a trained CharLM (display it as the last line of a cell)."""
    return GenerationExplorer(lm, prompt)


__all__ = ["GenerationExplorer", "GenerationSummary", "draw_generation", "explore_generation", "generation_summary"]
