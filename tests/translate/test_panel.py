"""Record panels keep one height whatever the model outputs, so the video needs no letterbox bands."""

from dldemo.apps.translate.panel import INK, OUTPUT, Row, text_panel


def test_a_long_or_short_translation_gives_the_same_panel_height():
    def panel(output: str):
        return text_panel([[Row("en", "a man rides a bike .", INK), Row("de", output, OUTPUT, 2)]])

    untrained, trained = panel("der der der " * 40), panel("ein mann fährt rad .")
    assert untrained.shape == trained.shape
    assert (untrained != trained).any()
