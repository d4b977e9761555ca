"""Verification runs: started by the city (or the ministry, or the nightly beat), processed in
chunks, counted once, finished once; the same data gives the same findings, run after run."""

import pytest
from django.contrib.auth import get_user_model

from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.jobs.models import Job
from pilot_portal.jobs.services import job_run, job_start
from pilot_portal.tenancy.models import City
from pilot_portal.verification import services
from pilot_portal.verification.models import (
    Finding,
    VerificationChunk,
    VerificationRun,
)
from pilot_portal.verification.tasks import verify_all_cities_nightly, verify_chunk
from tests.factories import BatchFactory, EnterpriseFactory, MembershipFactory
from tests.verification.runs_helpers import (
    fake_findings_for,
    use_fake_checks,
    verification_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_checks(monkeypatch):
    use_fake_checks(monkeypatch)


@pytest.fixture
def world(settings, fake_checks):
    settings.VERIFICATION_CHUNK_SIZE = 3
    return verification_world()


def start(capture, actor, city, **kwargs):
    with capture(execute=True):
        run = services.verification_start(actor, city, **kwargs)
    run.refresh_from_db()
    return run


def fingerprints(run):
    return set(Finding.objects.filter(run=run).values_list("code", "enterprise_id", "fingerprint"))


def test_it_verifies_every_enterprise_of_the_city_in_chunks(
    world, django_capture_on_commit_callbacks
):
    # given: seven enterprises, three to a chunk
    bad, warn, both, info = (world["enterprises"][i] for i in (1, 2, 4, 6))

    # when
    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # then
    assert (run.status, run.enterprise_count, run.chunks_total, run.chunks_done) == (
        "succeeded", 7, 3, 3,
    )  # fmt: skip
    assert run.started_by == world["admin"]
    assert run.finished_at is not None
    assert run.counts == {
        "error": 2, "warning": 2, "info": 1, "total": 5,
        "by_code": {"district_info": 1, "name_bad": 2, "name_warn": 2},
    }  # fmt: skip
    assert {(code, e) for code, e, _ in fingerprints(run)} == {
        ("name_bad", bad.pk), ("name_bad", both.pk), ("name_warn", warn.pk),
        ("name_warn", both.pk), ("district_info", info.pk),
    }  # fmt: skip
    assert [c.enterprise_ids for c in VerificationChunk.objects.filter(run=run)] == [
        [e.pk for e in world["enterprises"][0:3]],
        [e.pk for e in world["enterprises"][3:6]],
        [world["enterprises"][6].pk],
    ]
    assert set(VerificationChunk.objects.filter(run=run).values_list("done", "attempts")) == {
        (True, 1)
    }
    job = run.job
    assert (job.kind, job.status, job.progress, job.started_by) == (
        "verify_batch", "succeeded", 100, world["admin"],
    )  # fmt: skip
    assert job.params == {"run": run.pk, "batch": None}
    assert job.result == {"run": run.pk, "enterprises": 7, "counts": run.counts}


def test_a_batch_run_verifies_the_enterprises_that_applied_in_the_batch(
    world, django_capture_on_commit_callbacks
):
    # given: another batch with two applicants, one of them also in the first batch
    other = BatchFactory(city=world["city"])
    newcomer = EnterpriseFactory(city=world["city"], name="辛 BAD")
    for enterprise in (newcomer, world["enterprises"][0]):
        enterprise.applications.create(city=world["city"], batch=other, status="submitted")

    # when
    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"], batch=other)

    # then
    assert (run.batch, run.enterprise_count, run.chunks_total) == (other, 2, 1)
    assert run.job.params == {"run": run.pk, "batch": other.pk}
    assert {e for _, e, _ in fingerprints(run)} == {newcomer.pk}


@pytest.mark.parametrize("role", ["auditor", "finance", "district_officer"])
def test_only_the_city_administrator_starts_a_run(world, role):
    with pytest.raises(NotAllowed):
        services.verification_start(world[role], world["city"])

    assert VerificationRun.objects.count() == 0
    assert Job.objects.count() == 0


def test_another_city_s_administrator_cannot_start_a_run(world):
    stranger = MembershipFactory(role="city_admin").user

    with pytest.raises(NotAllowed):
        services.verification_start(stranger, world["city"])

    assert VerificationRun.objects.count() == 0


def test_it_refuses_a_second_run_of_the_same_scope_while_one_is_running(
    world, django_capture_on_commit_callbacks
):
    # given: a run whose tasks have not run yet
    with django_capture_on_commit_callbacks(execute=False):
        running = services.verification_start(world["admin"], world["city"])

    # when / then: the same scope is refused with the running run's number
    with pytest.raises(Conflict) as refused:
        services.verification_start(world["admin"], world["city"])
    assert refused.value.status_code == 409
    assert refused.value.extra == {"run": running.pk}
    assert VerificationRun.objects.count() == 1
    assert Job.objects.count() == 1

    # another scope (the batch) may run meanwhile
    batch_run = start(
        django_capture_on_commit_callbacks, world["admin"], world["city"], batch=world["batch"]
    )
    assert batch_run.status == "succeeded"

    # and once the first has finished, the city may run again
    job_run(job_id=running.job_id)
    assert VerificationRun.objects.get(pk=running.pk).status == "succeeded"
    again = start(django_capture_on_commit_callbacks, world["admin"], world["city"])
    assert again.status == "succeeded"


def test_progress_follows_the_chunks_and_the_last_chunk_finishes_the_run(
    world, django_capture_on_commit_callbacks
):
    # given: a run of three chunks, not dispatched
    with django_capture_on_commit_callbacks(execute=False):
        run = services.verification_start(world["admin"], world["city"])
    chunks = list(VerificationChunk.objects.filter(run=run))

    # when / then
    assert services.chunk_process(chunks[0].pk) is True
    run.refresh_from_db()
    assert (run.status, run.chunks_done, Job.objects.get(pk=run.job_id).progress) == (
        "running", 1, 33,
    )  # fmt: skip
    assert services.chunk_process(chunks[2].pk) is True
    assert Job.objects.get(pk=run.job_id).progress == 66
    assert services.chunk_process(chunks[1].pk) is True
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.counts["total"]) == ("succeeded", 3, 5)
    job = Job.objects.get(pk=run.job_id)
    assert (job.status, job.progress) == ("succeeded", 100)


def test_a_redelivered_chunk_changes_nothing(world, django_capture_on_commit_callbacks):
    # given: a finished run
    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"])
    before = fingerprints(run)
    finished_at = run.finished_at

    # when: every chunk's task, and the job's, are delivered again
    for chunk in VerificationChunk.objects.filter(run=run):
        assert verify_chunk.delay(chunk.pk).get() is False
    job_run(job_id=run.job_id)

    # then
    run.refresh_from_db()
    assert (run.chunks_done, run.finished_at) == (3, finished_at)
    assert fingerprints(run) == before
    assert Finding.objects.filter(run=run).count() == 5
    assert Job.objects.get(pk=run.job_id).attempts == 1


def test_a_chunk_processed_again_before_it_was_done_replaces_what_it_left(
    world, django_capture_on_commit_callbacks
):
    # given: a chunk that left a stray finding and was not marked done (an interrupted attempt)
    with django_capture_on_commit_callbacks(execute=False):
        run = services.verification_start(world["admin"], world["city"])
    chunk = VerificationChunk.objects.get(run=run, index=0)
    Finding.objects.create(
        city=world["city"], run=run, chunk=0, severity="error", code="stale",
        message_zh="旧", message_en="old", fingerprint="0" * 64,
    )  # fmt: skip

    # when
    services.chunk_process(chunk.pk)
    services.chunk_process(chunk.pk)

    # then: the chunk's findings are this attempt's, counted once
    assert set(Finding.objects.filter(run=run).values_list("code", flat=True)) == {
        "name_bad",
        "name_warn",
    }
    run.refresh_from_db()
    assert run.chunks_done == 1
    chunk.refresh_from_db()
    assert (chunk.done, chunk.attempts) == (True, 1)


def test_the_same_data_gives_the_same_findings_and_a_fixed_record_s_finding_goes(
    world, django_capture_on_commit_callbacks
):
    # given
    first = start(django_capture_on_commit_callbacks, world["admin"], world["city"])
    second = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # then: unchanged data, the same findings
    assert fingerprints(second) == fingerprints(first)

    # when: an official fixes a record
    bad = world["enterprises"][1]
    bad.name = "乙"
    bad.save(update_fields=["name"])
    third = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # then: its finding is gone, the others stay, and every run is kept
    assert fingerprints(third) == {f for f in fingerprints(first) if f[1] != bad.pk}
    assert third.counts["error"] == 1
    assert list(VerificationRun.objects.for_city(world["city"])) == [third, second, first]
    assert Finding.objects.filter(run=first).count() == 5


@pytest.mark.parametrize("size", [1, 2, 200])
def test_the_findings_do_not_depend_on_the_chunk_size(
    world, settings, size, django_capture_on_commit_callbacks
):
    reference = start(django_capture_on_commit_callbacks, world["admin"], world["city"])
    settings.VERIFICATION_CHUNK_SIZE = size

    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    assert run.chunks_total == -(-7 // size)
    assert fingerprints(run) == fingerprints(reference)


def test_a_chunk_runs_a_fixed_number_of_queries(
    world, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given: a chunk of two enterprises (of the city) and one of six (of the batch), neither
    # the last of its run
    settings.VERIFICATION_CHUNK_SIZE = 2
    with django_capture_on_commit_callbacks(execute=False):
        small = services.verification_start(world["admin"], world["city"])
    settings.VERIFICATION_CHUNK_SIZE = 6
    with django_capture_on_commit_callbacks(execute=False):
        large = services.verification_start(world["admin"], world["city"], batch=world["batch"])

    for run in (small, large):
        chunk = VerificationChunk.objects.get(run=run, index=0)
        # attempts; the chunk with its run and city, locked; the checks (one query here); the
        # chunk's old findings deleted; the new ones inserted; the chunk done; the run counted,
        # read back; the job's progress; and the transaction's savepoint, opened and released
        with django_assert_num_queries(11):
            services.chunk_process(chunk.pk)
    assert Finding.objects.filter(run=small).count() == 1
    assert Finding.objects.filter(run=large).count() == 4


def test_a_check_that_fails_fails_the_run_and_the_city_may_start_again(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a check with a bug
    def broken(city, enterprise_ids):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("pilot_portal.verification.checks.findings_for", broken)

    # when
    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # then
    assert run.status == "failed"
    assert run.finished_at is not None
    job = run.job
    assert (job.status, job.error) == ("failed", "ZeroDivisionError: division by zero")

    # and once the check is fixed, a new run goes through
    monkeypatch.setattr("pilot_portal.verification.checks.findings_for", fake_findings_for)
    assert start(django_capture_on_commit_callbacks, world["admin"], world["city"]).status == (
        "succeeded"
    )


def test_a_run_with_no_enterprises_finishes_at_once(world, django_capture_on_commit_callbacks):
    empty = BatchFactory(city=world["city"])

    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"], batch=empty)

    assert (run.status, run.chunks_total, run.counts["total"]) == ("succeeded", 0, 0)
    assert run.job.status == "succeeded"


def test_a_bare_job_started_through_the_jobs_api_writes_its_run(
    world, django_capture_on_commit_callbacks
):
    # when: started as a bare job, without a run
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(city=world["city"], kind="verify_batch", params={}, actor=world["admin"])

    # then: the job wrote its run and ran it
    job.refresh_from_db()
    run = VerificationRun.objects.get(job=job)
    assert (job.status, job.progress, job.params) == (
        "succeeded", 100, {"run": run.pk, "batch": None},
    )  # fmt: skip
    assert (run.status, run.enterprise_count, run.started_by) == ("succeeded", 7, world["admin"])


def test_a_bare_job_refuses_another_city_s_batch(world, django_capture_on_commit_callbacks):
    foreign = BatchFactory()

    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            city=world["city"], kind="verify_batch", params={"batch": foreign.pk},
            actor=world["admin"],
        )  # fmt: skip

    job.refresh_from_db()
    assert job.status == "failed"
    assert "choose one of the city's batches" in job.error
    assert VerificationRun.objects.count() == 0


def test_the_ministry_verifies_every_city(demo, fake_checks, django_capture_on_commit_callbacks):
    ministry = get_user_model().objects.get(username="ministry")

    with django_capture_on_commit_callbacks(execute=True):
        runs = services.verification_start_national(ministry)

    assert sorted(run.city.code for run in runs) == sorted(
        City.objects.values_list("code", flat=True)
    )
    assert {run.batch for run in runs} == {None}
    for run in VerificationRun.objects.all():
        assert (run.status, run.started_by, run.job.status) == ("succeeded", ministry, "succeeded")
        assert run.enterprise_count == run.city.enterprises.count()


@pytest.mark.parametrize("username", ["shenyang-city_admin", "liaoning-province"])
def test_only_the_ministry_verifies_every_city(demo, username):
    with pytest.raises(NotAllowed):
        services.verification_start_national(get_user_model().objects.get(username=username))

    assert VerificationRun.objects.count() == 0


def test_the_nightly_run_verifies_each_city_once_as_the_system_user(
    demo,
    fake_checks,
    django_capture_on_commit_callbacks,
):
    # given: Xiamen's city-wide run still going
    xiamen = City.objects.get(code="xiamen")
    with django_capture_on_commit_callbacks(execute=False):
        going = services.verification_start(
            get_user_model().objects.get(username="xiamen-city_admin"), xiamen
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        started = verify_all_cities_nightly.delay().get()

    # then: every other city has a finished run by the system user; Xiamen's is not doubled
    runs = VerificationRun.objects.filter(pk__in=started)
    assert sorted(r.city.code for r in runs) == sorted(
        City.objects.exclude(pk=xiamen.pk).values_list("code", flat=True)
    )
    assert {(r.status, r.started_by.username) for r in runs} == {("succeeded", "system")}
    assert VerificationRun.objects.filter(city=xiamen).get() == going


def test_the_nightly_run_resumes_a_run_that_lost_its_tasks(
    world, django_capture_on_commit_callbacks
):
    # given: a run started two hours ago whose tasks never ran (the broker lost them)
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        lost = services.verification_start(world["admin"], world["city"])
    VerificationRun.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_nightly()

    # then: its chunks were sent again and it finished; no second run of the city
    lost.refresh_from_db()
    assert (lost.status, lost.chunks_done) == ("succeeded", 3)
    assert VerificationRun.objects.filter(city=world["city"]).count() == 1


def test_a_nightly_run_without_a_system_user_names_nobody(
    world, django_capture_on_commit_callbacks
):
    get_user_model().objects.filter(username="system").update(username="retired-system")

    with django_capture_on_commit_callbacks(execute=True):
        runs = services.verification_nightly()

    run = next(r for r in runs if r.city == world["city"])
    run.refresh_from_db()
    assert (run.status, run.started_by, run.job.started_by) == ("succeeded", None, None)


def test_the_real_checks_give_the_same_findings_whatever_the_chunks_and_forget_a_fix(
    settings, django_capture_on_commit_callbacks
):
    """End to end with helper A's checks: a wrong check character, and one invoice claimed in
    two projects whose enterprises fall in different chunks."""
    from pilot_portal.demo.services import demo_uscc
    from tests.verification.checks_helpers import (
        accepted_project,
        checks_world,
        clean_enterprise,
        enrolled,
        line,
    )

    # given
    world = checks_world()
    clean = [clean_enterprise(world) for _ in range(2)]
    good = enrolled(world)
    wrong = enrolled(world, uscc=good.uscc[:17] + ("0" if good.uscc[17] != "0" else "1"))
    first, second = enrolled(world), enrolled(world)
    for enterprise in (first, second):
        line(accepted_project(world, enterprise), "1000.00", invoice="FP-777", issuer="某软件公司")

    def run_with_chunks_of(size):
        settings.VERIFICATION_CHUNK_SIZE = size
        return start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # when
    one_by_one, all_at_once = run_with_chunks_of(1), run_with_chunks_of(200)

    # then
    assert (one_by_one.chunks_total, all_at_once.chunks_total) == (6, 1)
    assert fingerprints(one_by_one) == fingerprints(all_at_once)
    assert sorted((code, e) for code, e, _ in fingerprints(one_by_one)) == sorted(
        [("uscc_check_digit", wrong.pk), ("invoice_duplicate", first.pk),
         ("invoice_duplicate", second.pk)]
    )  # fmt: skip
    assert one_by_one.counts["by_code"] == {"invoice_duplicate": 2, "uscc_check_digit": 1}
    assert not Finding.objects.filter(enterprise__in=[*clean, good]).exists()

    # when: the credit code is corrected
    wrong.uscc = demo_uscc("110101", 987654)
    wrong.save(update_fields=["uscc"])
    after_the_fix = run_with_chunks_of(2)

    # then
    assert fingerprints(after_the_fix) == {
        f for f in fingerprints(all_at_once) if f[0] != "uscc_check_digit"
    }


def test_a_chunk_is_retried_when_the_database_drops_out(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    # given: the database goes away once, during the first chunk
    from django.db import OperationalError

    failures = []

    def flaky(city, enterprise_ids):
        if not failures:
            failures.append(enterprise_ids)
            raise OperationalError("server closed the connection unexpectedly")
        return fake_findings_for(city, enterprise_ids)

    monkeypatch.setattr("pilot_portal.verification.checks.findings_for", flaky)

    # when
    run = start(django_capture_on_commit_callbacks, world["admin"], world["city"])

    # then: the chunk was tried again, and the run is as if nothing happened
    assert run.status == "succeeded"
    assert run.counts["total"] == 5
    assert list(VerificationChunk.objects.filter(run=run).values_list("attempts", flat=True)) == [
        2, 1, 1,
    ]  # fmt: skip


def test_a_batch_of_another_city_is_refused(world):
    with pytest.raises(InvalidInput):
        services.verification_start(world["admin"], world["city"], batch=BatchFactory())

    assert VerificationRun.objects.count() == 0
