"""Small files the project made itself: shipped weights and sample inputs."""

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
