"""Module 4 (04-ai-front-desk): its data sets, retrieval metrics, confusion-matrix figure, guardrails and explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from course import datasets, explore, metrics, plots  # noqa: E402
from course.errors import DatasetError  # noqa: E402


@pytest.fixture(scope="module")
def faq():
    return datasets.load_front_desk_faq()


@pytest.fixture(scope="module")
def inquiries():
    return datasets.load_resident_inquiries()


@pytest.fixture(scope="module")
def router(inquiries):
    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)), LogisticRegression(max_iter=1000))
    return model.fit(inquiries["text"], inquiries["department"])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- data sets ------------------------------------------------------------------------------------

def test_faq_has_two_cities_that_overlap_but_differ(faq):
    topics = {city: set(faq.loc[faq["city"] == city, "topic"]) for city in ("City A", "City B")}
    assert len(topics["City A"] & topics["City B"]) >= 10
    assert topics["City A"] - topics["City B"] and topics["City B"] - topics["City A"]
    assert faq["faq_id"].is_unique
    assert faq.groupby("city")["topic"].apply(lambda t: t.is_unique).all()
    assert (faq[["question_ja", "answer_ja"]].map(lambda s: bool(explore._JAPANESE.search(s)))).all().all()


def test_city_rule_entries_differ_between_cities_and_pages_use_reserved_domains(faq):
    both = faq[faq["scope"] == "city rule"].pivot(index="topic", columns="city", values="answer_en").dropna()
    assert (both["City A"] != both["City B"]).any()
    assert faq["page"].str.match(r"https://www\.city-[ab]\.example/").all()


def test_load_front_desk_faq_filters_one_city_and_refuses_unknown_ones(faq):
    only_b = datasets.load_front_desk_faq("City B")
    assert set(only_b["city"]) == {"City B"} and len(only_b) == (faq["city"] == "City B").sum()
    with pytest.raises(DatasetError, match='Use "City A", "City B"'):
        datasets.load_front_desk_faq("City C")


def test_inquiries_are_labelled_bilingual_and_mark_their_personal_data(inquiries, faq):
    assert set(inquiries["language"]) == {"en", "ja"}
    known = inquiries["topic"].dropna()
    assert known.isin(faq["topic"]).all(), "every labelled topic is in at least one city's FAQ"
    assert 0.1 < inquiries["topic"].isna().mean() < 0.35, "some questions need a person"
    dept_of_topic = faq.drop_duplicates("topic").set_index("topic")["department"]
    labelled = inquiries.dropna(subset=["topic"])
    assert (labelled["topic"].map(dept_of_topic) == labelled["department"]).all()


def test_every_labelled_personal_datum_is_redacted_and_nothing_else(inquiries):
    changed = inquiries["text"].map(explore.redact_personal_data) != inquiries["text"]
    assert changed[inquiries["personal_data"].notna()].all()
    assert not changed[inquiries["personal_data"].isna()].any()


def test_resident_inquiries_sample_is_reproducible():
    a = datasets.load_resident_inquiries(sample_frac=0.5, seed=3)
    b = datasets.load_resident_inquiries(sample_frac=0.5, seed=3)
    assert a["inquiry_id"].tolist() == b["inquiry_id"].tolist() and len(a) == 310


# --- the My Number check digit -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "first_eleven, digit",
    [
        ("12345678901", 8),  # the published worked example: sum 212, remainder 3
        ("11111111111", 8),
        ("98765432105", 0),  # remainder 0: the check digit is 0, not 11
        ("98765432100", 0),  # remainder 1: the check digit is 0, not 10
        ("20000000000", 0),  # remainder 1 from the leftmost digit alone (weight 6)
        ("10000000000", 5),  # the leftmost digit has weight 6: 11 - 6
        ("00000000001", 9),  # the rightmost digit has weight 2: 11 - 2
        ("００００００００００１", 9),  # full-width digits
    ],
)
def test_check_digit_follows_the_ordinance(first_eleven, digit):
    assert explore.my_number_check_digit(first_eleven) == digit


@pytest.mark.parametrize("bad", ["1234567890", "123456789012", "1234567890a", "", 12345678901])
def test_check_digit_refuses_anything_but_eleven_digits(bad):
    with pytest.raises(ValueError, match="11 digits"):
        explore.my_number_check_digit(bad)


@pytest.mark.parametrize(
    "text, valid",
    [
        ("123456789018", True),
        ("123456789017", False),
        ("1234 5678 9018", True),
        ("1234-5678-9018", True),
        ("１２３４５６７８９０１８", True),
        ("１２３４－５６７８－９０１８", True),
        ("987654321050", True),
        ("987654321000", True),
        ("12345678901", False),
        ("1234567890180", False),
        ("12345678901a", False),
        ("1234.5678.9018", False),
        ("", False),
        (123456789018, False),
        (None, False),
    ],
)
def test_is_my_number(text, valid):
    assert explore.is_my_number(text) is valid


def test_every_single_digit_typo_is_caught_by_the_check_digit():
    number = "123456789018"
    for position in range(12):
        for d in "0123456789":
            if d != number[position]:
                typo = number[:position] + d + number[position + 1:]
                assert not explore.is_my_number(typo), typo


# --- redaction ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("tel 03-1234-5678", "tel [PHONE]"),
        ("call 09012345678 now", "call [PHONE] now"),
        ("080 9876 5432", "[PHONE]"),
        ("+81 90-1234-5678", "[PHONE]"),
        ("+81 3-1234-5678", "[PHONE]"),          # a landline: 9 digits after +81 (q11's hidden tests have it too)
        ("電話番号は０３－１２３４－５６７８です。", "電話番号は[PHONE]です。"),
        ("0120-123-456 is free", "[PHONE] is free"),
        ("My Number: 1234 5678 9018.", "My Number: [MY_NUMBER]."),
        ("1234-5678-9018", "[MY_NUMBER]"),
        ("987654321050", "[MY_NUMBER]"),         # remainder 0: the check digit is 0, not 11
        ("9876 5432 1000", "[MY_NUMBER]"),       # remainder 1: the check digit is 0, not 10
        ("マイナンバーは１２３４５６７８９０１８です", "マイナンバーは[MY_NUMBER]です"),
        ("receipt 123456789012", "receipt 123456789012"),
        ("1234 5678-9018", "1234 5678-9018"),
        ("order 0312345678901", "order 0312345678901"),
        ("x 1234567890180", "x 1234567890180"),
        ("J.Smith@Example.COM", "[EMAIL]"),
        ("hanako_s+city@mail.example.org!", "[EMAIL]!"),
        ("taro.0312345678@example.com", "[EMAIL]"),
        ("111111111118 and 03-1234-5678", "[MY_NUMBER] and [PHONE]"),
        ("customer number 4521-0098", "customer number 4521-0098"),
        ("I called on 2025-04-01", "I called on 2025-04-01"),
        ("45 minutes, 3 forms, 12 days", "45 minutes, 3 forms, 12 days"),
        ("", ""),
    ],
)
def test_redaction_of_tricky_cases(text, expected):
    assert explore.redact_personal_data(text) == expected


def test_redaction_refuses_non_text():
    with pytest.raises(TypeError, match="needs text"):
        explore.redact_personal_data(None)


# --- retrieval metrics ---------------------------------------------------------------------------------

SIM = pd.DataFrame(
    [[0.9, 0.1, 0.5], [0.2, 0.2, 0.8], [0.3, 0.6, 0.1], [0.4, 0.4, 0.4]],
    index=["q1", "q2", "q3", "q4"],
    columns=["e1", "e2", "e3"],
)
ENTRY_TOPICS = {"e1": "garbage", "e2": "tax", "e3": "water"}


def test_answer_ranks_count_strictly_higher_scores_and_ties_share_the_better_rank():
    ranks = metrics.answer_ranks(SIM, ENTRY_TOPICS, {"q1": "garbage", "q2": "tax", "q3": "water", "q4": "tax"})
    assert ranks.tolist() == [1, 2, 3, 1]


def test_answer_ranks_are_missing_when_no_entry_answers():
    ranks = metrics.answer_ranks(SIM, ENTRY_TOPICS, {"q1": None, "q2": "visa", "q3": "water", "q4": "tax"})
    assert math.isnan(ranks["q1"]) and math.isnan(ranks["q2"]) and ranks["q3"] == 3


def test_answer_ranks_use_the_best_placed_of_several_right_entries():
    sim = SIM.assign(e4=[0.95, 0.0, 0.0, 0.0])
    ranks = metrics.answer_ranks(sim, {**ENTRY_TOPICS, "e4": "water"}, {"q1": "water", "q2": "x", "q3": "x", "q4": "x"})
    assert ranks["q1"] == 1


def test_answer_ranks_need_a_topic_for_every_row_and_column():
    with pytest.raises(ValueError, match="question 'q4'"):
        metrics.answer_ranks(SIM, ENTRY_TOPICS, {"q1": "tax", "q2": "tax", "q3": "tax"})
    with pytest.raises(ValueError, match="entry 'e3'"):
        metrics.answer_ranks(SIM, {"e1": "a", "e2": "b"}, {q: "a" for q in SIM.index})


def test_recall_at_k_and_mrr():
    ranks = [1, 2, 3, float("nan")]
    recall = metrics.retrieval_recall_at_k(ranks, [1, 2, 3, 10])
    assert recall.tolist() == [0.25, 0.5, 0.75, 0.75]
    assert recall.index.name == "k"
    assert metrics.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 2 + 1 / 3 + 0) / 4)
    assert metrics.mean_reciprocal_rank([1, 1]) == 1.0


@pytest.mark.parametrize("bad", [[], [0, 1]])
def test_rank_metrics_refuse_empty_or_impossible_ranks(bad):
    with pytest.raises(ValueError):
        metrics.mean_reciprocal_rank(bad)
    with pytest.raises(ValueError):
        metrics.retrieval_recall_at_k(bad, [1])


def test_abstention_curve_counts_wrong_answers_over_all_questions():
    curve = metrics.abstention_curve([0.9, 0.6, 0.4, 0.2], [True, False, True, False], [0.0, 0.5, 0.95])
    assert curve["coverage"].tolist() == [1.0, 0.5, 0.0]
    assert curve["wrong_rate"].tolist() == [0.5, 0.25, 0.0]
    assert curve["precision"].iloc[1] == 0.5 and math.isnan(curve["precision"].iloc[2])
    with pytest.raises(ValueError, match="one value per case"):
        metrics.abstention_curve([0.1, 0.2], [True], [0.5])


# --- FAQ index and the assistant ------------------------------------------------------------------------

def test_faq_index_scores_are_cosines_and_search_finds_the_right_entry(faq):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    sim = index.similarity(pd.Series(["燃えるごみの日は何曜日ですか", "How do I apply for a My Number Card?"], index=["a", "b"]))
    assert list(sim.index) == ["a", "b"] and sim.shape[1] == (faq["city"] == "City A").sum()
    assert ((sim.to_numpy() >= 0) & (sim.to_numpy() <= 1 + 1e-9)).all()
    top = index.search("How do I apply for a My Number Card?", k=3)
    assert len(top) == 3 and top["score"].is_monotonic_decreasing
    assert faq.set_index("faq_id").loc[top["faq_id"].iloc[0], "topic"] == "mynumber_apply"


def test_faq_index_refuses_an_empty_base(faq):
    with pytest.raises(ValueError, match="empty"):
        explore.FaqIndex(faq.iloc[:0])


def test_reply_redacts_first_and_hands_over_below_the_threshold(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    question = "what day is burnable garbage collected? call me on 090-1234-5678"
    answered = explore.front_desk_reply(question, index, router, threshold=0.0)
    assert answered.redacted.endswith("[PHONE]") and "090" not in answered.text()
    assert answered.answered and "Source: City A FAQ" in answered.reply and answered.matches["faq_id"].iloc[0] in answered.reply
    assert answered.department in set(faq["department"])
    handed = explore.front_desk_reply(question, index, router, threshold=1.01)
    assert not handed.answered and "member of staff" in handed.reply
    japanese = explore.front_desk_reply("燃えるごみの日は何曜日ですか", index, router, threshold=1.01)
    assert "担当職員" in japanese.reply
    with pytest.raises(ValueError, match="empty"):
        explore.front_desk_reply("  ", index, router, 0.2)


def test_reply_uses_the_redaction_it_is_given(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    reply = explore.front_desk_reply("garbage day?", index, router, 0.2, redact=lambda t: t.upper())
    assert reply.redacted == "GARBAGE DAY?"


def test_explorer_follows_its_controls(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    widget = explore.explore_front_desk(index, router, threshold=0.0)
    assert widget.reply.answered and "[PHONE]" in widget.summary_html.value
    widget.threshold.value = 1.0
    assert not widget.reply.answered and "hand over to a person" in widget.summary_html.value
    widget.question.value = "マイナンバーは1234 5678 9018です"
    assert widget.reply.redacted == "マイナンバーは[MY_NUMBER]です"
    widget.question.value = "   "
    assert "Type a question" in widget.summary_html.value


def test_explorer_draws_into_an_image_widget_with_alt_text(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    widget = explore.FrontDeskExplorer(index, router, threshold=0.3, draw=True)
    assert bytes(widget.figure.value).startswith(b"\x89PNG") and "Figure:" in widget.summary_html.value


def test_draw_front_desk_has_labels_alt_text_and_the_threshold(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    ax = explore.draw_front_desk(explore.front_desk_reply("garbage day?", index, router, 0.25), show=False)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "threshold of 0.25" in plots.alt_text(ax)
    assert any(abs(line.get_xdata()[0] - 0.25) < 1e-9 for line in ax.get_lines())


def test_draw_front_desk_labels_end_on_whole_words(faq, router):
    index = explore.FaqIndex(faq[faq["city"] == "City A"])
    reply = explore.front_desk_reply("garbage day? moving in, my number card", index, router, 0.25)
    ax = explore.draw_front_desk(reply, show=False)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    full = {f"{f}: {q}" for f, q in zip(reply.matches["faq_id"], reply.matches["question_en"])}
    assert len(labels) == len(reply.matches) and any(label.endswith(" …") for label in labels)
    for label in labels:
        if label.endswith(" …"):
            kept = label[: -len(" …")]
            assert any(f.startswith(kept + " ") for f in full), f"{label!r} cuts a word in the middle"
        else:
            assert label in full, f"{label!r} is neither a whole question nor cut at a space"


# --- the confusion-matrix figure ---------------------------------------------------------------------------

def test_plot_confusion_writes_every_count_and_has_labels_and_alt_text():
    matrix = pd.DataFrame([[5, 1], [2, 7]], index=["Tax", "Water"], columns=["Tax", "Water"])
    ax = plots.plot_confusion(matrix, title="Routing", xlabel="Predicted", ylabel="True", alt="Mostly right.")
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["1", "2", "5", "7"]
    assert ax.get_title() == "Routing" and ax.get_xlabel() == "Predicted" and ax.get_ylabel() == "True"
    assert plots.alt_text(ax) == "Mostly right."
    assert len([p for p in ax.patches if not p.get_fill()]) == 2, "the diagonal is outlined"


def test_plot_confusion_requires_labels_and_data():
    matrix = pd.DataFrame([[1]], index=["a"], columns=["a"])
    with pytest.raises(ValueError, match="alt"):
        plots.plot_confusion(matrix, title="t", xlabel="x", ylabel="y", alt="")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_confusion(pd.DataFrame(), title="t", xlabel="x", ylabel="y", alt="a")


# --- the lab's blank answer cells ----------------------------------------------------------------------------

def test_lab_answer_cells_left_blank_run_without_errors():
    """A student who runs an untouched answer cell sees no traceback: the lines after the stub cope with `...`.

    Each cell runs in an empty namespace, so it may only touch names it defines itself before the guard.
    """
    import json
    from pathlib import Path

    lab = Path(__file__).resolve().parents[2] / "release" / "04-ai-front-desk" / "04-ai-front-desk-lab.ipynb"
    cells = [c for c in json.loads(lab.read_text(encoding="utf-8"))["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith("-answer") and c["cell_type"] == "code"]
    from course import manifest

    autos = [q for q in manifest.load("04-ai-front-desk").questions if q.kind == "auto"]
    assert len(cells) == len(autos) >= 11
    for cell in cells:
        exec(compile("".join(cell["source"]), cell["metadata"]["nbgrader"]["grade_id"], "exec"), {})  # noqa: S102
