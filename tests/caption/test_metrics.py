"""Caption metrics against numbers from the COCO caption toolkit (pycocoevalcap)."""

import numpy as np
import pytest

from dldemo.apps.caption.metrics import bleu, caption_scores, cider_d, diversity

# (hypothesis, five references) per image. By index: a hypothesis equal to one reference (1), one with no
# 3- or 4-gram match (2), one with repeated words (3), a one-word hypothesis (4), one longer than every
# reference (5), an empty one (8); the closest reference lengths tie in 2 (6 or 8 words) and 6 (5 or 7), and
# the hypotheses are shorter in total than their closest references, so the brevity penalty applies.
IMAGES = [
    (
        "a dog runs across the grass",
        [
            "a brown dog runs across the green grass",
            "a dog is running on the grass",
            "the dog runs through a field",
            "a dog plays outside in the grass",
            "a brown and white dog runs across a lawn",
        ],
    ),
    (
        "two children play in the snow",
        [
            "two children play in the snow",
            "kids are playing in the snow",
            "two young kids building a snowman",
            "two children in winter coats play outside",
            "children playing in white snow",
        ],
    ),
    (
        "man riding a red bicycle down street",
        [
            "a man rides a bike on the street",
            "a cyclist in a red jacket rides down the road",
            "a person riding a bicycle",
            "a man on a bicycle in the city",
            "a man cycling down a busy street",
        ],
    ),
    (
        "a woman a woman sitting on a a bench",
        [
            "a woman sits on a park bench",
            "a lady sitting on a wooden bench",
            "a woman is resting on a bench outside",
            "an old woman sitting alone on a bench",
            "a woman reading on a bench",
        ],
    ),
    (
        "dog",
        [
            "a black dog swims in the lake",
            "a dog swimming in water",
            "a wet dog in a lake",
            "the dog is swimming",
            "a black lab paddles through the water",
        ],
    ),
    (
        "a group of people standing on a beach near the ocean",
        [
            "people stand on the beach",
            "a group of surfers on a beach",
            "surfers standing by the ocean at sunset",
            "a group of people on the sand",
            "several people with surfboards on a beach",
        ],
    ),
    (
        "a girl jumps into the pool",
        [
            "a girl jumps into water",
            "a young girl leaps into the pool",
            "a little girl in a pink swimsuit jumps",
            "a child is jumping into a blue swimming pool",
            "girl jumping in pool",
        ],
    ),
    (
        "a cat sleeping on the couch",
        [
            "a cat is asleep on a sofa",
            "a gray cat sleeping on a couch",
            "the cat naps on the couch",
            "a kitten curled up on the couch",
            "a cat lying on a red couch",
        ],
    ),
    (
        "",
        [
            "a man playing guitar on stage",
            "a musician performs with a guitar",
            "a guitarist on stage under lights",
            "a man strums an electric guitar",
            "a band playing a concert",
        ],
    ),
]


def words(caption: str) -> list[str]:
    return caption.split()


HYPOTHESES = [words(hyp) for hyp, _ in IMAGES]
REFERENCES = [[words(ref) for ref in refs] for _, refs in IMAGES]

# Produced with pycocoevalcap 1.2 (PyPI), Python 3.11, numpy 2.4: gts = {i: refs}, res = {i: [hyp]} over
# IMAGES (strings as written), then Bleu(4).compute_score(gts, res)[0] and Cider().compute_score(gts, res).
TOOLKIT_BLEU = [0.8882480439934588, 0.8006559669858525, 0.6300271476232197, 0.4683829073311421]
TOOLKIT_CIDER = 1.792535587998435
TOOLKIT_CIDER_PER_IMAGE = [
    2.5661517461058674,
    3.236967209534943,
    1.1417209963104153,
    1.7538546682882648,
    0.7861760735218419,
    1.7069383811310752,
    2.5202220422206976,
    2.420789174872809,
    0.0,
]


def test_bleu_matches_the_toolkit():
    assert bleu(HYPOTHESES, REFERENCES) == pytest.approx(TOOLKIT_BLEU, abs=1e-9)


def test_cider_d_matches_the_toolkit_overall_and_per_image():
    score, per_image = cider_d(HYPOTHESES, REFERENCES)
    assert score == pytest.approx(TOOLKIT_CIDER, abs=1e-9)
    assert per_image.shape == (len(IMAGES),)
    np.testing.assert_allclose(per_image, TOOLKIT_CIDER_PER_IMAGE, rtol=0, atol=1e-9)


def test_brevity_penalty_takes_the_shorter_of_two_equally_close_references():
    hyp = words("a girl jumps into the pool")  # 6 words: references of 5 and 7 are equally close
    refs = [words("a girl jumps into water"), words("a girl jumps into the blue pool")]
    assert bleu([hyp], [refs])[0] == pytest.approx(1.0, abs=1e-9)  # length 5 is used: no penalty
    assert bleu([hyp], [refs[1:]])[0] == pytest.approx(np.exp(1 - 7 / 6), abs=1e-9)


def test_caption_scores_are_percent():
    scores = caption_scores(HYPOTHESES, REFERENCES)
    assert list(scores) == ["bleu1", "bleu2", "bleu3", "bleu4", "cider"]
    assert [scores[f"bleu{n}"] for n in range(1, 5)] == pytest.approx([100 * b for b in TOOLKIT_BLEU])
    assert scores["cider"] == pytest.approx(100 * TOOLKIT_CIDER)


def test_a_perfect_hypothesis_scores_bleu_100():
    refs = [["a", "dog", "runs", "on", "the", "grass"]] * 5
    scores = caption_scores([refs[0]], [refs])
    assert [scores[f"bleu{n}"] for n in range(1, 5)] == pytest.approx([100.0] * 4, abs=1e-6)


def test_mismatched_or_unsplit_inputs_are_refused():
    with pytest.raises(ValueError):
        bleu(HYPOTHESES[:2], REFERENCES[:3])
    with pytest.raises(ValueError):
        cider_d(["a dog runs"], [[["a", "dog"]]])
    with pytest.raises(ValueError):
        bleu([["a", "dog"]], [[]])


def test_diversity_counts_distinct_and_degenerate_captions():
    captions = [
        words("a dog runs on the grass"),
        words("a dog runs on the grass"),
        words("a a dog on the grass"),
        words("a cat on a table on a table"),
        words("a cat on a table"),
    ]
    assert diversity(captions) == {"distinct": pytest.approx(4 / 5), "repeats": pytest.approx(2 / 5)}
