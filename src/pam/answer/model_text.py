"""Cleans what a model streams before it becomes answer text: chat-template leaks and thinking.

Local servers with a mismatched chat template let the template's special tokens through as text
(``[/INST]``, ``<</SYS>>``, ``<|im_end|>``, ``<end_of_turn>``), and reasoning models served without
a reasoning parser write their thinking inline (``<think>…</think>``). Left alone, the reader sees
template debris, or the model's next imagined turn of the conversation.

- A thinking block is dropped; one never closed drops everything after its opening tag.
- An end-of-turn token (``</s>``, ``<|im_end|>``, ``<|eot_id|>``, ``<end_of_turn>``, …) or the start
  of a new turn (``[INST]``, ``<|im_start|>``, ``<start_of_turn>``, …) after some text ends the
  answer: what follows is the model talking to itself. Before any text they are dropped, with the
  role name a turn header carries ("assistant", "model").
- Other template markers (``[/INST]``, ``<<SYS>>``/``<</SYS>>`` and their mangled forms, ``<bos>``, …)
  are dropped. What a small model writes between ``<<SYS>>`` and ``<</SYS>>`` is often its whole
  answer: it stays.

Streaming: a possible marker not complete yet (``"… <|im_"``) is held back until the next chunk
decides it; ``finish()`` releases what is left.
"""

from __future__ import annotations

import re

_END = ("</s>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<eos>",
        "<|endoftext|>", "<|end_of_text|>")  # fmt: skip
_NEW_TURN = ("[INST]", "<|im_start|>", "<start_of_turn>", "<|start_header_id|>", "<|user|>")
# Small models mangle llama-2's system markers too: "<SYS>>", "</SYS>>", "<</SYS>" ...
_SYS = tuple(f"{o}{s}SYS{c}" for o in ("<", "<<") for s in ("", "/") for c in (">", ">>"))
_DROP = ("[/INST]", *_SYS, "<|assistant|>", "<|system|>", "<|end_header_id|>", "<bos>", "<s>")
_THINK_OPEN = ("<think>", "<thinking>", "<reasoning>")
_THINK_CLOSE = {"<think>": "</think>", "<thinking>": "</thinking>", "<reasoning>": "</reasoning>"}
_MARKERS = (*_END, *_NEW_TURN, *_DROP, *_THINK_OPEN)
_ROLES = ("assistant", "Assistant", "ASSISTANT", "model")
_ROLE = re.compile(r"\s*(?:" + "|".join(_ROLES) + r")(?!\w)")


class ModelTextFilter:
    def __init__(self, turn_labels: tuple[str, ...] = ()) -> None:
        """``turn_labels``: how the prompt labels a user turn (e.g. "Question:"); one at the start of
        a line after some text is the model writing the next question itself, and ends the answer."""
        self._new_turn = (*_NEW_TURN, *(f"\n{label}" for label in turn_labels))
        self._markers = (*_MARKERS, *self._new_turn[len(_NEW_TURN) :])
        self._marker = re.compile(
            "|".join(re.escape(m) for m in sorted(self._markers, key=len, reverse=True))
        )
        self._pending = ""
        self._wrote = False
        self._stopped = False
        # The closing tag of the thinking block being dropped.
        self._until: str | None = None
        # A turn header opened the text: the role name after it ("assistant") is not the answer.
        self._role_next = False

    @property
    def stopped(self) -> bool:
        """The answer ended at an end-of-turn or new-turn marker; later text is ignored."""
        return self._stopped

    def feed(self, chunk: str) -> str:
        if self._stopped:
            return ""
        buf = self._pending + chunk
        self._pending = ""
        out: list[str] = []
        while buf and not self._stopped:
            if self._role_next:
                head = buf.lstrip()
                if any(role.startswith(head) for role in _ROLES):
                    self._pending = buf  # "assist" could still become the role name
                    return self._emit(out)
                role = _ROLE.match(buf)
                buf = buf[role.end() :] if role else buf
                self._role_next = False
                continue
            if self._until is not None:
                end = buf.find(self._until)
                if end < 0:
                    # Keep only what could be the start of the closing tag.
                    self._pending = _held_prefix(buf, (self._until,))
                    return self._emit(out)
                buf = buf[end + len(self._until) :]
                self._until = None
                continue
            match = self._marker.search(buf)
            if match is None:
                held = _held_prefix(buf, self._markers)
                out.append(buf[: len(buf) - len(held)])
                self._pending = held
                break
            if match.end() == len(buf) and any(
                m != match.group(0) and m.startswith(match.group(0)) for m in self._markers
            ):
                # "<SYS>" at the end of a chunk may still become "<SYS>>".
                out.append(buf[: match.start()])
                self._pending = buf[match.start() :]
                break
            out.append(buf[: match.start()])
            buf = self._after_marker(match.group(0), buf[match.end() :], "".join(out))
        return self._emit(out)

    def finish(self) -> str:
        rest, self._pending = self._pending, ""
        if self._stopped or self._until is not None:
            return ""
        return self._emit([rest])

    def _after_marker(self, marker: str, rest: str, written: str) -> str:
        """Act on one marker; the text left to read."""
        has_text = self._wrote or bool(written.strip())
        if marker in _THINK_CLOSE:
            self._until = _THINK_CLOSE[marker]
            return rest
        if marker in _END or marker in self._new_turn:
            if has_text:
                self._stopped = True
                return ""
            self._role_next = marker in _NEW_TURN
        return rest

    def _emit(self, out: list[str]) -> str:
        text = "".join(out)
        if not self._wrote:
            # Leading whitespace left over from a dropped marker is not part of the answer.
            text = text.lstrip()
        if text:
            self._wrote = True
        return text


def _held_prefix(buf: str, markers: tuple[str, ...]) -> str:
    """The tail of ``buf`` that could still grow into one of ``markers``."""
    starts = {m[0] for m in markers}
    for i in range(max(0, len(buf) - max(len(m) for m in markers)), len(buf)):
        if buf[i] in starts and any(m.startswith(buf[i:]) for m in markers):
            return buf[i:]
    return ""


def clean_model_text(text: str) -> str:
    """Non-streaming form, for a whole text."""
    cleaned = ModelTextFilter()
    return cleaned.feed(text) + cleaned.finish()
