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
    ("<<SYS>>You are PAM, a precise analyst<</SYS>>Refunds take 14 days.", "Refunds take 14 days."),
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


def test_after_the_end_of_the_turn_everything_is_ignored() -> None:
    cleaner = ModelTextFilter()
    assert cleaner.feed("Done.<|eot_id|>") == "Done."
    assert cleaner.stopped
    assert cleaner.feed("<|start_header_id|>user<|end_header_id|> more") == ""
    assert cleaner.finish() == ""
