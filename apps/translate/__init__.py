"""translate: seq2seq translation with a BiLSTM encoder, attention, subwords and beam search (sacreBLEU)."""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="translate",
    description="Seq2seq translation: BiLSTM encoder, attention, beam search (Multi30k, sacreBLEU)",
    commands_module="dldemo.apps.translate.commands",
    weights=ASSETS_DIR / "translate" / "translator.keras",
)
