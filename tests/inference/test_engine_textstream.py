"""Incremental detokenization: whole characters only, stop strings held back then cut."""

from __future__ import annotations

from inference.textstream import TextStream, emit_tokens
from inference.tiny import byte_tokenizer

TOKENIZER = byte_tokenizer()


def ids(text: str) -> list[int]:
    return TOKENIZER(text, add_special_tokens=False)["input_ids"]


def test_multibyte_characters_appear_whole():
    """A character split over several byte tokens is shown once all its bytes arrived."""
    stream = TextStream(TOKENIZER)
    first, second = ids("é")
    assert stream.push(first) == ""
    assert stream.push(second) == "é"


def test_possible_stop_prefix_is_held_back_until_resolved():
    """Text that could begin a stop string is withheld, then released when it cannot."""
    stream = TextStream(TOKENIZER, stop=["```"])
    shown = [stream.push(t) for t in ids("a``b")]
    assert shown == ["a", "", "", "``b"]
    assert stream.finish() == ""
    assert stream.text == "a``b"


def test_stop_string_cuts_the_text_and_ends_emission():
    """emit_tokens stops at the token completing a stop string and drops the stop string."""
    stream = TextStream(TOKENIZER, stop=["END"])
    out: list[int] = []
    text, done = emit_tokens(stream, ids("x = 1\nEND more"), out, set(), 100)
    assert (text, done) == ("x = 1\n", "stop")
    assert stream.text == "x = 1\n"


def test_end_of_sequence_and_length_end_emission():
    """An end-of-sequence id ends emission without being appended; so does the length cap."""
    eos = TOKENIZER.eos_token_id
    out: list[int] = []
    text, done = emit_tokens(TextStream(TOKENIZER), [*ids("ab"), eos, *ids("c")], out, {eos}, 9)
    assert (text, done, out) == ("ab", "eos", ids("ab"))
    out = []
    text, done = emit_tokens(TextStream(TOKENIZER), ids("abcdef"), out, {eos}, 4)
    assert (text, done) == ("abcd", "length")
