"""The Claude layer's settings: which model, how long to wait, and whether it is online.

Settings come from three places, each overriding the one before: the defaults here, the
``[ai]`` table of ``$XDG_CONFIG_HOME/stepista/config.toml`` (``~/.config/stepista/config.toml``
when ``XDG_CONFIG_HOME`` is unset), and the environment variable ``STEPISTA_AI_MODEL``::

    [ai]
    model = "claude-sonnet-5-5"   # any model id the Messages API knows
    timeout = 60                  # seconds one HTTP attempt may take
    budget = 90                   # seconds one request may take, retries included
    max_retries = 2               # retries of a timeout, 429 or 5xx before going offline

The API key and the API's address belong to the SDK: ``ANTHROPIC_API_KEY`` and
``ANTHROPIC_BASE_URL`` are read by ``anthropic.Anthropic`` itself, and Stepista never passes
either, so whatever the environment says is what the SDK uses.

>>> load_config({"STEPISTA_AI_MODEL": "claude-opus-5-5", "XDG_CONFIG_HOME": "/nonexistent"}).model
'claude-opus-5-5'
>>> ai_status({"XDG_CONFIG_HOME": "/nonexistent"})
'AI offline: no ANTHROPIC_API_KEY'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

__all__ = ["DEFAULT_MODEL", "AiConfig", "ConfigError", "config_path", "load_config", "has_api_key",
           "ai_status", "make_client"]

# The newest Sonnet that anthropic 2.11's `types.Model` lists (and not in its deprecation table):
# quick enough to answer while the music plays.
DEFAULT_MODEL = "claude-sonnet-5-5"
MODEL_VARIABLE = "STEPISTA_AI_MODEL"
CONNECT_TIMEOUT = 5.0


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class AiConfig:
    """The Claude layer's settings (see the module docstring for where each comes from)."""

    model: str = DEFAULT_MODEL
    timeout: float = 60.0
    budget: float = 90.0
    max_retries: int = 2

    def __post_init__(self):
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError(f"model {self.model!r} must be a model id such as {DEFAULT_MODEL!r}")
        for name in ("timeout", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
                raise ConfigError(f"{name} {value!r} must be a number of seconds above 0 (at most 3600)")
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) \
                or not 0 <= self.max_retries <= 5:
            raise ConfigError(f"max_retries {self.max_retries!r} must be a whole number 0-5")


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the config file lives: ``$XDG_CONFIG_HOME/stepista/config.toml``.

    >>> config_path({"XDG_CONFIG_HOME": "/tmp/cfg"}).as_posix()
    '/tmp/cfg/stepista/config.toml'
    """
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "stepista" / "config.toml"


def _file_settings(path: Path) -> dict:
    """The ``[ai]`` table of the config file ({} when there is no file or no table)."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    table = data.get("ai", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [ai] must be a table")
    known = {f.name for f in fields(AiConfig)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown [ai] setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return table


def load_config(env: Mapping[str, str] | None = None) -> AiConfig:
    """The settings in force: defaults, then the config file, then ``STEPISTA_AI_MODEL``.

    Raises `ConfigError` (naming the file) when the file cannot be read or holds bad values.
    """
    env = os.environ if env is None else env
    path = config_path(env)
    try:
        config = AiConfig(**_file_settings(path))
    except ConfigError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(str(path)) else f"{path}: {message}") from None
    model = env.get(MODEL_VARIABLE, "").strip()
    return replace(config, model=model) if model else config


def has_api_key(env: Mapping[str, str] | None = None) -> bool:
    """Whether the environment holds a key the SDK will use (``ANTHROPIC_API_KEY``)."""
    env = os.environ if env is None else env
    return bool(env.get("ANTHROPIC_API_KEY", "").strip())


def ai_status(env: Mapping[str, str] | None = None) -> str:
    """One line for the status bar: ``AI online (model X)`` or why it is offline.

    >>> ai_status({"ANTHROPIC_API_KEY": "sk-test", "STEPISTA_AI_MODEL": "claude-haiku-5-5",
    ...            "XDG_CONFIG_HOME": "/nonexistent"})
    'AI online (model claude-haiku-5-5)'
    """
    env = os.environ if env is None else env
    if not has_api_key(env):
        return "AI offline: no ANTHROPIC_API_KEY"
    try:
        config = load_config(env)
    except ConfigError as exc:
        return f"AI offline: {exc}"
    return f"AI online (model {config.model})"


def make_client(config: AiConfig | None = None, *, http_client=None):
    """An ``anthropic.Anthropic`` client with the config's time limits and retries.

    The key and base URL are left to the SDK, which reads ``ANTHROPIC_API_KEY`` and
    ``ANTHROPIC_BASE_URL``. ``http_client`` (an ``httpx2.Client``) is for tests that fake the
    network; the SDK imports lazily so the status line never pays for it.
    """
    import anthropic
    import httpx2

    config = config or load_config()
    return anthropic.Anthropic(
        timeout=httpx2.Timeout(config.timeout, connect=min(CONNECT_TIMEOUT, config.timeout)),
        max_retries=config.max_retries,
        http_client=http_client,
    )
