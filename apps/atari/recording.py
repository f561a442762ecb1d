"""Train-and-record: a short greedy clip at every milestone of training, stitched into one captioned MP4."""

from __future__ import annotations

from pathlib import Path

from dldemo.apps.atari.games import action_names
from dldemo.apps.atari.play import NATIVE_FPS, play
from dldemo.apps.atari.render import render
from dldemo.apps.atari.training import Session
from dldemo.shared.live import draw_hud
from dldemo.shared.live.video import Mp4Writer
from dldemo.shared.record import captioned, plot_learning_curve


def short_count(steps: int) -> str:
    """12_345 -> "12k", 2_500_000 -> "2.5M"."""
    if steps >= 1_000_000:
        return f"{steps / 1_000_000:.3g}M"
    return f"{steps / 1000:.3g}k" if steps >= 1000 else str(steps)


def clip_name(session: Session) -> str:
    """The video's file name, after the run ("pong-pqn-20261201-101500.mp4"; a resumed stretch adds
    "-from-1.2M")."""
    stretch = f"-from-{short_count(session.step)}" if session.step else ""
    return f"{session.game}-{session.recipe.algo}-{session.run_dir.path.name}{stretch}.mp4"


class ClipRecorder:
    """A ``training.train`` hook: every ``every`` steps (at the end of an iteration), ``seconds`` of one
    greedy game, captioned with the step count and the test return so far."""

    def __init__(self, session: Session, path: str | Path, *, every: int, seconds: float = 8.0) -> None:
        self.every, self.frames = every, max(1, round(seconds * NATIVE_FPS))
        self.names = action_names(session.game)
        self.writer = Mp4Writer(path, NATIVE_FPS)
        self.next_at = session.step
        self.recorded_at: int | None = None
        self.clips = 0

    @property
    def path(self) -> Path:
        return self.writer.path

    def __call__(self, session: Session) -> None:
        if session.step >= self.next_at:
            self.record(session)

    def record(self, session: Session) -> None:
        """One clip of the agent as it plays now."""
        self.next_at, self.recorded_at = session.step + self.every, session.step
        session.learner.sync()
        test_return = session.state.test_return()
        caption = f"after {short_count(session.step)} steps · {session.state.seconds / 60:.1f} min" + (
            f" · test return {test_return:.1f}" if test_return is not None else ""
        )
        clip = play(session.learner.model, session.game, session.settings, seed=self.clips, games=1)
        for i, moment in enumerate(clip):
            if i >= self.frames:
                break
            shown = draw_hud(
                render(moment, self.names), [f"return {moment.score:+g}", self.names[moment.action]]
            )
            self.writer.write(captioned(shown, caption))
        self.clips += 1

    def close(self, session: Session) -> tuple[Path, Path]:
        """Record the final agent (unless the last clip shows it), finish the video and draw the learning
        curve; returns both paths."""
        if self.recorded_at != session.step:
            self.record(session)
        video = self.writer.close()
        curve = plot_learning_curve(
            session.run_dir.history(),
            session.run_dir.media_dir / "learning_curve.png",
            x_key="step",
            keys=["train_return", "test_return", "loss"],
            title=f"{session.game}: {session.recipe.algo} ({session.recipe.envs} envs)",
        )
        return video, curve
