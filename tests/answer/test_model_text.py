"""Template leaks and inline thinking are cleaned out of what a model streams, at any chunk boundary."""

from __future__ import annotations

import pytest

from pam.answer.model_text import ModelTextFilter, clean_model_text


def streamed(text: str, size: int) -> str:
    cleaner = ModelTextFilter()
    out = [cleaner.feed(text[i : i + size]) for i in range(0, len(text), size)]
    return "".join(out) + cleaner.finish()


CASES = [
    ("Refunds take 14 days [1].", "Refunds take 14 days [1]."),
    ("Refunds take 14 days [1].</s>", "Refunds take 14 days [1]."),
    ("Refunds take 14 days [1].<|im_end|>\n<|im_start|>user\nThanks!", "Refunds take 14 days [1]."),
    ("Refunds take 14 days.<end_of_turn>\n<start_of_turn>user\nmore", "Refunds take 14 days."),
    ("Refunds take 14 days. [INST] And gift cards? [/INST] No refund.", "Refunds take 14 days. "),
    ("[/INST] Refunds take 14 days.", "Refunds take 14 days."),
    ("</SYS>>", ""),
    ("<SYS>>\nRefunds take 14 days.<</SYS> More.", "Refunds take 14 days. More."),
    (
        " <<SYS>>\n\nRefunds take 14 days [1].\n<</SYS>> Gift cards excluded.",
        "Refunds take 14 days [1].\n Gift cards excluded.",
    ),
    ("<|im_start|>assistant\nRefunds take 14 days.", "Refunds take 14 days."),
    ("<start_of_turn>model\nRefunds take 14 days.<end_of_turn>", "Refunds take 14 days."),
    ("<think>The user asks about refunds.</think>Refunds take 14 days.", "Refunds take 14 days."),
    ("<think>still thinking and never stopping", ""),
    ("Use a[i] and <b>bold</b> or x < y [2].", "Use a[i] and <b>bold</b> or x < y [2]."),
    ("Ends with a bracket [", "Ends with a bracket ["),
    ("Ends with <|im", "Ends with <|im"),
]


@pytest.mark.parametrize(("raw", "clean"), CASES)
@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_cleaned_whatever_the_chunk_size(raw: str, clean: str, size: int) -> None:
    assert streamed(raw, size) == clean
    assert clean_model_text(raw) == clean


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_the_model_writing_the_next_question_itself_ends_its_answer(size: int) -> None:
    cleaner = ModelTextFilter(turn_labels=("Question:",))
    raw = "DAU counts distinct users [1].\n\nQuestion: And WAU?\nAnswer: weekly."
    out = [cleaner.feed(raw[i : i + size]) for i in range(0, len(raw), size)]
    assert "".join(out) + cleaner.finish() == "DAU counts distinct users [1].\n"
    assert ModelTextFilter(turn_labels=("Question:",)).feed("Question: is echoed first") != ""


def test_after_the_end_of_the_turn_everything_is_ignored() -> None:
    cleaner = ModelTextFilter()
    assert cleaner.feed("Done.<|eot_id|>") == "Done."
    assert cleaner.stopped
    assert cleaner.feed("<|start_header_id|>user<|end_header_id|> more") == ""
    assert cleaner.finish() == ""
