"""Page sizes after a query too heavy for the server (``paging.PageSize``)."""

from sources.langfuse.paging import PageSize, camel_case


def test_a_cursor_read_quarters_its_page_after_a_422_and_grows_back_to_the_end_of_the_refused_page():
    """Rows 563-565 of a read are 2 MB documents, with a 5 MB cap (the simulator's heavy traces)."""
    size = PageSize(1000)
    assert size.shrink() and size.limit == 250  # 1,000 rows from row 0 were refused
    size.passed(250)
    assert size.limit == 500  # doubles: rows 250-749 end short of the refused page's last row (999)
    assert size.shrink() and size.limit == 125  # refused (all three documents): 500 is now the smallest
    size.passed(125)
    assert size.limit == 250
    assert size.shrink() and size.limit == 62  # rows 375-624: refused, the smallest is 250
    size.passed(62)
    size.passed(124)  # rows 437-560
    assert size.limit == 63  # never past the refused page's last row: 250 - 186 - 1
    assert size.shrink() and size.limit == 15
    assert size.shrink() and size.limit == 3
    size.passed(3)  # rows 561-563: one document
    assert size.limit == 6
    size.passed(6)
    assert size.limit == 5  # 15 - 9 - 1
    size.passed(5)
    assert size.limit == 1000  # all of the refused page but its last row has passed: full pages again


def test_offset_pages_halve_after_a_422_and_double_back_where_the_offset_allows():
    size = PageSize(1000)
    assert size.shrink(offset=0) and size.limit == 500
    assert size.shrink(offset=0) and size.limit == 250
    size.passed(100, next_offset=1000)
    assert size.limit == 500
    size.passed(100, next_offset=2000)
    size.passed(100, next_offset=3000)
    assert size.limit == 1000  # never above the maximum


def test_a_single_row_page_cannot_shrink():
    size = PageSize(1)
    assert not size.shrink()
    assert size.limit == 1


def test_offset_pages_keep_a_size_that_divides_the_rows_already_read():
    size = PageSize(100)
    assert size.shrink(offset=300) and size.limit == 50
    assert size.shrink(offset=350) and size.limit == 25
    assert size.shrink(offset=375) and size.limit == 5  # the largest size up to 12 that divides 375
    size.passed(100, next_offset=380)
    assert size.limit == 10 and 380 % size.limit == 0
    size.passed(100, next_offset=390)
    assert size.limit == 10  # 20 does not divide 390: page numbers would skip rows


def test_api_names_of_snake_case_columns():
    assert camel_case("start_time") == "startTime"
    assert camel_case("timestamp") == "timestamp"
