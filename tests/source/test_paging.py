"""Page sizes after a query too heavy for the server (``paging.PageSize``)."""

from sources.langfuse.paging import PageSize, camel_case


def test_a_422_halves_the_page_and_each_page_that_passes_doubles_it_back():
    size = PageSize(1000)
    assert size.shrink() and size.limit == 500
    assert size.shrink() and size.limit == 250
    size.passed()
    assert size.limit == 500
    size.passed()
    size.passed()
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
    size.passed(next_offset=380)
    assert size.limit == 10 and 380 % size.limit == 0
    size.passed(next_offset=390)
    assert size.limit == 10  # 20 does not divide 390: page numbers would skip rows


def test_api_names_of_snake_case_columns():
    assert camel_case("start_time") == "startTime"
    assert camel_case("timestamp") == "timestamp"
