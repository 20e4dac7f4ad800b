import re
from pathlib import Path

import pytest

from photosearch.config import Config, default_data_dir
from photosearch.errors import ConfigError


def write_config(data_dir: Path, text: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text(text)


def test_defaults():
    config = Config.load(environ={})
    assert config.data_dir == default_data_dir()
    assert config.model == "clip" and config.device == "auto"
    assert config.face_model == "dlib"
    assert Config.load(environ={"PHOTOSEARCH_FACE_MODEL": "buffalo_l"}).face_model == "buffalo_l"
    assert config.resolved_database_url == f"sqlite:///{default_data_dir() / 'photosearch.db'}"


def test_flags_beat_env_beat_file_beat_defaults(tmp_path):
    write_config(tmp_path, 'model = "from-file"\nbatch_size = 4\ndevice = "cpu"\nworkers = 3\n')
    env = {
        "PHOTOSEARCH_HOME": str(tmp_path),
        "PHOTOSEARCH_MODEL": "from-env",
        "PHOTOSEARCH_BATCH_SIZE": "6",
    }
    config = Config.load(environ=env, model="from-flag")
    assert config.data_dir == tmp_path
    assert config.model == "from-flag"  # flag
    assert config.batch_size == 6  # env over file
    assert config.device == "cpu"  # file over default
    assert config.workers == 3
    assert config.offline is False  # default


def test_data_dir_flag_beats_env(tmp_path):
    config = Config.load(environ={"PHOTOSEARCH_HOME": "/elsewhere"}, data_dir=tmp_path)
    assert config.data_dir == tmp_path


def test_env_values_are_typed(tmp_path):
    env = {"PHOTOSEARCH_EXCLUDE": "*.gif, */tmp/*", "PHOTOSEARCH_OFFLINE": "yes"}
    config = Config.load(environ=env, data_dir=tmp_path)
    assert config.exclude == ("*.gif", "*/tmp/*") and config.offline is True


def test_database_url_setting(tmp_path):
    config = Config.load(environ={"PHOTOSEARCH_DATABASE_URL": "sqlite:///x.db"}, data_dir=tmp_path)
    assert config.resolved_database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    "env",
    [
        {"PHOTOSEARCH_DEVICE": "tpu"},
        {"PHOTOSEARCH_BATCH_SIZE": "0"},
        {"PHOTOSEARCH_BATCH_SIZE": "many"},
        {"PHOTOSEARCH_OFFLINE": "maybe"},
    ],
)
def test_invalid_values_are_clear_errors(tmp_path, env):
    with pytest.raises(ConfigError, match="Setting"):
        Config.load(environ=env, data_dir=tmp_path)


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("device", "auto, cpu, cuda"),
        ("index_type", "auto, flat, ivf, ivfsq"),
        ("face_model", "dlib, buffalo_l"),
    ],
)
def test_a_setting_of_a_few_words_names_them_and_the_wrong_one(tmp_path, name, choices):
    message = f"Setting '{name}' must be one of {choices}, not 'hnsw'."
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.load(environ={f"PHOTOSEARCH_{name.upper()}": "hnsw"}, data_dir=tmp_path)


def test_bad_config_file_names_the_file(tmp_path):
    write_config(tmp_path, "model = \n")
    with pytest.raises(ConfigError, match="config.toml"):
        Config.load(environ={}, data_dir=tmp_path)
    write_config(tmp_path, 'colour = "red"\n')
    with pytest.raises(ConfigError, match="colour"):
        Config.load(environ={}, data_dir=tmp_path)
