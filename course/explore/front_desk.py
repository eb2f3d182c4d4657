"""The front-desk assistant (module 4): an FAQ index, one reply (redact, route, retrieve, then cite or hand over), and its explorer.

    >>> index = FaqIndex(datasets.load_front_desk_faq("City A"))
    >>> front_desk_reply("garbage day?", index, router, threshold=0.3)        # no browser needed
    >>> explore_front_desk(index, router, threshold=0.3)                       # in a notebook
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course import plots
from course.explore._base import _caption, _render
from course.privacy import redact_personal_data
from course.i18n import _

__all__ = [
    "FaqIndex", "FrontDeskExplorer", "FrontDeskReply", "draw_front_desk", "explore_front_desk", "faq_documents",
    "front_desk_reply",
]


def faq_documents(faq: pd.DataFrame) -> pd.Series:
    """The text the assistant searches for each FAQ entry: its question and answer, in English and Japanese.

    Args:
        faq: a table from course.datasets.load_front_desk_faq().

    Returns:
        One text per entry, indexed by faq_id.
    """
    text = faq["question_en"] + " " + faq["question_ja"] + " " + faq["answer_en"] + " " + faq["answer_ja"]
    return pd.Series(text.to_numpy(), index=pd.Index(faq["faq_id"], name="faq_id"), name="document")


class FaqIndex:
    """An FAQ base made searchable: TF-IDF over character n-grams, scored by cosine similarity.

    Character n-grams (analyzer="char_wb") work for Japanese without a word tokenizer.

    Attributes:
        faq: the FAQ entries, in their original order.
        vectorizer: the fitted TfidfVectorizer.
    """

    def __init__(self, faq: pd.DataFrame, ngram_range: tuple[int, int] = (1, 3)) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if faq.empty:
            raise ValueError("the FAQ base is empty: load it with course.datasets.load_front_desk_faq().")
        self.faq = faq.reset_index(drop=True)
        documents = faq_documents(self.faq)
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True)
        self._matrix = self.vectorizer.fit_transform(documents)
        self._ids = documents.index

    def similarity(self, questions: pd.Series | list[str]) -> pd.DataFrame:
        """Cosine similarity of each question to each entry (0 to 1).

        Args:
            questions: the questions' texts (a Series keeps its index for the rows).

        Returns:
            One row per question, one column per faq_id.
        """
        index = questions.index if isinstance(questions, pd.Series) else pd.RangeIndex(len(questions))
        scores = (self.vectorizer.transform(list(questions)) @ self._matrix.T).toarray()
        return pd.DataFrame(scores, index=index, columns=self._ids)

    def search(self, question: str, k: int = 3) -> pd.DataFrame:
        """The k best-matching entries for one question, best first.

        Returns:
            Columns faq_id, city, department, score, question_en, question_ja, page.
        """
        scores = self.similarity([question]).iloc[0].to_numpy()
        order = np.argsort(-scores, kind="stable")[:k]
        top = self.faq.iloc[order][["faq_id", "city", "department", "question_en", "question_ja", "page"]].copy()
        top.insert(3, "score", scores[order])
        return top.reset_index(drop=True)


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class FrontDeskReply:
    """What the assistant does with one question.

    Attributes:
        question: the text as typed.
        redacted: the text with personal data replaced: the only version that is routed,
            searched, logged or sent on.
        department: the department the router chose.
        matches: the top FAQ matches, best first (faq_id, city, department, score, ...).
        threshold: the smallest score of the best match for which the assistant answers.
        answered: True if it answers with an FAQ entry, False if it hands over to a person.
        reply: the text shown to the resident (an answer with its source, or a handover).
    """

    question: str
    redacted: str
    department: str
    matches: pd.DataFrame
    threshold: float
    answered: bool
    reply: str

    def text(self) -> str:
        """A plain-text summary of the reply, as the explorer shows it."""
        best = self.matches.iloc[0]
        decision = "answers with a cited FAQ entry" if self.answered else "hands over to a person"
        return (
            f"Redacted text: {self.redacted} | Routed to: {self.department} | Best match {best['faq_id']} "
            f"(score {best['score']:.2f}, threshold {self.threshold:.2f}): the assistant {decision}."
        )


def front_desk_reply(
    question: str,
    index: FaqIndex,
    router,
    threshold: float,
    k: int = 3,
    redact: Callable[[str], str] = redact_personal_data,
) -> FrontDeskReply:
    """Redact, route, retrieve, then answer with a cited FAQ entry or hand over to a person.

    Args:
        question: the resident's text.
        index: an FaqIndex over the FAQ base the assistant may cite.
        router: a fitted scikit-learn pipeline whose predict() takes texts and returns departments.
        threshold: answer only when the best match scores at least this much.
        k: how many matches to keep.
        redact: the redaction function applied before anything else.

    Returns:
        A FrontDeskReply.

    Raises:
        ValueError: the question is empty.
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError("the question is empty: type what a resident might ask.")
    redacted = redact(question)
    department = str(router.predict([redacted])[0])
    matches = index.search(redacted, k=k)
    best = matches.iloc[0]
    japanese = bool(_JAPANESE.search(question))
    answered = bool(best["score"] >= threshold)
    if answered:
        entry = index.faq.loc[index.faq["faq_id"] == best["faq_id"]].iloc[0]
        answer = entry["answer_ja"] if japanese else entry["answer_en"]
        source = "出典" if japanese else "Source"
        reply = f"{answer} ({source}: {entry['city']} FAQ {entry['faq_id']}, {entry['page']})"
    elif japanese:
        reply = f"確実にお答えできないため、{department}の担当職員におつなぎします。"
    else:
        reply = f"I cannot answer this reliably, so I am passing your question to a member of staff in {department}."
    return FrontDeskReply(question, redacted, department, matches, float(threshold), answered, reply)


def _short_label(text: str, width: int = 40) -> str:
    """Shorten a label to whole words (ending in "…" when cut), so no word is cut in the middle."""
    return textwrap.shorten(str(text), width=width, placeholder=" …")


def draw_front_desk(reply: FrontDeskReply, show: bool = True):
    """Draw the top matches' scores as horizontal bars, with the threshold as a dashed line.

    Args:
        reply: from front_desk_reply().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    data = reply.matches.assign(entry=lambda d: d["faq_id"] + ": " + d["question_en"].map(_short_label))
    decision = "answers" if reply.answered else "hands over to a person"
    alt = (
        f"Scores of the {len(data)} best FAQ matches; the best is {data['entry'].iloc[0]} with "
        f"{data['score'].iloc[0]:.2f}, against a threshold of {reply.threshold:.2f}, so the assistant {decision}."
    )
    fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    plots.plot_bars(
        data, "score", "entry", horizontal=True, value_format="{:.2f}", ax=ax, show=False,
        title=_("Best FAQ matches for the question (synthetic FAQ)"), xlabel=_("Similarity score (0 to 1)"),
        ylabel=_("FAQ entry"), alt=alt,
    )
    ax.axvline(reply.threshold, color="0.1", linestyle=(0, (6, 3)), linewidth=1.5)
    ax.annotate(f"threshold {reply.threshold:.2f}", (reply.threshold, 1), xycoords=("data", "axes fraction"),
                xytext=(4, -4), textcoords="offset points", va="top", fontsize=9)
    ax.set_xlim(0, max(1e-9, data["score"].max(), reply.threshold) * 1.25)
    if show:
        plots._show(fig, alt)  # noqa: SLF001
    return ax


class FrontDeskExplorer(widgets.VBox):
    """Type a question; see the redacted text, the department, the top matches and whether the assistant answers.

    Attributes:
        question: the Text box.
        threshold: the FloatSlider for the abstention threshold.
        summary_html: the HTML with the reply.
        figure: the Image widget with the scores of the top matches.
        reply: the latest FrontDeskReply.
    """

    def __init__(self, index: FaqIndex, router, threshold: float, question: str = "", draw: bool | None = None) -> None:
        self._index, self._router = index, router
        self._draw = plots._in_notebook() if draw is None else draw  # noqa: SLF001
        self.question = widgets.Text(
            value=question or "what day is burnable garbage collected? call me on 090-1234-5678",
            description=_("Question"), layout=widgets.Layout(width="95%"), continuous_update=False,
        )
        self.threshold = widgets.FloatSlider(value=float(threshold), min=0.0, max=1.0, step=0.01,
                                             description=_("Threshold"), readout_format=".2f")
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))  # see _render
        self.reply: FrontDeskReply | None = None
        super().__init__([self.question, self.threshold, self.summary_html, self.figure])
        for control in (self.question, self.threshold):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        if not self.question.value.strip():
            self.summary_html.value = "<p>Type a question.</p>"
            return
        self.reply = front_desk_reply(self.question.value, self._index, self._router, self.threshold.value)
        r = self.reply
        rows = "".join(
            f"<tr><td>{html.escape(m.faq_id)}</td><td>{m.score:.2f}</td><td>{html.escape(m.department)}</td>"
            f"<td>{html.escape(m.question_en)}</td></tr>"
            for m in r.matches.itertuples()
        )
        text = (
            f"<p><b>Logged (redacted):</b> {html.escape(r.redacted)}<br><b>Routed to:</b> {html.escape(r.department)}<br>"
            f"<b>Decision:</b> {'answer with a cited FAQ entry' if r.answered else 'hand over to a person'}</p>"
            f"<table><tr><th>FAQ</th><th>score</th><th>department</th><th>question</th></tr>{rows}</table>"
            f"<p><b>Reply:</b> {html.escape(r.reply)}</p><p><em>Synthetic FAQ and router trained on synthetic questions.</em></p>"
        )
        if self._draw:
            self.figure.value, alt = _render(draw_front_desk(r, show=False))
            text += _caption(alt)
        self.summary_html.value = text


def explore_front_desk(index: FaqIndex, router, threshold: float, question: str = "") -> FrontDeskExplorer:
    """Build the front-desk explorer: type a question, move the threshold, see what the assistant does.

    Args:
        index: an FaqIndex over the FAQ base.
        router: a fitted text classifier (predict() takes texts, returns departments).
        threshold: the starting abstention threshold.
        question: the starting question (a default example if empty).

    Returns:
        The widget (display it as the last line of a cell).
    """
    return FrontDeskExplorer(index, router, threshold, question)
