"""symbols: the one-pass scan of names, dotted chains and (in hunks) called names."""

from __future__ import annotations

from reviewapp.ordering.symbols import scan


def test_a_fragment_scan_notes_called_names_and_skips_url_hosts():
    """`parse (x)` and `pkg.load(` are calls; a URL host is no chain."""
    found = scan("value = parse (x) + pkg.load(y)\nsee https://docs.example.org/a.b", fragment=True)
    assert found.called == {"parse", "load"}
    assert "pkg.load" in found.chains
    assert not any("example" in chain for chain in found.chains)


def test_a_whole_file_scan_keeps_everything_and_notes_no_calls():
    found = scan("value = parse(x)  # https://docs.example.org")
    assert found.called == frozenset()
    assert "docs.example.org" in found.chains


def test_a_word_ending_a_sentence_is_no_chain():
    """"the argument." ends a sentence; `argument.name` is attribute access."""
    assert scan("pass the argument. Then", fragment=True).chains == frozenset()
    assert scan("argument.name", fragment=True).chains == {"argument.name"}
