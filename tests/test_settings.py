"""Settings: WUGONG_* variables, the embedded secret key file, and refusals of unsafe set-ups."""

from __future__ import annotations

import stat

import pytest

from common.errors import ConfigurationError
from common.settings import Settings

WUGONG_VARIABLES = (
    "WUGONG_DATABASE_URL",
    "WUGONG_REDIS_URL",
    "WUGONG_SECRET_KEY",
    "WUGONG_TELEGRAM_TOKEN",
    "WUGONG_TELEGRAM_BASE_URL",
    "WUGONG_HTTP_HOST",
    "WUGONG_HTTP_PORT",
    "WUGONG_VAR_DIR",
)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in WUGONG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def test_defaults_are_the_embedded_mode(clean_env):
    settings = Settings()
    assert settings.database_url == "sqlite:///var/wugong.sqlite3"
    assert settings.embedded
    assert (settings.http.http_host, settings.http.http_port) == ("127.0.0.1", 8080)
    assert settings.telegram.telegram_token is None
    assert settings.telegram.telegram_base_url == "https://api.telegram.org/bot"


def test_every_contract_variable_is_read(clean_env):
    clean_env.setenv("WUGONG_DATABASE_URL", "postgresql+psycopg://u@h/db")
    clean_env.setenv("WUGONG_REDIS_URL", "redis://h:6379/1")
    clean_env.setenv("WUGONG_TELEGRAM_TOKEN", "123:abc")
    clean_env.setenv("WUGONG_TELEGRAM_BASE_URL", "http://127.0.0.1:9000/bot")
    clean_env.setenv("WUGONG_HTTP_HOST", "0.0.0.0")
    clean_env.setenv("WUGONG_HTTP_PORT", "9090")
    clean_env.setenv("WUGONG_SECRET_KEY", "k" * 40)
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.queue.redis_url == "redis://h:6379/1"
    assert not settings.embedded
    assert settings.telegram.telegram_token.get_secret_value() == "123:abc"
    assert settings.telegram.telegram_base_url == "http://127.0.0.1:9000/bot"
    assert (settings.http.http_host, settings.http.http_port) == ("0.0.0.0", 9090)
    assert settings.secret_key() == b"k" * 40


def test_settings_are_read_from_a_dot_env_file(clean_env, tmp_path):
    (tmp_path / ".env").write_text("WUGONG_HTTP_PORT=8181\n")
    assert Settings().http.http_port == 8181


def test_embedded_mode_creates_one_private_secret_key(clean_env, tmp_path):
    clean_env.setenv("WUGONG_VAR_DIR", str(tmp_path / "var"))
    first = Settings().secret_key()
    key_file = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert Settings().secret_key() == first, "a restart must find the same key"


def test_a_short_secret_key_is_refused(clean_env):
    clean_env.setenv("WUGONG_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings().secret_key()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WUGONG_DATABASE_URL", "postgresql+psycopg://u@h/db"),
        ("WUGONG_REDIS_URL", "redis://h:6379/0"),
    ],
)
def test_production_services_require_an_explicit_secret_key(clean_env, variable, value):
    """Several processes must derive the same keys, so none may invent its own."""
    clean_env.setenv(variable, value)
    with pytest.raises(ConfigurationError, match="WUGONG_SECRET_KEY must be set"):
        Settings().secret_key()


def test_a_county_folder_of_parameters_is_read_at_start(clean_env, tmp_path):
    """Given WUGONG_PARAMETERS_DIR with 140581.yaml moving the transport deadline, a process
    started with it assesses with the county's value; without it, with the default."""
    from datetime import date

    from common import runtime
    from policy import install_parameters, load_parameters

    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "140581.yaml").write_text(
        'county: "140581"\nreference: 高平市 test notice\n'
        'transport:\n  deadline:\n    values:\n      2023-01-01: "11-30"\n',
        encoding="utf-8",
    )
    clean_env.setenv("WUGONG_PARAMETERS_DIR", str(folder))
    started = runtime.start(Settings())
    try:
        assert load_parameters().get("transport.deadline", date(2026, 1, 1), "140581") == "11-30"
    finally:
        started.close()
        install_parameters(None)
    assert load_parameters().get("transport.deadline", date(2026, 1, 1), "140581") == "12-25"


def test_a_malformed_county_parameter_file_stops_the_start_with_one_line(clean_env, tmp_path):
    from common import runtime

    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "140581.yaml").write_text('county: "140581"\ntransport:\n  nope: 1\n')
    clean_env.setenv("WUGONG_PARAMETERS_DIR", str(folder))
    with pytest.raises(ConfigurationError, match=r"WUGONG_PARAMETERS_DIR.*140581\.yaml"):
        runtime.start(Settings())
