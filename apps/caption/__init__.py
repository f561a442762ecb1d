"""caption: Show, Attend and Tell on Flickr8k: a frozen EfficientNet-Lite0 grid, attention LSTM, beam search.

Read it in this order: ``captions`` (caption words, the vocabulary, Flickr8k splits) -> ``recipes`` (the
network's shape and the presets) -> ``model`` (the CNN carried inside, the attention LSTM cell, the masked
loss and the doubly stochastic attention penalty; start and one-step models for decoding) -> ``features``
(photos squashed to the CNN's square, grids cached on disk) -> ``captioner`` (photos in, captions and
attention out, by the shared greedy and beam search; ``Captioner.from_preset`` loads one) -> ``metrics``
(BLEU-1..4 and CIDEr-D as the COCO caption toolkit computes them) -> ``training`` (cached grids, teacher
forcing, dev scores) -> ``figure`` (the attention figure), ``live`` (webcam, video, photos), ``evaluate``,
``bench`` -> ``commands`` (the CLI verbs).
"""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="caption",
    description="Image captioning: CNN grid, attention LSTM, beam search (Flickr8k, BLEU and CIDEr-D)",
    commands_module="dldemo.apps.caption.commands",
    web_module="dldemo.apps.caption.web",
    weights=ASSETS_DIR / "caption" / "captioner.keras",
)
