"""A kill -9 inside dlt's normalize commit leaves a package twice; the next sync still finishes exactly."""

import shutil

from pipelines.sync import make_pipeline
from sources.langfuse import langfuse_source
from tests.sync.helpers import differences, options, sync


def test_a_package_left_both_extracted_and_normalized_is_loaded_once(sim, tmp_path):
    settings = options(sim, tmp_path, resources=["observations"])
    pipeline = make_pipeline(settings.location())
    project = settings.projects[0]
    source = langfuse_source(host=project.host, public_key=project.public_key, secret_key=project.secret_key,
                             resources=["observations"])
    pipeline.extract(source)
    [load_id] = pipeline.list_extracted_load_packages()
    extracted = tmp_path / "dlt" / "langfuse_warehouse" / "normalize" / "extracted" / load_id
    backup = tmp_path / "extracted-copy"
    shutil.copytree(extracted, backup)
    pipeline.normalize()
    # What the kill leaves: the normalized package, the extracted one not yet deleted, and the
    # staging copy normalize builds under load/new.
    shutil.copytree(backup, extracted)
    load = tmp_path / "dlt" / "langfuse_warehouse" / "load"
    shutil.copytree(load / "normalized" / load_id, load / "new" / load_id)
    report = sync(sim, tmp_path, resources=["observations"])
    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []
