"""While an import runs, Python collects garbage less often and hands the GIL
round sooner (importing.tuning); afterwards both are as they were."""

import gc
import sys
import threading

from importing import engine, tuning
from importing.files import import_members_file

ROWS = [["手機", "姓名"], ["0912345678", "陳美玲"], ["0912345679", "林小明"]]


def _settings_during(monkeypatch, run):
    seen = []
    real = engine._Job.take

    def take(self, parsed):
        seen.append((gc.get_threshold()[0], sys.getswitchinterval()))
        return real(self, parsed)

    monkeypatch.setattr(engine._Job, "take", take)
    run()
    return seen


def test_an_import_runs_tuned_and_puts_the_settings_back(tiers, write_csv, monkeypatch):
    before = gc.get_threshold(), sys.getswitchinterval()
    path = write_csv(ROWS)
    seen = _settings_during(
        monkeypatch,
        lambda: (import_members_file(path), import_members_file(path, dry_run=True)),
    )
    tuned = (max(before[0][0], tuning.IMPORT_GC_THRESHOLD), tuning.IMPORT_SWITCH_INTERVAL)
    assert seen == [tuned, tuned]
    assert (gc.get_threshold(), sys.getswitchinterval()) == before


def test_the_last_import_to_finish_puts_the_settings_back():
    before = gc.get_threshold(), sys.getswitchinterval()
    first_in, second_done = threading.Event(), threading.Event()
    seen_by_first = []

    def first():
        with tuning.tuned_for_import():
            first_in.set()
            second_done.wait(5)
            seen_by_first.append(sys.getswitchinterval())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with tuning.tuned_for_import():
        pass
    second_done.set()
    thread.join(5)
    # The other import had finished; the first still ran tuned.
    assert seen_by_first == [tuning.IMPORT_SWITCH_INTERVAL]
    assert (gc.get_threshold(), sys.getswitchinterval()) == before
