from hypothesis import given
from hypothesis import strategies as st
from tabulate import tabulate

from tracker.formats import Column, render, shorten, simple_table

ascii_cell = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


@given(
    headers=st.lists(ascii_cell.filter(lambda h: h.strip() == h and h), min_size=1, max_size=5),
    data=st.data(),
)
def test_simple_table_matches_tabulate(headers, data):
    rows = data.draw(
        st.lists(st.lists(ascii_cell, min_size=len(headers), max_size=len(headers)), max_size=6)
    )
    expected = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    assert simple_table(headers, rows) == expected


def test_non_ascii_cells_go_through_tabulate():
    """tabulate measures wide characters (with wcwidth, when installed); the fast path
    counts characters, so it only takes plain ASCII."""
    columns = [Column("a", "A"), Column("b", "B")]
    records = [{"a": "引用引用", "b": "x"}, {"a": "Xi–Biden", "b": "y"}]
    rows = [["引用引用", "x"], ["Xi–Biden", "y"]]
    assert render(records, columns, output_format="table") == tabulate(
        rows, headers=["A", "B"], tablefmt="simple", disable_numparse=True
    )


def test_shrinking_to_the_terminal_width():
    columns = [Column("id", "ID"), Column("title", "Title", shrink=True)]
    records = [{"id": "AI-1", "title": "A very long title that will not fit in a narrow terminal"}]
    out = render(records, columns, output_format="table", width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert out.splitlines()[2].endswith("…")
    assert shorten("a  b\nc", 10) == "a b c"
