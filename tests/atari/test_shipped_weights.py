"""The shipped Pong agent, evaluated as users would: 10 whole games on the CPU."""

import json

from tests.cli import dldemo


def test_the_shipped_pong_agent_wins_by_at_least_18_points(capsys):
    assert dldemo("eval", "atari", "--game", "pong", "--episodes", 10, "--seed", 7, "--json") == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["episodes"] == 10
    assert metrics["mean_return"] >= 18, metrics["returns"]
