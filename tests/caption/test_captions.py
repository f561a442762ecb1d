"""Caption words, the vocabulary (min count, round trip, unknown words) and Flickr8k splits."""

import pytest

from dldemo.apps.caption.captions import EOS, UNK, Vocabulary, image_index, load_split, read_tokens, words_of
from dldemo.shared.errors import UserError
from tests.caption.conftest import write_shapes_dataset


def test_words_are_lower_case_without_punctuation():
    assert words_of("A dog's ball, in 2 parks!") == ["a", "dog", "s", "ball", "in", "2", "parks"]


def test_the_vocabulary_keeps_frequent_words_and_round_trips():
    captions = ["a dog runs", "a dog sits", "a cat runs", "A dog."]
    vocabulary = Vocabulary.build(captions, min_count=2)
    assert vocabulary.words[4:] == ["a", "dog", "runs"]  # by count, ties alphabetical; "cat" is too rare
    ids = vocabulary.encode("A dog runs!")
    assert ids[-1] == EOS and vocabulary.decode(ids) == ["a", "dog", "runs"]
    assert vocabulary.encode("a cat")[1] == UNK and vocabulary.decode([4, EOS, 5]) == ["a"]
    assert vocabulary.encode("a dog runs far", max_words=2) == [4, 5, EOS]
    assert Vocabulary(vocabulary.words).ids == vocabulary.ids
    with pytest.raises(ValueError):
        Vocabulary(["a", "b"])


def test_splits_read_the_token_file_and_find_images_in_any_folder(tmp_path):
    truth = write_shapes_dataset(tmp_path, {"train": 6, "dev": 3})
    folder = tmp_path / "flickr8k"
    (folder / "full").mkdir()
    (folder / "images224" / "dev001.jpg").rename(folder / "full" / "dev001.jpg")
    dev = load_split("dev", str(tmp_path))
    assert [p.name for p in dev.images] == ["dev000.jpg", "dev001.jpg", "dev002.jpg"]
    assert dev.images[1].parent.name == "full"
    assert dev.captions[0] == ["A red circle."] * 5 and truth["dev"][0] == "a red circle"
    assert len(read_tokens(folder / "text" / "Flickr8k.token.txt")) == 9
    assert set(image_index(folder)) == {f"train{i:03d}.jpg" for i in range(6)} | {
        f"dev{i:03d}.jpg" for i in range(3)
    }
    with pytest.raises(UserError, match="unknown Flickr8k split 'val'"):
        load_split("val", str(tmp_path))
