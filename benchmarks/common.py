"""What every benchmark shares: result rows, timing, memory, a model, a store."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photosearch.config import Config


@dataclass
class Row:
    benchmark: str
    figure: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if not self.baseline_value:
            return None
        return self.value / self.baseline_value


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def latencies_ms(function, repeats: int) -> np.ndarray:
    values = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        values.append((time.perf_counter() - started) * 1000)
    return np.array(values)


def p50_p95(values: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM)."""
    return _status_mb("VmHWM")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def reset_peak_rss() -> None:
    """Start the peak (VmHWM) afresh from the current size, so later peaks belong to what
    follows (Linux: writing 5 to /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def random_checkpoint(directory: Path, arch: str = "ViT-B-32") -> str:
    """A randomly initialised model saved as a checkpoint: the real compute, no download."""
    import torch

    from photosearch.model.loading import get_open_clip

    path = directory / f"{arch}-random.pt"
    if not path.exists():
        torch.manual_seed(0)
        model = get_open_clip().create_model(arch)
        torch.save({"state_dict": model.state_dict()}, path)
    return f"{arch}:{path}"


# --database-url: the database every store of this run is built in ("": SQLite in its data dir)
DATABASE_URL = ""


def settled(store) -> None:
    """After a bulk load, what PostgreSQL's autovacuum does within a minute of one: the tables'
    statistics gathered (ANALYZE), without which its planner scans whole tables for a page of
    hits (58 ms for the hits' people of (u) against 2-5 ms). SQLite needs nothing."""
    if store.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with store.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def config_for(data_dir: Path, model: str, **settings) -> Config:
    base = Config.load(environ={}, data_dir=data_dir, model=model, device="auto", offline=True)
    return dataclasses.replace(base, database_url=DATABASE_URL, **settings)


def stage_decoding(embedder, config: Config, work: Path, paths, reusable=frozenset(), keep=False):
    """The index stage's CPU pool alone, in a data dir of its own under `work`, nothing
    embedded: every file read and hashed, then decoded, preprocessed and thumbnailed unless its
    content is in `reusable`. Files a second, and with `keep` each file's pixels (not kept
    otherwise: thousands of them would not fit)."""
    from photosearch.indexing.stage import Job
    from photosearch.indexing.thread_stage import ThreadStage

    jobs = [Job(number, str(path), "") for number, path in enumerate(paths)]
    files, pixels = 0, []
    with tempfile.TemporaryDirectory(dir=work) as data_dir:
        own = dataclasses.replace(config, data_dir=Path(data_dir))
        stage = ThreadStage(embedder, own, gpu=None)
        started = time.perf_counter()
        for read in stage.decoded(jobs, reusable):
            files += 1
            if keep:
                pixels.append(read.pixels)
        seconds = time.perf_counter() - started
    return files / seconds, pixels


def clustered_vectors(count: int, dim: int = 512, seed: int = 0, chunk: int = 100_000):
    """Unit vectors like photo embeddings: 1,000 clusters in a 32-dimensional subspace, plus a
    little noise in all 512 (nearest neighbours at cosine ~0.85). CLIP embeddings of photos
    have a similarly low intrinsic dimension; uniform noise on the sphere, which no approximate
    index can search well, does not."""
    structure = np.random.default_rng(12345)  # the same clusters for photos and queries
    centres = structure.standard_normal((1000, 32)).astype(np.float32)
    basis = np.linalg.qr(structure.standard_normal((dim, 32)))[0].astype(np.float32)
    rng = np.random.default_rng(seed)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        latent = centres[rng.integers(0, len(centres), size)]
        latent = latent + 0.6 * rng.standard_normal((size, 32)).astype(np.float32)
        vectors = latent @ basis.T + 0.02 * rng.standard_normal((size, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        yield start, vectors
