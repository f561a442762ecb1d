"""Progress: a line at most every `every` seconds off a terminal, with rate and ETA; a redrawn bar on one."""

import io

from dldemo.shared.progress import Progress, progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_it_prints_a_plain_line_every_interval_with_rate_and_eta():
    clock, log = Clock(), io.StringIO()
    bar = Progress(100, label="epoch 1/3", unit="batch", stream=log, every=30, clock=clock)
    for _ in range(100):
        clock.now += 1.0  # one batch a second: 100 s in all
        bar.update(1, lambda: "loss 0.5")
    bar.close("epoch 1/3: loss 0.5")
    lines = log.getvalue().splitlines()
    assert lines == [
        "epoch 1/3: 30/100 (30%), 1 batch/s, ETA 1:10, loss 0.5",
        "epoch 1/3: 60/100 (60%), 1 batch/s, ETA 0:40, loss 0.5",
        "epoch 1/3: 90/100 (90%), 1 batch/s, ETA 0:10, loss 0.5",
        "epoch 1/3: loss 0.5",
    ]


def test_the_rate_leaves_out_the_first_item_and_what_was_done_before():
    clock = Clock()
    bar = Progress(10, label="x", done=4, stream=io.StringIO(), clock=clock)
    clock.now = 50.0  # a first step that compiled for 50 s
    bar.update()
    clock.now = 52.0
    bar.update(2)
    assert bar.rate(clock.now) == 1.0 and bar.done == 7


def test_on_a_terminal_one_line_is_redrawn_and_cleared():
    clock, screen = Clock(), Terminal()
    for _ in progress(range(5), label="scoring", stream=screen, clock=clock):
        clock.now += 1.0
    drawn = screen.getvalue()
    assert drawn.count("\n") == 0 and drawn.count("\r") >= 4
    assert "scoring: [" in drawn and "3/5 (60%)" in drawn and drawn.endswith("\r")
