from hypothesis import given
from hypothesis import strategies as st
from tabulate import tabulate

from tracker.formats import Column, display_width, render, shorten, simple_table

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


def test_wide_characters_line_up_by_display_width():
    """Wide East Asian characters take two columns; the table pads by display width, so the
    columns line up on a terminal (and colour survives, unlike a tabulate fallback)."""
    columns = [Column("a", "A"), Column("b", "B")]
    records = [{"a": "引用引用", "b": "x"}, {"a": "Xi–Biden", "b": "y"}]
    lines = render(records, columns, output_format="table").splitlines()
    assert [display_width(line.split("  ")[0]) for line in lines[2:]] == [8, 8]
    assert lines[2].endswith("x") and lines[3].endswith("y")
    assert display_width("引用") == 4 and display_width("é") == 1 and display_width("e\u0301") == 1


def test_fitting_drops_optional_columns_after_shrinking():
    columns = [Column("id", "ID"), Column("extra", "Extra", optional=True),
               Column("title", "Title", shrink=True)]  # fmt: skip
    records = [{"id": "AI-1", "extra": "x" * 30, "title": "A title of some length here"}]
    out = render(records, columns, output_format="table", width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert "Extra" not in out


def test_shrinking_to_the_terminal_width():
    columns = [Column("id", "ID"), Column("title", "Title", shrink=True)]
    records = [{"id": "AI-1", "title": "A very long title that will not fit in a narrow terminal"}]
    out = render(records, columns, output_format="table", width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert out.splitlines()[2].endswith("…")
    assert shorten("a  b\nc", 10) == "a b c"
