"""Write resident_inquiries_synthetic.csv: SYNTHETIC residents' questions to two cities' front desks, labelled.

Run it from the repository root:

    python course/data/resident_inquiries/make_resident_inquiries.py [--out PATH]

Each question is put together from phrasings written for the course (how residents
ask about each topic, in English and Japanese: casual, misspelt, run-on), with
optional greetings, closing words and, in some questions, invented personal data
(phone numbers, e-mail addresses at reserved .example domains, and 12-digit numbers
that pass or fail the My Number check digit). Labels: the department that owns the
question, and the FAQ topic that answers it (empty when no FAQ entry in either city
answers it: those need a person). See DATASHEET.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "front_desk_faq"))
from make_front_desk_faq import DEPARTMENTS, TOPICS  # noqa: E402

SEED = 20240126  # the day of the Tokyo-Hiroshima agreement; any fixed number would do
FILE_NAME = "resident_inquiries_synthetic.csv"
PER_TOPIC = 5  # questions per (city, topic, language)
PER_OPEN_QUESTION = 2  # questions per (city, open question, language)

# Questions that no FAQ entry answers: each department still owns them, a person must answer.
OPEN_QUESTIONS = {
    "Citizen Affairs": (
        ["can you tell me my ex-husband's new address, I know he moved here", "Can I renew my visa at city hall?"],
        ["元夫がこの市に引っ越したはずなので住所を教えてください", "ビザの更新は市役所でできますか"],
    ),
    "Tax": (
        ["I already paid my tax but got a reminder letter, why?", "how much resident tax will I pay next year if I earn 4 million yen"],
        ["払ったはずの税金の督促状が届きました", "年収400万円だと来年の住民税はいくらですか"],
    ),
    "Health Insurance and Pension": (
        ["my hospital bill was huge, can I get part of it back", "which pediatric clinic near the station is good"],
        ["入院費がとても高かったのですが戻ってきますか", "駅の近くでいい小児科を教えてください"],
    ),
    "Child and Family": (
        ["my child is being bullied at school, who can help us", "the nursery teacher was rude to me and I want to complain"],
        ["子どもが学校でいじめられています", "保育園の先生の対応について苦情を言いたいです"],
    ),
    "Elderly and Long-term Care": (
        ["can the city pay for my mother's nursing home", "my dad has dementia and he hasn't come home since this morning"],
        ["母の施設の費用を市で負担してもらえますか", "認知症の父が朝から帰ってきません"],
    ),
    "Waste and Recycling": (
        ["my neighbour puts garbage out on the wrong day, can you warn him", "crows keep scattering the rubbish at our collection point"],
        ["隣の人がごみの日を守りません。注意してほしい", "カラスがごみ置き場を荒らして困っています"],
    ),
    "Water and Sewerage": (
        ["the tap water is brown this morning, is it safe to drink", "the manhole cover on my street is broken"],
        ["朝から水道の水が茶色いです。飲んでも大丈夫?", "家の前のマンホールのふたが壊れています"],
    ),
    "Disaster Prevention": (
        ["is it true a big earthquake is coming this week?", "is there a subsidy to make my old house earthquake resistant"],
        ["今週大きな地震が来るって本当ですか", "古い家の耐震改修に補助金はありますか"],
    ),
}

OPENERS = {
    "en": ["Hello, ", "Hi! ", "Excuse me, ", "Good morning. ", "Sorry to bother you, ", "Quick question: "],
    "ja": ["すみません、", "こんにちは。", "お忙しいところ失礼します。", "質問です。", "あの、"],
}
CLOSERS = {
    "en": [" Thanks.", " thank you in advance", " Please help.", " Thanks a lot!", " (sorry for my english)"],
    "ja": ["よろしくお願いします。", "教えてください。", "至急お願いします。", "ありがとうございます。"],
}
# Invented personal data. 12-digit numbers come from obviously made-up patterns (sequences,
# repeated digits) completed with a valid check digit, as in published examples.
PHONES = ["03-1234-5678", "090-1234-5678", "080 9876 5432", "06-6123-4567", "07012345678", "+81 90-0000-1234"]
EMAILS = ["taro.yamada@example.com", "hanako_s+city@mail.example.org", "J.Smith@Example.COM", "kaigo.family@example.net"]
MY_NUMBER_STEMS = ["12345678901", "11111111111", "22222222222", "98765432109", "12121212121", "55555555555"]
DECOYS = {  # numbers that are NOT personal data: must not be redacted
    "en": ["(receipt no. {bad12})", "my customer number is 4521-0098", "I called on 2025-04-01"],
    "ja": ["(受付番号{bad12})", "お客様番号は4521-0098です", "2025年4月1日に電話しました"],
}


def check_digit(first_eleven: str) -> int:
    """The My Number check digit for 11 digits (the MIC ordinance's rule; see DATASHEET.md)."""
    total = sum(int(d) * (n + 1 if n <= 6 else n - 5) for n, d in enumerate(reversed(first_eleven), start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def _my_number(rng: np.random.Generator) -> str:
    stem = MY_NUMBER_STEMS[rng.integers(len(MY_NUMBER_STEMS))]
    number = stem + str(check_digit(stem))
    style = rng.integers(3)
    if style == 1:
        return f"{number[:4]} {number[4:8]} {number[8:]}"
    if style == 2:
        return f"{number[:4]}-{number[4:8]}-{number[8:]}"
    return number


def _bad_twelve(rng: np.random.Generator) -> str:
    stem = MY_NUMBER_STEMS[rng.integers(len(MY_NUMBER_STEMS))]
    return stem + str((check_digit(stem) + 1 + rng.integers(9)) % 10)


def _to_full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def _personal(rng: np.random.Generator, language: str) -> tuple[str, str]:
    kind = ("phone", "email", "my_number")[rng.integers(3)]
    if kind == "phone":
        value = PHONES[rng.integers(len(PHONES))]
        if language == "ja" and rng.random() < 0.3 and not value.startswith("+"):
            value = _to_full_width(value)
        text = f" call me back on {value}" if language == "en" else f"電話番号は{value}です。"
    elif kind == "email":
        value = EMAILS[rng.integers(len(EMAILS))]
        text = f" my email is {value}" if language == "en" else f"連絡先:{value}"
    else:
        value = _my_number(rng)
        if language == "ja" and rng.random() < 0.3:
            value = _to_full_width(value)
        text = f" My Number: {value}." if language == "en" else f"マイナンバーは{value}です。"
    return text, kind


def _compose(rng: np.random.Generator, core: str, language: str) -> tuple[str, str]:
    text = core
    if rng.random() < 0.4:
        opener = OPENERS[language][rng.integers(len(OPENERS[language]))]
        text = opener + (text[0].lower() + text[1:] if language == "en" and not text.startswith("I ") else text)
    if language == "ja" and not text.endswith(("?", "。", "!", "か")) and rng.random() < 0.5:
        text += "。"
    if rng.random() < 0.3:
        text += CLOSERS[language][rng.integers(len(CLOSERS[language]))]
    kind = ""
    if rng.random() < 0.18:
        addition, kind = _personal(rng, language)
        text += addition
    elif rng.random() < 0.06:
        decoy = DECOYS[language][rng.integers(len(DECOYS[language]))].format(bad12=_bad_twelve(rng))
        text += (" " if language == "en" else "") + decoy
    if language == "en" and rng.random() < 0.25:
        text = text.lower()
    return text, kind


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the labelled questions, shuffled, one row per question."""
    rng = np.random.default_rng(seed)
    rows = []
    for city in ("City A", "City B"):
        for language in ("en", "ja"):
            for t in TOPICS:
                phrasings = t[f"ask_{language}"]
                for i in range(PER_TOPIC):
                    text, kind = _compose(rng, phrasings[i % len(phrasings)], language)
                    phrasing = f"{t['topic']}-{language}{i % len(phrasings) + 1}"
                    rows.append((city, language, text, t["department"], t["topic"], phrasing, kind))
            for department, (english, japanese) in OPEN_QUESTIONS.items():
                for j, core in enumerate(english if language == "en" else japanese, start=1):
                    for _ in range(PER_OPEN_QUESTION):
                        text, kind = _compose(rng, core, language)
                        phrasing = f"open-{DEPARTMENTS.index(department) + 1}-{language}{j}"
                        rows.append((city, language, text, department, "", phrasing, kind))
    frame = pd.DataFrame(rows, columns=["city", "language", "text", "department", "topic", "phrasing_id", "personal_data"])
    frame = frame.drop_duplicates(subset=["city", "text"]).reset_index(drop=True)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame.insert(0, "inquiry_id", [f"Q{i:04d}" for i in range(1, len(frame) + 1)])
    assert set(frame["department"]) == set(DEPARTMENTS)
    return frame


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
