"""translate: seq2seq translation with a BiLSTM encoder, attention, subwords and beam search (sacreBLEU).

Read it in this order: ``corpus`` (sentence pairs: Multi30k, Tatoeba, any line-aligned files) ->
``tokenizer`` (sentencepiece subwords that travel inside the model) -> ``recipes`` (the network's shape and
the presets) -> ``model`` (BiLSTM encoder, Luong attention, LSTM decoder, masked loss; encoder and one-step
decoder models for inference) -> ``translator`` (text in, translations and attention out, by the shared
greedy and beam search of ``dldemo.shared.models.decoding``; ``Translator.from_preset`` loads one) ->
``training`` (length-bucketed batches, teacher forcing, validation BLEU, weight averaging) -> ``scoring``
(sacreBLEU and chrF) -> ``attention`` and ``panel`` (the attention heatmap and the record panel),
``samples`` (bundled sentences), ``bench`` (speed) -> ``commands`` (the CLI verbs).
"""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="translate",
    description="Seq2seq translation: BiLSTM encoder, attention, beam search (Multi30k, sacreBLEU)",
    commands_module="dldemo.apps.translate.commands",
    web_module="dldemo.apps.translate.web",
    weights=ASSETS_DIR / "translate" / "translator.keras",
)
