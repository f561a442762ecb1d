# dldemo on an NVIDIA GPU (or a CPU). TensorFlow, the default backend, unless built with BACKEND=jax;
# both bring their CUDA libraries as pip wheels, so the host needs only the NVIDIA driver.
#   docker build -t dldemo .                                  # TensorFlow: pip install ".[gpu]"
#   docker build -t dldemo-jax --build-arg BACKEND=jax .      # JAX: pip install ".[jax-gpu]"
#   docker run --gpus all -v "$PWD/out:/out" dldemo                     # -> out/colorize.mp4
#   docker run --gpus all -v "$PWD/runs:/work/runs" -v /path/to/data:/data dldemo dldemo train segment --preset gpu
FROM ubuntu:24.04

ARG BACKEND=tensorflow

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/dldemo
COPY . .
RUN case "$BACKEND" in \
        tensorflow) extra=gpu ;; \
        jax) extra=jax-gpu ;; \
        *) echo "BACKEND must be tensorflow or jax, not '$BACKEND'" >&2; exit 1 ;; \
    esac \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir ".[$extra]"

ENV PATH=/opt/venv/bin:$PATH \
    KERAS_BACKEND=$BACKEND \
    DLDEMO_DATA=/data \
    DLDEMO_HEADLESS=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /work
CMD ["dldemo", "run", "colorize", "--output", "/out/colorize.mp4"]
