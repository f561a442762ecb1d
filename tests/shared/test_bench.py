"""The bench timing helpers: what they call, how often, and the numbers they return."""

import keras
import numpy as np

from dldemo.shared.bench import bench_header, live_rate, seconds_per_call, training_throughput


def test_seconds_per_call_warms_up_then_times_each_call():
    calls = []
    seconds = seconds_per_call(lambda: calls.append(1), 5, warmup=2)
    assert len(calls) == 7 and seconds >= 0


def test_live_rate_times_the_model_apart_from_drawing():
    frames = [np.full((4, 4), i) for i in range(3)]
    modelled, shown = [], []

    def model(frame):
        modelled.append(int(frame[0, 0]))
        return frame + 1

    fps, model_ms = live_rate(frames, model, lambda frame, out: shown.append(int(out[0, 0])), 5, warmup=2)
    assert modelled == [0, 1, 0, 1, 2, 0, 1] and shown == [1, 2, 3, 1, 2]
    assert fps > 0 and model_ms >= 0


def test_training_throughput_counts_images_per_second():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    batches = []

    def batch():
        batches.append(1)
        return np.zeros((8, 3)), np.zeros((8, 1))

    numbers = training_throughput(model, batch, steps=3, batch_size=8, preset="tiny")
    assert len(batches) == 4 and numbers["train_preset"] == "tiny"
    assert numbers["train_images_per_s"] == 8 / numbers["train_step_s"]
    assert set(bench_header()) == {"machine", "backend"}
