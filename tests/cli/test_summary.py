"""What the sync's closing summary says beyond row counts."""

from pipelines.cli import print_report
from pipelines.sync import SyncReport


def test_a_server_that_slowed_under_the_requests_is_named_with_what_the_sync_kept(capsys):
    report = SyncReport(api="v4", project_ids=["p"], requests=114, peak_in_flight=16, slowed_server_limit=3)
    report.rows["observations"] = 65_301
    print_report(report)
    assert "requests in flight were cut back to 3 (from up to 16)" in capsys.readouterr().out


def test_a_server_that_kept_up_is_not_mentioned(capsys):
    report = SyncReport(api="v4", project_ids=["p"], requests=10, peak_in_flight=16)
    report.rows["observations"] = 1_000
    print_report(report)
    assert "slowed" not in capsys.readouterr().out
